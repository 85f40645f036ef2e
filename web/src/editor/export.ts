/**
 * Export of the open document as a file made on this device (nothing is uploaded). The converters
 * are loaded on first use, so the editor's startup bundle does not carry them.
 */
import type * as Y from 'yjs';
import { err, ok, type Result } from '@dure/shared';
import type { DocxPicture } from '@dure/shared/convert/docx';

export type ExportFormat = 'markdown' | 'html' | 'json';
/** Every format the export menu offers; DOCX is bytes, the others text. */
export type DownloadFormat = ExportFormat | 'docx';

export interface ExportFile {
  readonly name: string;
  readonly mime: string;
  readonly text: string;
}

export interface ExportBytes {
  readonly name: string;
  readonly mime: string;
  readonly bytes: Uint8Array;
}

const EXTENSION: Record<DownloadFormat, string> = { markdown: 'md', html: 'html', json: 'json', docx: 'docx' };
const DOCX_MIME = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const MIME: Record<ExportFormat, string> = {
  markdown: 'text/markdown;charset=utf-8',
  html: 'text/html;charset=utf-8',
  json: 'application/json;charset=utf-8',
};

/** Longest file name stem, in UTF-16 units: file systems cap names at about 255 bytes, Hangul is 3 bytes in UTF-8. */
const MAX_STEM = 80;

// eslint-disable-next-line no-control-regex -- controls are not allowed in file names
const NOT_IN_FILE_NAMES = /[\u0000-\u001f\u007f<>:"/\\|?*]+/g;

/**
 * A file name from the title: characters no file system accepts (and controls) become `_`, Hangul and
 * other letters stay; a name that is empty or only dots falls back to `fallback`.
 */
export function fileNameFor(title: string, format: DownloadFormat, fallback = 'document'): string {
  let stem = title.normalize('NFC').replace(NOT_IN_FILE_NAMES, '_').trim();
  stem = stem.replace(/^[.\s]+|[.\s]+$/g, '');
  if (stem.length > MAX_STEM) {
    stem = stem.slice(0, MAX_STEM);
    if (/[\ud800-\udbff]$/.test(stem)) stem = stem.slice(0, -1);
  }
  if (stem === '' || /^(con|prn|aux|nul|com\d|lpt\d)$/i.test(stem)) stem = fallback;
  return `${stem}.${EXTENSION[format]}`;
}

/** The document held by `ydoc` as a file of `format`; `unreadable` when its structure cannot be read. */
export async function exportDocument(
  ydoc: Y.Doc,
  format: ExportFormat,
  fallbackName?: string,
): Promise<Result<ExportFile, 'unreadable'>> {
  const c = await import('@dure/shared/convert/index');
  const r = c.docFromYDoc(ydoc);
  if (!r.ok) return err('unreadable');
  const { doc, title } = r.value;
  let text: string;
  if (format === 'markdown') text = c.exportMarkdownFile(doc, title);
  else if (format === 'html') text = c.htmlDocument(title || fallbackName || '', c.docToHtml(doc));
  else text = JSON.stringify({ title, doc: doc.toJSON() }, null, 2) + '\n';
  return ok({ name: fileNameFor(title, format, fallbackName), mime: MIME[format], text });
}

/** An object URL of a blob's decrypted bytes (the editor's image resolver), or undefined. */
export type BlobUrlOf = (blobId: string) => Promise<string | undefined>;

/** A picture for the Word file: its bytes, type and pixel size, read through the editor's resolver. */
async function pictureVia(blobUrlOf: BlobUrlOf, blobId: string): Promise<DocxPicture | null> {
  try {
    const url = await blobUrlOf(blobId);
    if (!url) return null;
    const blob = await (await fetch(url)).blob();
    const bitmap = await createImageBitmap(blob);
    const size = { width: bitmap.width, height: bitmap.height };
    bitmap.close();
    return { bytes: new Uint8Array(await blob.arrayBuffer()), mime: blob.type, ...size };
  } catch {
    // a picture that cannot be read is written as its alt text, not a failed export
    return null;
  }
}

/**
 * The document as a Word file, made on this device by shared/src/convert/docx (loaded on first use,
 * with the `docx` library: about 77 KB gzip the editor's startup does not carry). With `blobUrlOf`,
 * its pictures are embedded; without, each is its alt text.
 */
export async function exportDocx(
  ydoc: Y.Doc,
  fallbackName?: string,
  blobUrlOf?: BlobUrlOf,
): Promise<Result<ExportBytes, 'unreadable'>> {
  const [c, d] = await Promise.all([import('@dure/shared/convert/index'), import('@dure/shared/convert/docx')]);
  const r = c.docFromYDoc(ydoc);
  if (!r.ok) return err('unreadable');
  const image = blobUrlOf ? (blobId: string) => pictureVia(blobUrlOf, blobId) : undefined;
  const bytes = await d.docToDocx(r.value.doc, r.value.title || fallbackName || '', { image });
  return ok({ name: fileNameFor(r.value.title, 'docx', fallbackName), mime: DOCX_MIME, bytes });
}

/** Any format of the export menu, as text or bytes. */
export function exportAs(
  ydoc: Y.Doc,
  format: DownloadFormat,
  fallbackName?: string,
  blobUrlOf?: BlobUrlOf,
): Promise<Result<ExportFile | ExportBytes, 'unreadable'>> {
  return format === 'docx' ? exportDocx(ydoc, fallbackName, blobUrlOf) : exportDocument(ydoc, format, fallbackName);
}

/** Saves `file` through the browser's download (a Blob URL and `<a download>`). */
export function downloadFile(file: ExportFile | ExportBytes): void {
  const body = 'bytes' in file ? (file.bytes as Uint8Array<ArrayBuffer>) : file.text;
  const url = URL.createObjectURL(new Blob([body], { type: file.mime }));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  // the download has taken its copy once click() returns; a later revoke only frees memory
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
