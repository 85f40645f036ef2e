/**
 * The open document as the bytes of a file, for the native save dialog: Markdown and HTML through the
 * web app's export (the same text a browser download gets), DOCX through the shared converter. The
 * converters load on first use.
 */
import type * as Y from 'yjs';
import { err, ok, type Result } from '@dure/shared';
import { exportDocument, fileNameFor } from '../editor/export';

export type DesktopExportFormat = 'markdown' | 'html' | 'docx';

export interface FileBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export async function exportBytes(
  ydoc: Y.Doc,
  format: DesktopExportFormat,
  fallbackName: string,
): Promise<Result<FileBytes, 'unreadable'>> {
  if (format !== 'docx') {
    const r = await exportDocument(ydoc, format, fallbackName);
    return r.ok ? ok({ name: r.value.name, bytes: new TextEncoder().encode(r.value.text) }) : r;
  }
  const [c, d] = await Promise.all([import('@dure/shared/convert/index'), import('@dure/shared/convert/docx')]);
  const r = c.docFromYDoc(ydoc);
  if (!r.ok) return err('unreadable');
  const bytes = await d.docToDocx(r.value.doc, r.value.title);
  // the file name rules are the web export's; only the extension differs
  const name = fileNameFor(r.value.title, 'html', fallbackName).replace(/\.html$/, '.docx');
  return ok({ name, bytes });
}
