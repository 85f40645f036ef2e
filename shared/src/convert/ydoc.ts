/**
 * Document ⇄ Y.Doc: the body is the XML fragment the editor binds (DOCUMENT_FRAGMENT), the title is
 * `meta.title` (as web/src/editor/doc-title.ts writes it).
 */
import type { JSONContent } from '@tiptap/core';
import type { Node as PMNode } from '@tiptap/pm/model';
import { prosemirrorToYXmlFragment, yXmlFragmentToProsemirrorJSON } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { DOCUMENT_FRAGMENT, META_MAP, stampSchemaVersion } from '../editor';
import { err, ok, type Result } from '../result';
import { normalizeDoc, type ConvertReport } from './normalize';
import { converterSchema } from './schema';

export const TITLE_KEY = 'title';
/** The web app's limit for a title (web/src/title.ts). */
export const MAX_TITLE_LENGTH = 200;

// eslint-disable-next-line no-control-regex -- a title is one line: controls and line separators go
const LINE_BREAKING = /[\u0000-\u001f\u007f\u2028\u2029]+/g;

/** One line, NFC, at most MAX_TITLE_LENGTH UTF-16 units (never splitting a surrogate pair). */
export function cleanTitle(raw: string): string {
  let t = raw.replace(LINE_BREAKING, ' ').normalize('NFC').trim();
  if (t.length > MAX_TITLE_LENGTH) {
    t = t.slice(0, MAX_TITLE_LENGTH);
    if (/[\ud800-\udbff]$/.test(t)) t = t.slice(0, -1);
  }
  return t;
}

export function readTitle(ydoc: Y.Doc): string {
  const v = ydoc.getMap(META_MAP).get(TITLE_KEY);
  return typeof v === 'string' ? v : '';
}

/** The text of the first heading, or '' when the document has none. */
export function firstHeadingText(doc: PMNode): string {
  let found = '';
  doc.descendants((node) => {
    if (found !== '') return false;
    if (node.type.name === 'heading') {
      found = cleanTitle(node.textContent);
      return false;
    }
    return true;
  });
  return found;
}

export type YDocReadError = 'unreadable';

/**
 * The document held by a Y.Doc, normalised to our schema. Reads only: unlike the y-prosemirror
 * binding, which deletes from the shared Y.Doc every node it cannot build, nothing here writes.
 */
export function docFromYDoc(ydoc: Y.Doc): Result<{ doc: PMNode; title: string; report: ConvertReport }, YDocReadError> {
  let json: JSONContent[];
  try {
    json = yXmlFragmentToProsemirrorJSON(ydoc.getXmlFragment(DOCUMENT_FRAGMENT)).content ?? [];
  } catch (e) {
    // a hostile document nested deep enough to exhaust the stack
    return err('unreadable', e instanceof Error ? e.message.slice(0, 200) : undefined);
  }
  const { doc, report } = normalizeDoc({ type: 'doc', content: json }, converterSchema().schema);
  return ok({ doc, title: readTitle(ydoc), report });
}

/**
 * Makes the Y.Doc hold `doc` (replacing its body) and `title`, in one transaction, and stamps the
 * schema version as the editor would on a first edit. `doc` must be a node of converterSchema()
 * (from markdownToDoc, htmlToDoc or normalizeDoc).
 */
export function writeDocToYDoc(ydoc: Y.Doc, doc: PMNode, title: string, origin?: unknown): void {
  if (doc.type.schema !== converterSchema().schema) throw new TypeError('doc is not a node of converterSchema()');
  ydoc.transact(() => {
    prosemirrorToYXmlFragment(doc, ydoc.getXmlFragment(DOCUMENT_FRAGMENT));
    ydoc.getMap(META_MAP).set(TITLE_KEY, cleanTitle(title));
    stampSchemaVersion(ydoc);
  }, origin);
}
