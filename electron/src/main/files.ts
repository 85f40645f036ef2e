/**
 * Opening and saving document files (Markdown, HTML, DOCX, JSON) in the desktop app. The renderer
 * never names a path: main asks the user through a native dialog, and hands the renderer only the
 * bytes and the file's bare name (open) or takes bytes and a suggested bare name (save). So a hostile
 * document that reaches the renderer can read or write only a file the user picked in a dialog.
 *
 * Conversion happens in the renderer (shared/src/convert), not here: main only moves checked bytes.
 * Reading checks the extension, that the path is a regular file, and its size, before and while
 * reading (a file that grows after the check is cut off and refused). Writing goes to a temporary
 * file in the target folder, is flushed, and is renamed over the target, so a crash leaves either
 * the old file or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { open as openFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  CHANNELS,
  FILE_NAME_MAX,
  MAX_OPEN_FILE_BYTES,
  OPEN_EXTENSIONS,
  OPEN_REFUSED,
  SAVE_EXTENSIONS,
  type OpenedFile,
  type OpenRefusal,
  type SaveResult,
} from '../shared-api';
import { IpcRefused, v, type Ipc, type InvokeEvent, type Validator } from './ipc';

export type OpenResult =
  | ({ readonly status: 'opened' } & OpenedFile)
  | { readonly status: 'cancelled' }
  | { readonly status: 'refused'; readonly reason: OpenRefusal; readonly name: string };

/** The parts of Electron's `dialog` used here (structural, so tests pass their own). */
export interface DialogLike {
  showOpenDialog(
    window: unknown,
    options: {
      properties: ('openFile' | 'dontAddToRecent')[];
      filters: { name: string; extensions: string[] }[];
    },
  ): Promise<{ canceled: boolean; filePaths: string[] }>;
  showSaveDialog(
    window: unknown,
    options: {
      defaultPath: string;
      filters: { name: string; extensions: string[] }[];
      properties: ('createDirectory' | 'showOverwriteConfirmation' | 'dontAddToRecent')[];
    },
  ): Promise<{ canceled: boolean; filePath?: string }>;
}

export interface FilesDeps {
  readonly dialog: DialogLike;
  /** The folder a save dialog starts in (app.getPath('documents')). */
  readonly defaultDir: () => string;
  /** The window that asked, so the dialog is modal to it (BrowserWindow.fromWebContents). */
  readonly windowOf?: (event: InvokeEvent) => unknown;
}

type Filter = { readonly name: string; readonly extensions: readonly string[] };
const FILTERS: readonly Filter[] = [
  { name: 'Markdown', extensions: ['md', 'markdown'] },
  { name: 'HTML', extensions: ['html', 'htm'] },
  { name: 'Word', extensions: ['docx'] },
  { name: 'JSON', extensions: ['json'] },
];

const extensionOf = (file: string): string => path.extname(file).slice(1).toLowerCase();

/** The save dialog's filter for a name's extension, or undefined for an extension we do not write. */
export function filterFor(name: string): Filter | undefined {
  const ext = extensionOf(name);
  if (!(SAVE_EXTENSIONS as readonly string[]).includes(ext)) return undefined;
  return FILTERS.find((f) => f.extensions.includes(ext));
}

/**
 * The bare name to suggest in the save dialog: the last path segment only (whatever the renderer
 * sent; ipc.ts has already refused separators, this is the second line). A name that is nothing but
 * dots becomes `document` with the same extension.
 */
export function suggestedName(name: string): string {
  const base = path.basename(name.replace(/\\/g, '/'));
  const ext = /\.[^.]+$/.exec(base)?.[0] ?? '';
  const stem = base.slice(0, base.length - ext.length);
  return stem === '' || /^\.+$/.test(stem) ? `document${ext}` : base;
}

/** Reads at most `limit` bytes of a regular file; refuses more, and what is not a regular file. */
async function readBounded(
  file: string,
  limit: number,
): Promise<{ ok: true; bytes: Uint8Array } | { ok: false; reason: 'too-large' | 'not-a-file' | 'unreadable' }> {
  let handle;
  try {
    handle = await openFile(file, 'r');
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  try {
    const stat = await handle.stat();
    if (!stat.isFile()) return { ok: false, reason: 'not-a-file' };
    if (stat.size > limit) return { ok: false, reason: 'too-large' };
    // one byte more than allowed: a file that grew since stat() is noticed, not silently cut
    const buffer = new Uint8Array(limit + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    if (length > limit) return { ok: false, reason: 'too-large' };
    return { ok: true, bytes: buffer.slice(0, length) };
  } catch {
    return { ok: false, reason: 'unreadable' };
  } finally {
    await handle.close();
  }
}

/** Shows the open dialog and reads the chosen file. */
export async function openDocumentFile(deps: FilesDeps, window?: unknown): Promise<OpenResult> {
  const picked = await deps.dialog.showOpenDialog(window, {
    properties: ['openFile'],
    filters: [{ name: 'Documents', extensions: [...OPEN_EXTENSIONS] }],
  });
  const file = picked.filePaths[0];
  if (picked.canceled || file === undefined) return { status: 'cancelled' };
  const name = path.basename(file);
  // the dialog's filter is a suggestion (a user can type any name), so the extension is checked here
  if (!(OPEN_EXTENSIONS as readonly string[]).includes(extensionOf(file))) {
    return { status: 'refused', reason: 'extension', name };
  }
  const r = await readBounded(file, MAX_OPEN_FILE_BYTES);
  if (!r.ok) return { status: 'refused', reason: r.reason, name };
  return { status: 'opened', name, bytes: r.bytes };
}

/** Writes `bytes` to `target` through a temporary file in the same folder and a rename. */
export async function writeAtomically(target: string, bytes: Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${randomBytes(6).toString('hex')}.tmp`);
  // 'wx': never follow or reuse something already at the temporary name
  const handle = await openFile(temp, 'wx', 0o644);
  try {
    await handle.writeFile(bytes);
    await handle.sync();
  } catch (e) {
    await handle.close();
    await rm(temp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await rename(temp, target);
  } catch (e) {
    await rm(temp, { force: true });
    throw e;
  }
}

/**
 * Shows the save dialog with a suggested name and writes the bytes where the user chose. The name's
 * extension says the format; a name without one of SAVE_EXTENSIONS is misuse and throws.
 */
export async function saveDocumentFile(
  deps: FilesDeps,
  name: string,
  bytes: Uint8Array,
  window?: unknown,
): Promise<{ readonly result: SaveResult; readonly name?: string }> {
  const suggested = suggestedName(name);
  const filter = filterFor(suggested);
  if (!filter) throw new Error(`files: ${suggested} has no extension we write`);
  const picked = await deps.dialog.showSaveDialog(window, {
    defaultPath: path.join(deps.defaultDir(), suggested),
    filters: [{ name: filter.name, extensions: [...filter.extensions] }],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  if (picked.canceled || !picked.filePath) return { result: 'cancelled' };
  // a name typed without the extension still gets the format's, so the file opens as what it is
  const target = filter.extensions.includes(extensionOf(picked.filePath))
    ? picked.filePath
    : `${picked.filePath}.${filter.extensions[0]}`;
  try {
    await writeAtomically(target, bytes);
  } catch {
    return { result: 'failed', name: path.basename(target) };
  }
  return { result: 'saved', name: path.basename(target) };
}

/** A bare file name with one of SAVE_EXTENSIONS (ipc.ts `v.fileName` refuses paths and reserved names). */
const saveName: Validator<string> = (value, at) => {
  const name = v.fileName(FILE_NAME_MAX)(value, at);
  if (!filterFor(name)) throw new IpcRefused(`${at}: not a .md, .html, .docx or .json name`);
  return name;
};

/** Registers the open and save channels (see shared-api.ts CHANNELS.openFile / saveFile). */
export function registerFileHandlers(ipc: Ipc, deps: FilesDeps): void {
  ipc.handle(CHANNELS.openFile, v.args(), async (_args, event): Promise<OpenedFile | null> => {
    const r = await openDocumentFile(deps, deps.windowOf?.(event));
    if (r.status === 'cancelled') return null;
    // the contract answers a file or null; a refusal travels as a rejection the renderer can read
    // back with openRefusalOf (shared-api.ts)
    if (r.status === 'refused') throw new Error(`${OPEN_REFUSED}${r.reason}`);
    return { name: r.name, bytes: r.bytes };
  });
  ipc.handle(
    CHANNELS.saveFile,
    v.args(v.object({ name: saveName, bytes: v.bytes() })),
    async ([file], event) => (await saveDocumentFile(deps, file.name, file.bytes, deps.windowOf?.(event))).result,
  );
}
