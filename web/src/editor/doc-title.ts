/**
 * The title lives in the encrypted Y.Doc (map 'meta', key 'title'), so it syncs and merges like the
 * text; the Library's meta record is only a copy for the list.
 */
import type * as Y from 'yjs';

export function getDocTitle(ydoc: Y.Doc): string {
  const v = ydoc.getMap('meta').get('title');
  return typeof v === 'string' ? v : '';
}

export function setDocTitle(ydoc: Y.Doc, title: string, origin?: unknown): void {
  ydoc.transact(() => {
    if (getDocTitle(ydoc) !== title) ydoc.getMap('meta').set('title', title);
  }, origin);
}
