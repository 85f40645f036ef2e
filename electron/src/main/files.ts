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
  SAVE_FORMATS,
  type OpenFileResult,
  type SaveFileResult,
  type SaveFormat,
} from '../shared-api';
import { v, type Ipc, type InvokeEvent } from './ipc';

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

const FORMAT_FILTER: Record<SaveFormat, { name: string; extensions: string[] }> = {
  markdown: { name: 'Markdown', extensions: ['md', 'markdown'] },
  html: { name: 'HTML', extensions: ['html', 'htm'] },
  docx: { name: 'Word', extensions: ['docx'] },
  json: { name: 'JSON', extensions: ['json'] },
};

const extensionOf = (file: string): string => path.extname(file).slice(1).toLowerCase();

/**
 * The bare name to suggest in the save dialog: the last path segment only, with the format's
 * extension (added when missing). A name that is nothing but dots becomes `document`.
 */
export function suggestedName(name: string, format: SaveFormat): string {
  let base = path.basename(name.replace(/\\/g, '/'));
  if (base === '' || /^\.+$/.test(base)) base = 'document';
  const allowed = FORMAT_FILTER[format].extensions;
  return allowed.includes(extensionOf(base)) ? base : `${base}.${allowed[0]}`;
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
export async function openDocumentFile(deps: FilesDeps, window?: unknown): Promise<OpenFileResult> {
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

/** Shows the save dialog with a suggested name and writes the bytes where the user chose. */
export async function saveDocumentFile(
  deps: FilesDeps,
  name: string,
  format: SaveFormat,
  bytes: Uint8Array,
  window?: unknown,
): Promise<SaveFileResult> {
  const suggested = suggestedName(name, format);
  const picked = await deps.dialog.showSaveDialog(window, {
    defaultPath: path.join(deps.defaultDir(), suggested),
    filters: [FORMAT_FILTER[format]],
    properties: ['createDirectory', 'showOverwriteConfirmation'],
  });
  if (picked.canceled || !picked.filePath) return { status: 'cancelled' };
  // the user may type a name without the extension; the file still gets the format's one
  const target = FORMAT_FILTER[format].extensions.includes(extensionOf(picked.filePath))
    ? picked.filePath
    : `${picked.filePath}.${FORMAT_FILTER[format].extensions[0]}`;
  try {
    await writeAtomically(target, bytes);
  } catch {
    return { status: 'failed', name: path.basename(target) };
  }
  return { status: 'saved', name: path.basename(target) };
}

/** Registers the open and save channels (see shared-api.ts CHANNELS.openFile / saveFile). */
export function registerFileHandlers(ipc: Ipc, deps: FilesDeps): void {
  ipc.handle(CHANNELS.openFile, v.args(), (_args, event) => openDocumentFile(deps, deps.windowOf?.(event)));
  ipc.handle(
    CHANNELS.saveFile,
    v.args(v.fileName(FILE_NAME_MAX), v.oneOf(...SAVE_FORMATS), v.bytes()),
    ([name, format, bytes], event) => saveDocumentFile(deps, name, format, bytes, deps.windowOf?.(event)),
  );
}
