/**
 * A stand-in for the desktop shell's preload (electron/src/preload), for Chromium: an init script that
 * puts the same `window.dure` API on the page, frozen as contextBridge leaves it, with every call
 * forwarded to the test through Playwright bindings, so the test sees each call and answers it. Events
 * from main (menu commands, dure:// links) are raised by the test through `window.__dureTestEmit`.
 *
 * Bytes cross the binding as number arrays (what every Playwright version serializes), and become
 * Uint8Array on the page side, as the real preload hands them over.
 */
import type { Page } from '@playwright/test';

export type DesktopCall =
  | { method: 'setRelays'; relays: string[] }
  | { method: 'openExternal'; url: string }
  | { method: 'openFile' }
  | { method: 'saveFile'; name: string; bytes: number[] }
  | { method: 'getDeviceKey' }
  | { method: 'startMeeting' }
  | { method: 'stopMeeting' };

/** What the test answers to each call (the default: nothing chosen, nothing running). */
export type Answer = (call: DesktopCall) => unknown;

/** The page side: runs before any script of the app, on every load. Self-contained (it is serialized). */
function installPreload(): void {
  type Binding = (call: unknown) => Promise<unknown>;
  const w = window as unknown as { __dureTestCall: Binding; dure?: unknown; __dureTestEmit?: unknown };
  const call = (c: unknown): Promise<unknown> => w.__dureTestCall(c);
  const listeners = { menu: new Set<(v: string) => void>(), link: new Set<(v: string) => void>() };
  const subscribe = (kind: 'menu' | 'link', cb: (v: string) => void): (() => void) => {
    listeners[kind].add(cb);
    return () => listeners[kind].delete(cb);
  };
  const bytesOf = (a: unknown): Uint8Array => new Uint8Array(Array.isArray(a) ? (a as number[]) : []);
  const api = {
    version: 1,
    platform: 'linux',
    setRelays: (relays: readonly string[]) => call({ method: 'setRelays', relays: [...relays] }),
    openExternal: (url: string) => call({ method: 'openExternal', url }),
    onMenuCommand: (cb: (c: string) => void) => subscribe('menu', cb),
    onOpenLink: (cb: (f: string) => void) => subscribe('link', cb),
    openFile: async () => {
      const r = (await call({ method: 'openFile' })) as { name: string; bytes: number[] } | null;
      return r ? { name: r.name, bytes: bytesOf(r.bytes) } : null;
    },
    saveFile: (f: { name: string; bytes: Uint8Array }) =>
      call({ method: 'saveFile', name: f.name, bytes: Array.from(f.bytes) }),
    getDeviceKey: async () => {
      const r = (await call({ method: 'getDeviceKey' })) as { kek: number[]; plainText: boolean };
      return { kek: bytesOf(r.kek), plainText: r.plainText };
    },
    startMeeting: () => call({ method: 'startMeeting' }),
    stopMeeting: () => call({ method: 'stopMeeting' }),
  };
  Object.defineProperty(window, 'dure', { value: Object.freeze(api), writable: false, configurable: false });
  w.__dureTestEmit = (kind: 'menu' | 'link', value: string) => listeners[kind].forEach((cb) => cb(value));
}

/** Installs the test preload on `page`; every call is recorded in the returned list, answered by `answer`. */
export async function installDesktopPreload(page: Page, answer: Answer): Promise<DesktopCall[]> {
  const calls: DesktopCall[] = [];
  await page.exposeBinding('__dureTestCall', (_source, c: DesktopCall) => {
    calls.push(c);
    return answer(c);
  });
  await page.addInitScript(installPreload);
  return calls;
}

/** Raises a menu command or a deep link in the page, as main's IPC event would. */
export function emitDesktop(page: Page, kind: 'menu' | 'link', value: string): Promise<void> {
  return page.evaluate(
    ([k, v]) => (window as unknown as { __dureTestEmit: (k: string, v: string) => void }).__dureTestEmit(k, v),
    [kind, value] as const,
  );
}
