import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { BrowserWindowConstructorOptions } from '../src/electron-api';

/**
 * The real main.ts started against a stand-in Electron (electron-api.ts mocked): every window it
 * creates is recorded with the options it was built with.
 */
const h = vi.hoisted(() => {
  const created: { options: unknown; urls: string[] }[] = [];
  const appListeners = new Map<string, (...a: unknown[]) => void>();
  let nextId = 1;
  /**
   * Parts of Electron this test does not look at answer every call with undefined, so a feature wired
   * into main.ts later does not break the stand-in ('then' stays undefined: these are not promises).
   */
  const loose = <T extends object>(known: T): T =>
    new Proxy(known, {
      get: (target, key) =>
        key in target
          ? target[key as keyof T]
          : key === 'then' || typeof key !== 'string'
            ? undefined
            : () => undefined,
    });
  const contentsListeners = new Map<string, (event: unknown) => void>();
  class FakeWindow {
    readonly webContents: { id: number; on: (event: string, fn: (event: unknown) => void) => void };
    readonly record: { options: unknown; urls: string[] };
    constructor(options: unknown) {
      const id = nextId++;
      this.webContents = loose({ id, on: (event, fn) => contentsListeners.set(`${id}:${event}`, fn) });
      this.record = { options, urls: [] };
      created.push(this.record);
      return loose(this);
    }
    once() {}
    on() {}
    show() {}
    async loadURL(url: string) {
      this.record.urls.push(url);
    }
    static getAllWindows = () => [];
  }
  const handlers = new Map<string, unknown>();
  return {
    loose,
    created,
    contentsListeners,
    userData: '',
    appListeners,
    handlers,
    schemes: [] as unknown[],
    protocolHandlers: new Map<string, unknown>(),
    permissionHandlers: [] as string[],
    FakeWindow,
  };
});

vi.mock('../src/electron-api', () => ({
  app: h.loose({
    isPackaged: false,
    getPath: () => h.userData,
    on: (event: string, fn: (...a: unknown[]) => void) => h.appListeners.set(event, fn),
    whenReady: async () => undefined,
    quit: () => undefined,
    requestSingleInstanceLock: () => true,
    getLocale: () => 'ko',
    getPreferredSystemLanguages: () => ['ko-KR'],
  }),
  BrowserWindow: h.FakeWindow,
  ipcMain: h.loose({ handle: (channel: string, fn: unknown) => h.handlers.set(channel, fn) }),
  protocol: h.loose({
    registerSchemesAsPrivileged: (s: unknown[]) => h.schemes.push(...s),
    handle: (scheme: string, fn: unknown) => h.protocolHandlers.set(scheme, fn),
  }),
  session: {
    defaultSession: h.loose({
      setPermissionRequestHandler: () => h.permissionHandlers.push('request'),
      setPermissionCheckHandler: () => h.permissionHandlers.push('check'),
      setDevicePermissionHandler: () => h.permissionHandlers.push('device'),
    }),
  },
  dialog: h.loose({ showMessageBox: async () => ({ response: 1 }) }),
  shell: h.loose({ openExternal: async () => undefined }),
  Menu: h.loose({}),
  safeStorage: h.loose({ isEncryptionAvailable: () => false }),
  net: h.loose({}),
  utilityProcess: h.loose({}),
  screen: h.loose({ getAllDisplays: () => [] }),
}));

const SECURE = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
};

let shell: Awaited<ReturnType<typeof import('../src/main/main').start>>;

beforeAll(async () => {
  h.userData = await mkdtemp(path.join(tmpdir(), 'dure-userdata-'));
  // the relays a previous run kept
  await writeFile(path.join(h.userData, 'relays.json'), JSON.stringify(['wss://saved.example']));
  vi.stubEnv('DURE_MAIN_AUTOSTART', '0');
  vi.stubEnv('DURE_WEB_ROOT', '/nonexistent-dure-web');
  const main = await import('../src/main/main');
  shell = await main.start();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(h.userData, { recursive: true, force: true });
});

describe('the windows main.ts creates', () => {
  it('opens app://dure/ in a window with every security option set, and the bundled preload', () => {
    expect(h.created).toHaveLength(1);
    const options = h.created[0]!.options as BrowserWindowConstructorOptions;
    expect(options.webPreferences).toMatchObject(SECURE);
    expect(options.webPreferences!.preload).toMatch(/preload\.cjs$/);
    expect(h.created[0]!.urls).toEqual(['app://dure/index.html']);
  });

  it('gives a window opened later (macOS activate) the same options, and a caller cannot loosen them', async () => {
    h.appListeners.get('activate')!();
    await shell.windows.open('app://dure/', { webPreferences: { sandbox: false } } as never);
    expect(h.created.length).toBeGreaterThanOrEqual(3);
    for (const w of h.created)
      expect((w.options as BrowserWindowConstructorOptions).webPreferences).toMatchObject(SECURE);
  });

  it('knows its own windows (IPC answers only those)', () => {
    expect(shell.windows.owns({ id: 1 })).toBe(true);
    expect(shell.windows.owns({ id: 999 })).toBe(false);
  });

  it('wires the scheme, the guards and the shell’s IPC channels', () => {
    expect(h.schemes).toMatchObject([{ scheme: 'app', privileges: { standard: true, secure: true } }]);
    expect([...h.protocolHandlers.keys()]).toEqual(['app']);
    expect(h.permissionHandlers).toEqual(['request', 'check', 'device']);
    expect(h.appListeners.has('web-contents-created')).toBe(true);
    expect([...h.handlers.keys()]).toEqual(expect.arrayContaining(['dure:open-external', 'dure:set-relays']));
  });

  it('guards every webContents that gets created, not only our windows', () => {
    const on = vi.fn();
    const setWindowOpenHandler = vi.fn();
    h.appListeners.get('web-contents-created')!({}, { on, setWindowOpenHandler });
    expect(on.mock.calls.map((c) => c[0]).sort()).toEqual([
      'will-attach-webview',
      'will-frame-navigate',
      'will-navigate',
      'will-redirect',
    ]);
    expect(setWindowOpenHandler).toHaveBeenCalledOnce();
  });

  it('serves the first page with the relays kept from the last run, and keeps a new list', async () => {
    const serve = h.protocolHandlers.get('app') as (r: { url: string; method: string }) => Promise<Response>;
    const csp = (await serve({ url: 'app://dure/index.html', method: 'GET' })).headers.get('content-security-policy');
    expect(csp).toContain("connect-src 'self' https://saved.example wss://saved.example;");

    const setRelays = h.handlers.get('dure:set-relays') as (e: unknown, ...a: unknown[]) => unknown;
    const mainFrame = { url: 'app://dure/index.html', parent: null, processId: 1, routingId: 1 };
    const from1 = { senderFrame: mainFrame, sender: { id: 1, mainFrame } };
    // the same relays the page loaded with: nothing to reload
    expect(setRelays(from1, ['wss://saved.example'])).toMatchObject({ reloadNeeded: false });
    // a new relay: the page's CSP lacks it until it reloads
    expect(setRelays(from1, ['wss://saved.example', 'wss://new.example'])).toMatchObject({
      allowed: ['https://new.example', 'https://saved.example', 'wss://new.example', 'wss://saved.example'],
      refused: [],
      reloadNeeded: true,
    });
    await vi.waitFor(async () =>
      expect(JSON.parse(await readFile(path.join(h.userData, 'relays.json'), 'utf8'))).toContain('wss://new.example'),
    );
    h.contentsListeners.get('1:did-start-navigation')!({ isMainFrame: true, isSameDocument: false });
    expect(setRelays(from1, ['wss://saved.example', 'wss://new.example'])).toMatchObject({ reloadNeeded: false });
    expect((await serve({ url: 'app://dure/', method: 'GET' })).headers.get('content-security-policy')).toContain(
      'wss://new.example',
    );
  });

  it('refuses set-relays from a page that is not ours or not the app', () => {
    const setRelays = h.handlers.get('dure:set-relays') as (e: unknown, ...a: unknown[]) => unknown;
    const evil = { url: 'https://evil.example/', parent: null, processId: 1, routingId: 1 };
    expect(() => setRelays({ senderFrame: evil, sender: { id: 1, mainFrame: evil } }, ['wss://x.example'])).toThrow(
      /not app:\/\/dure/,
    );
    const ok = { url: 'app://dure/index.html', parent: null, processId: 1, routingId: 1 };
    expect(() => setRelays({ senderFrame: ok, sender: { id: 4242, mainFrame: ok } }, ['wss://x.example'])).toThrow(
      /not a window of ours/,
    );
  });
});
