/**
 * Remote changes are shown, never "fixed" by this client: normalizing plugins (autolink, fixTables)
 * act on the user's own edits only. Fixing a peer's change would be a new local write that every
 * client makes at once, and it costs a walk over the whole document per remote keystroke.
 */
import { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createEditorExtensions } from '../src/editor/extensions';

const REMOTE = 'remote-peer';
const editors: Editor[] = [];

afterEach(() => {
  for (const e of editors.splice(0)) {
    const el = e.options.element as HTMLElement | null;
    e.destroy();
    el?.remove();
  }
});

function mount(ydoc: Y.Doc): Editor {
  const element = document.createElement('div');
  document.body.append(element);
  const editor = new Editor({ element, extensions: createEditorExtensions({ ydoc }) });
  editors.push(editor);
  return editor;
}

function fromPeer(ydoc: Y.Doc, build: (peer: Y.Doc) => void): void {
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(ydoc));
  const before = Y.encodeStateVector(peer);
  build(peer);
  Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(peer, before), REMOTE);
  peer.destroy();
}

/** Every Yjs update this client itself produces from now on. */
function localWrites(ydoc: Y.Doc): unknown[] {
  const origins: unknown[] = [];
  ydoc.on('update', (_u: Uint8Array, origin: unknown) => {
    if (origin !== REMOTE) origins.push(origin);
  });
  return origins;
}

function paragraph(text: string): Y.XmlElement {
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  return p;
}

function cell(text: string): Y.XmlElement {
  const c = new Y.XmlElement('tableCell');
  c.insert(0, [paragraph(text)]);
  return c;
}

function row(...cells: string[]): Y.XmlElement {
  const r = new Y.XmlElement('tableRow');
  r.insert(
    0,
    cells.map((t) => cell(t)),
  );
  return r;
}

describe('remote changes are shown as they are', () => {
  it('a peer typing "visit https://example.org " is not autolinked (nor written) by this client', () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    const writes = localWrites(ydoc);
    fromPeer(ydoc, (peer) => peer.getXmlFragment('default').insert(0, [paragraph('visit https://example.org ')]));
    expect(editor.getText()).toContain('visit https://example.org');
    expect(editor.view.dom.querySelector('a')).toBeNull();
    expect(writes).toEqual([]);
  });

  it('typing the same text locally still makes a link', () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    editor.view.dispatch(editor.state.tr.insertText('visit https://example.org ', 1));
    expect(editor.view.dom.querySelector('a')?.getAttribute('href')).toBe('https://example.org/');
  });

  it("a peer's ragged table is shown without this client padding it", () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    const writes = localWrites(ydoc);
    fromPeer(ydoc, (peer) => {
      const table = new Y.XmlElement('table');
      table.insert(0, [row('a1', 'a2'), row('b1')]);
      peer.getXmlFragment('default').insert(0, [table]);
    });
    expect(editor.getText()).toContain('b1');
    expect(editor.view.dom.querySelectorAll('td').length).toBe(3);
    expect(writes).toEqual([]);
  });

  it('a local edit inside a ragged table still normalizes it', () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    fromPeer(ydoc, (peer) => {
      const table = new Y.XmlElement('table');
      table.insert(0, [row('a1', 'a2'), row('b1')]);
      peer.getXmlFragment('default').insert(0, [table]);
    });
    let pos = -1;
    editor.state.doc.descendants((node, p) => {
      if (node.isText && node.text === 'b1') pos = p + 2;
    });
    editor.view.dispatch(editor.state.tr.insertText('!', pos));
    expect(editor.getText()).toContain('b1!');
    expect(editor.view.dom.querySelectorAll('td').length).toBe(4);
  });
});
