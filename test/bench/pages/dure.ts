/**
 * Dure's real stack: IdbStorage, Keyring, Library and LocalDoc composed by the web app's LocalCore
 * (encrypted records, compacted snapshots), and the editor from createEditorExtensions.
 */
import { alwaysLeader, Keyring, Library, LocalDoc } from '@dure/shared';
import { createEditorExtensions } from '@dure/shared/editor/index';
import { Editor } from '@tiptap/core';
import * as Y from 'yjs';
import { LocalCore } from '../../../web/src/core/local-core';
import type { OpenedDoc } from '../../../web/src/core/types';
import { IdbStorage } from '../../../web/src/storage/idb';
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

const DOC_ID_KEY = 'bench-dure-doc-id';
let session: { opened: OpenedDoc; editor: Editor } | undefined;

function docId(): string {
  const id = localStorage.getItem(DOC_ID_KEY);
  if (!id) throw new Error('setup() has not run on this origin');
  return id;
}

const page: BenchPage = {
  async setup(fixture) {
    await clearIndexedDB();
    const storage = await IdbStorage.open();
    try {
      const keyring = await Keyring.open(storage, storage.deviceKeys());
      const secrets = await new Library(storage, keyring).create('bench');
      const ydoc = new Y.Doc();
      const local = await LocalDoc.open(storage, secrets, ydoc, { leader: alwaysLeader });
      if (!local.ok) throw new Error(`LocalDoc.open: ${local.error} ${local.detail ?? ''}`);
      Y.applyUpdateV2(ydoc, await fetchBytes(`/fixtures/${fixture}.v2.bin`));
      await local.value.flush();
      // the state a document reaches once its leader has folded the updates: one encrypted snapshot
      if (!(await local.value.compact())) throw new Error('compaction did not run');
      await local.value.whenIdle();
      await local.value.close();
      ydoc.destroy();
      localStorage.setItem(DOC_ID_KEY, secrets.docId);
    } finally {
      storage.close();
    }
    return storedBytes();
  },

  async open() {
    const element = document.getElementById('editor')!;
    const id = docId();
    const { result } = await timeOpen(async (phase) => {
      const core = await LocalCore.open();
      phase('core: IndexedDB + keyring');
      const r = await core.openDoc(id);
      if (!r.ok) throw new Error(`openDoc: ${r.error} ${r.detail ?? ''}`);
      phase('doc: key unwrap, read, decrypt, apply');
      const editor = new Editor({ element, extensions: createEditorExtensions({ ydoc: r.value.ydoc }) });
      session = { opened: r.value, editor };
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
    return typeKeystrokes(session.editor, session.opened.ydoc, n);
  },

  remote(n, burst) {
    if (!session) throw new Error('not open');
    return applyRemoteUpdates(session.editor, session.opened.ydoc, n, burst);
  },

  async close() {
    if (!session) return;
    const { opened, editor } = session;
    session = undefined;
    editor.destroy();
    await opened.flush();
    await opened.close();
  },

  v2Length() {
    if (!session) throw new Error('not open');
    return Y.encodeStateAsUpdateV2(session.opened.ydoc).length;
  },
};

window.bench = page;
