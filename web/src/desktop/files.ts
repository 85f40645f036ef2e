/**
 * The open document as the bytes of a file, for the native save dialog: the web app's export (the same
 * Markdown, HTML or DOCX a browser download gets), with text encoded as UTF-8.
 */
import type * as Y from 'yjs';
import { ok, type Result } from '@dure/shared';
import { exportAs } from '../editor/export';

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
  const r = await exportAs(ydoc, format, fallbackName);
  if (!r.ok) return r;
  const f = r.value;
  return ok({ name: f.name, bytes: 'bytes' in f ? f.bytes : new TextEncoder().encode(f.text) });
}
