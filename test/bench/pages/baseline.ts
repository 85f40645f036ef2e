/**
 * The stock stack a user would pick instead: bare TipTap 3 (StarterKit without its own undo, plus
 * Collaboration) on y-indexeddb 9, with nothing of Dure's.
 */
import { Editor } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import StarterKit from '@tiptap/starter-kit';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import {
  applyRemoteUpdates,
  checkEditor,
  clearIndexedDB,
  fetchBytes,
  storedBytes,
  timeOpen,
  typeKeystrokes,
  type BenchPage,
} from './common';

const DB = 'bench-doc';
let session: { ydoc: Y.Doc; persistence: IndexeddbPersistence; editor: Editor } | undefined;

const page: BenchPage = {
  async setup(fixture) {
    await clearIndexedDB();
    const ydoc = new Y.Doc();
    Y.applyUpdate(ydoc, await fetchBytes(`/fixtures/${fixture}.v1.bin`));
    const persistence = new IndexeddbPersistence(DB, ydoc);
    await persistence.whenSynced;
    // destroy() closes the database once its write transaction has committed
    await persistence.destroy();
    ydoc.destroy();
    return storedBytes();
  },

  async open() {
    const element = document.getElementById('editor')!;
    const { result } = await timeOpen(async (phase) => {
      const ydoc = new Y.Doc();
      const persistence = new IndexeddbPersistence(DB, ydoc);
      await persistence.whenSynced;
      phase('storage: open, read, apply');
      const editor = new Editor({
        element,
        extensions: [
          StarterKit.configure({ undoRedo: false }),
          Collaboration.configure({ document: ydoc, field: 'default' }),
        ],
      });
      session = { ydoc, persistence, editor };
      return editor;
    });
    return result;
  },

  check() {
    if (!session) throw new Error('not open');
    return checkEditor(session.editor);
  },

  keystrokes(n) {
    if (!session) throw new Error('not open');
    return typeKeystrokes(session.editor, session.ydoc, n);
  },

  remote(n, burst) {
    if (!session) throw new Error('not open');
    return applyRemoteUpdates(session.editor, session.ydoc, n, burst);
  },

  async close() {
    if (!session) return;
    const { ydoc, persistence, editor } = session;
    session = undefined;
    editor.destroy();
    await persistence.destroy();
    ydoc.destroy();
  },

  v2Length() {
    if (!session) throw new Error('not open');
    return Y.encodeStateAsUpdateV2(session.ydoc).length;
  },
};

window.bench = page;
