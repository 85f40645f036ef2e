/**
 * The app's windows: one set of webPreferences for every window, and the list of webContents we
 * created (ipc.ts answers only those).
 */
import type { BrowserWindowConstructorOptions } from '../electron-api';

/** What every window runs with. Applied last, so no caller can loosen it. */
export function secureWebPreferences(preload: string): NonNullable<BrowserWindowConstructorOptions['webPreferences']> {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    // Chromium's spellchecker is on: Korean documents get Hunspell's checks on Linux/Windows and
    // the system's on macOS; it sends nothing over the network.
    spellcheck: true,
  };
}

export function windowOptions(
  preload: string,
  extra: Omit<BrowserWindowConstructorOptions, 'webPreferences'> = {},
): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 800,
    minWidth: 480,
    minHeight: 360,
    show: false,
    backgroundColor: '#ffffff',
    ...extra,
    webPreferences: secureWebPreferences(preload),
  };
}

/** The window surface we use; Electron's BrowserWindow satisfies it. */
export interface AppWindow {
  readonly webContents: {
    readonly id: number;
    on(
      event: 'did-start-navigation',
      listener: (event: { readonly isMainFrame?: boolean; readonly isSameDocument?: boolean }) => void,
    ): unknown;
  };
  once(event: 'ready-to-show', listener: () => void): unknown;
  on(event: 'closed', listener: () => void): unknown;
  show(): void;
  loadURL(url: string): Promise<void>;
}

export type WindowFactory = new (options: BrowserWindowConstructorOptions) => AppWindow;

/** Told when a window's main frame starts loading a new document, and when the window is gone. */
export interface WindowHooks {
  readonly documentLoading?: (contentsId: number) => void;
  readonly closed?: (contentsId: number) => void;
}

/** Creates windows and remembers their webContents ids until they close. */
export class Windows {
  readonly #ids = new Set<number>();

  constructor(
    private readonly Factory: WindowFactory,
    private readonly preload: string,
    private readonly hooks: WindowHooks = {},
  ) {}

  async open(url: string, extra: Omit<BrowserWindowConstructorOptions, 'webPreferences'> = {}): Promise<AppWindow> {
    const win = new this.Factory(windowOptions(this.preload, extra));
    const id = win.webContents.id;
    this.#ids.add(id);
    win.on('closed', () => {
      this.#ids.delete(id);
      this.hooks.closed?.(id);
    });
    win.webContents.on('did-start-navigation', (event) => {
      if (event.isMainFrame !== false && event.isSameDocument !== true) this.hooks.documentLoading?.(id);
    });
    win.once('ready-to-show', () => win.show());
    this.hooks.documentLoading?.(id);
    await win.loadURL(url);
    return win;
  }

  owns(contents: { readonly id: number }): boolean {
    return this.#ids.has(contents.id);
  }
}
