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
} as const;

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
}

export type OpenExternalResult = 'opened' | 'declined' | 'refused';

/** Extensions the open dialog offers and main accepts (checked again after the dialog). */
export const OPEN_EXTENSIONS = ['md', 'markdown', 'html', 'htm', 'docx'] as const;
/** Larger files are refused before they are read (a .docx with pictures is the largest kind). */
export const MAX_OPEN_FILE_BYTES = 20 * 1024 * 1024;
export const FILE_NAME_MAX = 255;
export const SAVE_FORMATS = ['markdown', 'html', 'docx', 'json'] as const;
export type SaveFormat = (typeof SAVE_FORMATS)[number];

/** The renderer gets the bytes and the bare file name, never a path. */
export type OpenFileResult =
  | { readonly status: 'opened'; readonly name: string; readonly bytes: Uint8Array }
  | { readonly status: 'cancelled' }
  | {
      readonly status: 'refused';
      readonly reason: 'extension' | 'too-large' | 'not-a-file' | 'unreadable';
      readonly name: string;
    };

export type SaveFileResult =
  | { readonly status: 'saved'; readonly name: string }
  | { readonly status: 'cancelled' }
  | { readonly status: 'failed'; readonly name: string };

export interface DureApi {
  readonly version: typeof DURE_API_VERSION;
  /** process.platform of the shell ('darwin', 'win32', 'linux'). */
  readonly platform: string;
  setRelays(relays: readonly string[]): Promise<SetRelaysResult>;
  openExternal(url: string): Promise<OpenExternalResult>;
  /** Native open dialog; the chosen file's bytes and bare name. */
  openFile(): Promise<OpenFileResult>;
  /** Native save dialog starting at `suggestedName` (a bare name, no path); writes `bytes` there. */
  saveFile(suggestedName: string, format: SaveFormat, bytes: Uint8Array): Promise<SaveFileResult>;
}
