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
  | { method: 'deviceKek' }
  | { method: 'forgetDeviceKek' }
  | { method: 'meetingStart' }
  | { method: 'meetingStop' }
  | { method: 'meetingStatus' };

/** What the test answers to each call (the default: nothing chosen, nothing running). */
export type Answer = (call: DesktopCall) => unknown;

/** The page side: runs before any script of the app, on every load. Self-contained (it is serialized). */
function installPreload(): void {
  type Binding = (call: unknown) => Promise<unknown>;
  const w = window as unknown as { __dureTestCall: Binding; dure?: unknown; __dureTestEmit?: unknown };
  const call = (c: unknown): Promise<unknown> => w.__dureTestCall(c);
  type Kind = 'menu' | 'link' | 'meeting';
  const listeners: Record<Kind, Set<(v: unknown) => void>> = { menu: new Set(), link: new Set(), meeting: new Set() };
  const subscribe = (kind: Kind, cb: (v: unknown) => void): (() => void) => {
    listeners[kind].add(cb);
    return () => listeners[kind].delete(cb);
  };
  const bytesOf = (a: unknown): Uint8Array => new Uint8Array(Array.isArray(a) ? (a as number[]) : []);
  // The methods of electron/src/preload/preload.ts (DureApi), in its order.
  const api = {
    version: 1,
    platform: 'linux',
    setRelays: (relays: readonly string[]) => call({ method: 'setRelays', relays: [...relays] }),
    openExternal: (url: string) => call({ method: 'openExternal', url }),
    openFile: async () => {
      const r = (await call({ method: 'openFile' })) as { name: string; bytes: number[] } | null;
      return r ? { name: r.name, bytes: bytesOf(r.bytes) } : null;
    },
    saveFile: (f: { name: string; bytes: Uint8Array }) =>
      call({ method: 'saveFile', name: f.name, bytes: Array.from(f.bytes) }),
    deviceKek: async () => {
      const r = (await call({ method: 'deviceKek' })) as { ok: boolean; kek?: number[]; plainText?: boolean };
      return r.ok ? { ok: true, kek: bytesOf(r.kek), plainText: r.plainText === true } : r;
    },
    forgetDeviceKek: () => call({ method: 'forgetDeviceKek' }),
    onMenuCommand: (cb: (c: unknown) => void) => subscribe('menu', cb),
    onOpenLink: (cb: (f: unknown) => void) => subscribe('link', cb),
    onMeetingStatus: (cb: (s: unknown) => void) => subscribe('meeting', cb),
    meetingStart: () => call({ method: 'meetingStart' }),
    meetingStop: () => call({ method: 'meetingStop' }),
    meetingStatus: () => call({ method: 'meetingStatus' }),
  };
  Object.defineProperty(window, 'dure', { value: Object.freeze(api), writable: false, configurable: false });
  w.__dureTestEmit = (kind: Kind, value: unknown) => listeners[kind].forEach((cb) => cb(value));
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

/** Raises a menu command, a deep link or a meeting status in the page, as main's IPC event would. */
export function emitDesktop(page: Page, kind: 'menu' | 'link' | 'meeting', value: unknown): Promise<void> {
  return page.evaluate(
    ({ k, v }) => (window as unknown as { __dureTestEmit: (k: string, v: unknown) => void }).__dureTestEmit(k, v),
    { k: kind, v: value },
  );
}
