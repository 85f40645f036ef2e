/**
 * The renderer's view of `window.dure`, the API the desktop shell's preload exposes. The contract itself is
 * electron/src/shared-api.ts (the web workspace cannot import across packages, so the shapes the renderer
 * uses are restated here). Everything past `version`, `platform` and `setRelays` is optional: each feature
 * turns on only when the shell offers its method, so a shell without (say) the meeting relay still runs the
 * rest, and plain web, where `window.dure` is absent, shows none of it.
 */

/** Must equal DURE_API_VERSION in electron/src/shared-api.ts. */
export const DESKTOP_API_VERSION = 1;

/** What the native menu sends to the renderer (electron/src/main/menu.ts MENU_COMMANDS). */
export const MENU_COMMANDS = [
  'new',
  'open',
  'import',
  'save',
  'export-markdown',
  'export-html',
  'export-docx',
  'host-meeting',
  'close',
  'about',
] as const;

export type MenuCommand = (typeof MENU_COMMANDS)[number];

/** A file the user picked in the native open dialog: its name (no path) and its bytes. */
export interface OpenedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export type SaveResult = 'saved' | 'cancelled' | 'failed';

/**
 * The device key-encryption key kept by main under safeStorage (electron/src/main/key-store.ts DeviceKek):
 * 32 random bytes made once by main, and whether safeStorage only pretends to encrypt (Linux 'basic_text').
 */
export interface DeviceKek {
  readonly kek: Uint8Array;
  readonly plainText: boolean;
}

/** electron/src/shared-api.ts MeetingStatus */
export type MeetingState =
  | { readonly state: 'stopped' }
  | { readonly state: 'starting' }
  | { readonly state: 'running'; readonly port?: number; readonly urls: readonly string[] }
  | { readonly state: 'failed'; readonly reason: string };

export interface DesktopApi {
  readonly version: number;
  readonly platform: string;
  setRelays(relays: readonly string[]): Promise<unknown>;
  openExternal?(url: string): Promise<unknown>;
  /** the native open dialog; null when cancelled; rejects with `dure-file-refused:<reason>` */
  openFile?(): Promise<OpenedFile | null>;
  /** the native save dialog with a suggested name */
  saveFile?(file: { readonly name: string; readonly bytes: Uint8Array }): Promise<SaveResult>;
  /** the device KEK ({ ok: true, kek, plainText } or { ok: false, error }); asked for only while the lock is off */
  deviceKek?(): Promise<unknown>;
  /** deletes main's stored device KEK: once the app lock re-wrapped every key record, it wraps nothing */
  forgetDeviceKek?(): Promise<void>;
  /** menu commands; returns an unsubscribe function */
  onMenuCommand?(cb: (command: string) => void): () => void;
  /** a dure:// link (also one a second instance got) to open: the capability fragment without '#' */
  onOpenLink?(cb: (fragment: string) => void): () => void;
  onMeetingStatus?(cb: (status: MeetingState) => void): () => void;
  meetingStart?(): Promise<MeetingState>;
  meetingStop?(): Promise<MeetingState>;
  meetingStatus?(): Promise<MeetingState>;
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

export const isMenuCommand = (s: unknown): s is MenuCommand => (MENU_COMMANDS as readonly unknown[]).includes(s);

/**
 * The device KEK out of the shell's answer ({ ok: true, kek, plainText }; a bare { kek, plainText } is
 * taken too); a refusal or anything else throws: opening the documents cannot go on with another key,
 * and a new one would orphan every document key the old one wrapped.
 */
export function deviceKekOf(answer: unknown): DeviceKek {
  const a = answer as { ok?: unknown; error?: unknown } | null;
  if (a === null || typeof a !== 'object') throw new Error('the desktop shell answered without a device key');
  if (a.ok === false) throw new Error(`the desktop shell has no device key: ${String(a.error)}`);
  const v = a as Partial<DeviceKek>;
  if (!(v.kek instanceof Uint8Array) || v.kek.length !== DEVICE_KEK_BYTES) {
    throw new Error('the desktop shell answered without a 32-byte device key');
  }
  return { kek: v.kek, plainText: v.plainText === true };
}

export const DEVICE_KEK_BYTES = 32;
