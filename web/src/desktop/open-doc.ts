/**
 * Which document the editor page has open, for the native menu's "Export" (the menu lives outside the
 * page). The editor page registers its Y.Doc while it is on screen and removes it when it leaves.
 */
import type * as Y from 'yjs';

export interface OpenDocRef {
  readonly docId: string;
  readonly ydoc: Y.Doc;
}

let current: OpenDocRef | undefined;

/** Returns the function that unregisters (a no-op once another document took its place). */
export function setOpenDoc(ref: OpenDocRef): () => void {
  current = ref;
  return () => {
    if (current === ref) current = undefined;
  };
}

export const openDoc = (): OpenDocRef | undefined => current;
