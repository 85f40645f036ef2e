/**
 * The renderer's view of `window.dure`, the API the desktop shell's preload exposes. The contract itself is
 * electron/src/shared-api.ts (the web workspace cannot import across packages, so the shapes the renderer
 * uses are restated here). Everything past `version`, `platform` and `setRelays` is optional: each feature
 * turns on only when the shell offers its method, so a shell without (say) the meeting relay still runs the
 * rest, and plain web, where `window.dure` is absent, shows none of it.
 */

/** Must equal DURE_API_VERSION in electron/src/shared-api.ts. */
export const DESKTOP_API_VERSION = 1;

/** What the native menu sends to the renderer. */
export type MenuCommand =
  | 'new-document'
  | 'open'
  | 'import'
  | 'export-markdown'
  | 'export-html'
  | 'export-docx'
  | 'close-document'
  | 'host-meeting';

export const MENU_COMMANDS: readonly MenuCommand[] = [
  'new-document',
  'open',
  'import',
  'export-markdown',
  'export-html',
  'export-docx',
  'close-document',
  'host-meeting',
];

/** A file the user picked in the native open dialog: its name (no path) and its bytes. */
export interface OpenedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type SaveResult = 'saved' | 'cancelled' | 'failed';

/** The device key-encryption key kept by main under safeStorage, and which backend protects it. */
export interface DeviceKeyAnswer {
  /** 32 random bytes, made once by main and stored encrypted with safeStorage */
  readonly key: Uint8Array;
  /** safeStorage.getSelectedStorageBackend() on Linux ('basic_text' = plain text), else the platform name */
  readonly backend: string;
}

export interface MeetingInfo {
  /** the addresses participants open (http://<lan-ip>:<port>/), as the LAN mode prints them */
  readonly urls: readonly string[];
}

export type MeetingState =
  | { readonly state: 'stopped' }
  | { readonly state: 'running'; readonly urls: readonly string[] }
  | { readonly state: 'failed'; readonly reason: string };

export interface DesktopApi {
  readonly version: number;
  readonly platform: string;
  setRelays(relays: readonly string[]): Promise<unknown>;
  openExternal?(url: string): Promise<unknown>;
  /** menu commands; returns an unsubscribe function */
  onMenuCommand?(cb: (command: string) => void): () => void;
  /** a dure:// link (or a second instance's link) to open: the capability fragment without '#' */
  onOpenLink?(cb: (fragment: string) => void): () => void;
  /** the native open dialog; null when cancelled */
  openFile?(): Promise<OpenedFile | null>;
  /** the native save dialog with a suggested name */
  saveFile?(file: { readonly name: string; readonly bytes: Uint8Array }): Promise<SaveResult>;
  getDeviceKey?(): Promise<DeviceKeyAnswer>;
  startMeeting?(): Promise<MeetingState>;
  stopMeeting?(): Promise<MeetingState>;
}

const isFunction = (x: unknown): boolean => typeof x === 'function';

/**
 * The shell's API when this page runs in the desktop app with a preload of the version this build knows,
 * else undefined (plain web, or a shell and web build that disagree: then the app runs as on the web).
 */
export function desktopApi(w: { dure?: unknown } = window as { dure?: unknown }): DesktopApi | undefined {
  const d = w.dure as Partial<DesktopApi> | undefined;
  if (typeof d !== 'object' || d === null) return undefined;
  if (d.version !== DESKTOP_API_VERSION || !isFunction(d.setRelays)) return undefined;
  return d as DesktopApi;
}

export const isMenuCommand = (s: unknown): s is MenuCommand => MENU_COMMANDS.includes(s as MenuCommand);
