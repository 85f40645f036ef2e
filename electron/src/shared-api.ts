/**
 * The contract between the preload and the renderer: what `window.dure` offers, and the IPC channel
 * names behind it. Pure types and constants, no imports: the preload bundle, the main process and the
 * web app can all read it.
 *
 * Versioned: a renderer checks `window.dure.version === DURE_API_VERSION` before it relies on a method,
 * so a web build older or newer than the shell fails plainly instead of calling what is not there.
 * Add a channel: a name in CHANNELS, a method in DureApi, a line in the preload, a handler in main
 * registered through ipc.ts `handle` (which validates sender and arguments).
 */
export const DURE_API_VERSION = 1;

/** Every channel the renderer may invoke. ipc.ts refuses to register any other name. */
export const CHANNELS = {
  /** The relays the user chose (ws:/wss: origins); main rebuilds the CSP's connect-src from them. */
  setRelays: 'dure:set-relays',
  /** Open an https link in the system browser, after the user confirms. */
  openExternal: 'dure:open-external',
  /** Ask the user for a document file (native open dialog) and return its bytes and bare name. */
  openFile: 'dure:open-file',
  /** Ask the user where to save (native save dialog, suggested name) and write the bytes there atomically. */
  saveFile: 'dure:save-file',
  /** (E3) The device key-encryption key that safeStorage protects; asked for only while the app lock is off. */
  deviceKek: 'dure:device-kek',
  /** (E3) Delete the stored device KEK: only after turning the app lock on re-wrapped every key record. */
  forgetDeviceKek: 'dure:forget-device-kek',
  /** (E3) The renderer listens for links now: main delivers queued and later dure:// links (EVENTS.openLink). */
  linksReady: 'dure:links-ready',
  /** (E3) Host a meeting: the sync server on the LAN, documents in memory, in a utility process. */
  meetingStart: 'dure:meeting-start',
  meetingStop: 'dure:meeting-stop',
  meetingStatus: 'dure:meeting-status',
} as const;

/** (E3) Messages main sends to the renderer (ipcRenderer.on in the preload; the renderer gets callbacks). */
export const EVENTS = {
  /** a menu click: MenuCommand */
  menu: 'dure:menu',
  /** a dure:// link to open: the capability fragment (`1e.…` / `1r.…`) for the "open link" path */
  openLink: 'dure:open-link',
  /** MeetingStatus, whenever it changes */
  meetingStatus: 'dure:meeting-changed',
} as const;

/** (E3) What the application menu asks the renderer to do. */
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

/**
 * (E3) The device KEK: 32 bytes for the keyring's raw device key. plainText: Linux safeStorage fell back
 * to 'basic_text' (no keychain), so the key file is as readable as plain text: show a warning.
 */
export type DeviceKekAnswer =
  | { readonly ok: true; readonly kek: Uint8Array; readonly plainText: boolean }
  | { readonly ok: false; readonly error: 'unavailable' | 'unreadable' };

/** (E3) 'crashed': the meeting process ended while running (its documents, in memory only, are gone). */
export type MeetingFailure = 'port-in-use' | 'start-failed' | 'crashed';
export type MeetingStatus =
  | { readonly state: 'stopped' }
  | { readonly state: 'starting' }
  | { readonly state: 'running'; readonly port: number; readonly urls: readonly string[] }
  | { readonly state: 'failed'; readonly reason: MeetingFailure };

export type Channel = (typeof CHANNELS)[keyof typeof CHANNELS];

/** At most this many relays reach the CSP; each origin at most RELAY_ORIGIN_MAX characters. */
export const RELAYS_MAX = 32;
export const RELAY_ORIGIN_MAX = 512;
export const URL_MAX = 4096;

/** Why setRelays refused an entry (the others are applied). */
export type RelayRefusal = { readonly relay: string; readonly reason: 'not-a-url' | 'scheme' | 'credentials' };

export interface SetRelaysResult {
  /** The origins now allowed in connect-src (normalised, deduplicated). */
  readonly allowed: readonly string[];
  readonly refused: readonly RelayRefusal[];
  /**
   * A page's CSP is fixed when it loads: true when an origin was added that the page asking did not
   * load with, so it must reload before it can connect there. Main keeps the list on disk, so a
   * fresh start already has it and needs no reload.
   */
  readonly reloadNeeded: boolean;
}

export type OpenExternalResult = 'opened' | 'declined' | 'refused';

/** Extensions the open dialog offers and main accepts (checked again after the dialog). */
export const OPEN_EXTENSIONS = ['md', 'markdown', 'html', 'htm', 'docx'] as const;
/** Extensions a saved file may have; main picks the save dialog's filter from the suggested name's. */
export const SAVE_EXTENSIONS = ['md', 'markdown', 'html', 'htm', 'docx', 'json'] as const;
/** Larger files are refused before they are read (a .docx with pictures is the largest kind). */
export const MAX_OPEN_FILE_BYTES = 20 * 1024 * 1024;
export const FILE_NAME_MAX = 255;

/** A file the user picked in the open dialog: its bare name (never a path) and its bytes. */
export interface OpenedFile {
  readonly name: string;
  readonly bytes: Uint8Array;
}

/**
 * Why main would not read the picked file. openFile rejects with an Error whose message contains
 * `dure-file-refused:<reason>`; openRefusalOf reads the reason back (null for any other error).
 */
export type OpenRefusal = 'extension' | 'too-large' | 'not-a-file' | 'unreadable';
export const OPEN_REFUSED = 'dure-file-refused:';
export function openRefusalOf(error: unknown): OpenRefusal | null {
  const m = /dure-file-refused:(extension|too-large|not-a-file|unreadable)/.exec(
    error instanceof Error ? error.message : String(error),
  );
  return m ? (m[1] as OpenRefusal) : null;
}

export type SaveResult = 'saved' | 'cancelled' | 'failed';

export interface DureApi {
  readonly version: typeof DURE_API_VERSION;
  /** process.platform of the shell ('darwin', 'win32', 'linux'). */
  readonly platform: string;
  setRelays(relays: readonly string[]): Promise<SetRelaysResult>;
  openExternal(url: string): Promise<OpenExternalResult>;
  /** Native open dialog: the chosen file, null when cancelled; rejects when main refuses it (openRefusalOf). */
  openFile(): Promise<OpenedFile | null>;
  /**
   * Native save dialog starting at `name` (a bare name with one of SAVE_EXTENSIONS, never a path) in
   * the user's documents folder; writes `bytes` where the user chose, atomically.
   */
  saveFile(file: { readonly name: string; readonly bytes: Uint8Array }): Promise<SaveResult>;
  /** (E3) See CHANNELS.deviceKek. */
  deviceKek(): Promise<DeviceKekAnswer>;
  forgetDeviceKek(): Promise<void>;
  /** (E3) Each returns an unsubscribe. onOpenLink also tells main the renderer is ready for links. */
  onMenuCommand(cb: (command: MenuCommand) => void): () => void;
  onOpenLink(cb: (fragment: string) => void): () => void;
  onMeetingStatus(cb: (status: MeetingStatus) => void): () => void;
  meetingStart(): Promise<MeetingStatus>;
  meetingStop(): Promise<MeetingStatus>;
  meetingStatus(): Promise<MeetingStatus>;
}
