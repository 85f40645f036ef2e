/**
 * The extension set in real Chromium: hostile Yjs content is inert, undo is per user, a newer schema
 * opens read-only without writing, pasted Word / Google Docs HTML keeps its structure, Hangul IME.
 */
import type {} from '@vitest/browser-playwright';
import { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cdp, userEvent } from 'vitest/browser';
import * as Y from 'yjs';
import { createEditorExtensions, type EditorExtensionOptions } from '../src/editor/extensions';
import { META_MAP, SCHEMA_VERSION, SCHEMA_VERSION_KEY } from '../src/editor/schema-version';
import { editorStats, EDITOR_COMMANDS } from '../src/editor/commands';

const BLOB = 'AAAAAAAAAAAAAAAAAAAAAA';
const REMOTE = 'remote-peer';
const editors: Editor[] = [];

afterEach(() => {
  for (const e of editors.splice(0)) {
    const el = e.options.element as HTMLElement | null;
    e.destroy();
    el?.remove();
  }
  delete (window as { __pwned?: unknown }).__pwned;
});

function mount(ydoc: Y.Doc, extra: Partial<EditorExtensionOptions> = {}): Editor {
  const element = document.createElement('div');
  element.dataset.testid = 'editor';
  document.body.append(element);
  const editor = new Editor({ element, extensions: createEditorExtensions({ ydoc, ...extra }) });
  editors.push(editor);
  return editor;
}

/** Sends what `build` writes on a separate document to `ydoc`, as a peer's update would arrive. */
function fromPeer(ydoc: Y.Doc, build: (peer: Y.Doc) => void): void {
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(ydoc));
  const before = Y.encodeStateVector(peer);
  build(peer);
  Y.applyUpdate(ydoc, Y.encodeStateAsUpdate(peer, before), REMOTE);
}

/** Focus the editor for real (the iframe too) before sending keys; TipTap's focus() is deferred. */
async function focusEditor(editor: Editor, where: 'start' | 'end' = 'end'): Promise<void> {
  await userEvent.click(editor.view.dom);
  editor.commands.focus(where);
  await vi.waitFor(() => expect(document.activeElement).toBe(editor.view.dom));
}

function pixelPng(): Blob {
  const b64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';
  return new Blob([Uint8Array.from(atob(b64), (c) => c.charCodeAt(0))], { type: 'image/png' });
}

function requestsTo(fragment: string): string[] {
  return performance
    .getEntriesByType('resource')
    .map((e) => e.name)
    .filter((n) => n.includes(fragment));
}

describe('hostile Yjs content', () => {
  it('renders inert: no script link, no handlers, no remote image, nothing fetched, nothing runs', async () => {
    const probe = `dure-probe-${Math.random().toString(36).slice(2)}`;
    const seen: string[] = [];
    const observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) seen.push(e.name);
    });
    observer.observe({ type: 'resource', buffered: true });

    const ydoc = new Y.Doc();
    const blobUrl = URL.createObjectURL(pixelPng());
    const editor = mount(ydoc, {
      // a compromised resolver handing out a normal URL must not get it into src either
      resolveBlob: async (id) => (id === BLOB ? blobUrl : `${location.origin}/${probe}-resolved.png`),
    });
    fromPeer(ydoc, (peer) => {
      const frag = peer.getXmlFragment('default');
      const p = new Y.XmlElement('paragraph');
      p.setAttribute('onclick', 'window.__pwned = "paragraph"');
      // same-origin URLs below: resource timing would list them even as 404s (a refused
      // connection to 127.0.0.1:9 might leave no entry at all)
      p.setAttribute('style', `background-image: url(${location.origin}/${probe}-style.png)`);
      const text = new Y.XmlText();
      text.insert(0, 'click me', {
        link: { href: 'javascript:window.__pwned=1', onclick: 'window.__pwned="a"', target: '_self' },
      });
      text.insert(8, ' and ');
      text.insert(13, 'me too', { link: { href: ' JaVa\tScRiPt:window.__pwned=2' } });
      p.insert(0, [text]);
      const img = new Y.XmlElement('image');
      img.setAttribute('src', `http://127.0.0.1:9/${probe}-pixel.png`);
      img.setAttribute('onerror', 'window.__pwned = "img"');
      img.setAttribute('blobId', BLOB);
      const legacyImg = new Y.XmlElement('image');
      legacyImg.setAttribute('src', `${location.origin}/${probe}-legacy.png`);
      const otherBlob = new Y.XmlElement('image');
      otherBlob.setAttribute('blobId', 'BBBBBBBBBBBBBBBBBBBBBB');
      const good = new Y.XmlElement('paragraph');
      const goodText = new Y.XmlText();
      goodText.insert(0, 'safe', { link: { href: 'https://example.org/' } });
      good.insert(0, [goodText]);
      // attributes of known nodes with hostile values, and node/mark names the schema does not know
      const code = new Y.XmlElement('codeBlock');
      code.setAttribute('language', 'x" onmouseover="window.__pwned=4');
      code.insert(0, [new Y.XmlText('code')]);
      const heading = new Y.XmlElement('heading');
      heading.setAttribute('level', '1 onclick=window.__pwned=5' as unknown as string);
      heading.insert(0, [new Y.XmlText('title')]);
      const ol = new Y.XmlElement('orderedList');
      ol.setAttribute('start', 'javascript:window.__pwned=6');
      ol.setAttribute('type', '<script>window.__pwned=7</script>');
      const li = new Y.XmlElement('listItem');
      const liP = new Y.XmlElement('paragraph');
      const liText = new Y.XmlText();
      liText.insert(0, 'item', { script: { src: `http://127.0.0.1:9/${probe}-mark.js` } });
      liP.insert(0, [liText]);
      li.insert(0, [liP]);
      ol.insert(0, [li]);
      const script = new Y.XmlElement('script');
      script.setAttribute('src', `http://127.0.0.1:9/${probe}-script.js`);
      const iframe = new Y.XmlElement('iframe');
      iframe.setAttribute('src', `http://127.0.0.1:9/${probe}-frame.html`);
      frag.insert(0, [p, img, legacyImg, otherBlob, good, code, heading, ol, script, iframe]);
    });

    const root = editor.view.dom;
    await vi.waitFor(() => expect(root.querySelector('img[src^="blob:"]')).not.toBeNull());
    await vi.waitFor(() => expect(root.querySelectorAll('.dure-image[data-state="missing"]').length).toBe(2));
    expect(root.textContent).toContain('click me');
    expect(root.querySelector('pre code')?.textContent).toBe('code');
    expect(root.querySelector('h1')?.textContent).toBe('title');
    expect(root.querySelector('script, iframe, object, embed')).toBeNull();
    expect(root.querySelector('ol')?.getAttribute('start')).toBeNull();
    expect(root.querySelector('ol')?.getAttribute('type')).toBeNull();
    expect(root.querySelector('pre code')?.getAttribute('class')).toBeNull();

    // links: the hostile ones have no href at all, the safe one keeps it with rel/target
    const anchors = Array.from(root.querySelectorAll('a'));
    expect(anchors.map((a) => a.getAttribute('href'))).toEqual([null, null, 'https://example.org/']);
    expect(anchors[2]!.getAttribute('rel')).toBe('noopener noreferrer nofollow');
    expect(anchors[2]!.getAttribute('target')).toBe('_blank');
    for (const a of anchors) a.click();
    await userEvent.click(anchors[0]!);

    // no element anywhere in the editor carries an event handler or a style with url()
    for (const el of [root, ...Array.from(root.querySelectorAll('*'))]) {
      for (const attr of Array.from(el.attributes)) {
        expect(attr.name.startsWith('on'), `${el.localName} ${attr.name}`).toBe(false);
        expect(attr.value.includes('url('), `${el.localName} ${attr.name}=${attr.value}`).toBe(false);
      }
    }
    const images = Array.from(document.querySelectorAll('img')).filter(
      (i) => !i.classList.contains('ProseMirror-separator'),
    );
    expect(images.length).toBe(1);
    for (const img of images) expect(img.getAttribute('src') ?? '').toMatch(/^blob:/);

    // the same holds for getHTML (copy, export)
    const html = editor.getHTML();
    expect(html).not.toMatch(/javascript|onerror|onclick|127\.0\.0\.1|src=/i);

    // a request the probe must see, so that "nothing seen" below means something
    const control = new Image();
    control.src = `${location.origin}/${probe}-control.png`;
    await vi.waitFor(() => expect(seen.some((n) => n.includes(`${probe}-control`))).toBe(true));
    observer.disconnect();
    expect(seen.filter((n) => n.includes(probe) && !n.includes('-control'))).toEqual([]);
    expect(requestsTo('127.0.0.1:9')).toEqual([]);
    expect((window as { __pwned?: unknown }).__pwned).toBeUndefined();
    URL.revokeObjectURL(blobUrl);
  });

  it('survives absurd table spans from a peer without hanging', async () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    fromPeer(ydoc, (peer) => {
      const cellP = new Y.XmlElement('paragraph');
      cellP.insert(0, [new Y.XmlText('cell')]);
      const cell = new Y.XmlElement('tableCell');
      cell.setAttribute('colspan', 1e9 as unknown as string);
      cell.insert(0, [cellP]);
      const okP = new Y.XmlElement('paragraph');
      okP.insert(0, [new Y.XmlText('ok cell')]);
      const ok = new Y.XmlElement('tableCell');
      ok.setAttribute('colwidth', ['100px; background:url(x)'] as unknown as string);
      ok.insert(0, [okP]);
      const okP2 = new Y.XmlElement('paragraph');
      okP2.insert(0, [new Y.XmlText('fine')]);
      const fine = new Y.XmlElement('tableCell');
      fine.insert(0, [okP2]);
      const row = new Y.XmlElement('tableRow');
      row.insert(0, [cell, ok, fine]);
      const table = new Y.XmlElement('table');
      table.insert(0, [row]);
      peer.getXmlFragment('default').insert(0, [table]);
    });
    await vi.waitFor(() => expect(editor.view.dom.textContent).toContain('fine'));
    for (const td of Array.from(editor.view.dom.querySelectorAll('td'))) {
      expect(Number(td.getAttribute('colspan') ?? '1')).toBeLessThanOrEqual(1000);
      expect(td.getAttribute('style') ?? '').not.toContain('url(');
    }
  });
});

describe('undo', () => {
  it('undoes only local edits; a remote edit survives (Mod-z and the command)', async () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    await focusEditor(editor);
    await userEvent.keyboard('mine');
    await vi.waitFor(() => expect(editor.getText()).toBe('mine'));
    fromPeer(ydoc, (peer) => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('theirs')]);
      peer.getXmlFragment('default').insert(1, [p]);
    });
    await vi.waitFor(() => expect(editor.getText()).toContain('theirs'));
    await focusEditor(editor, 'start');
    await userEvent.keyboard('{Control>}z{/Control}');
    await vi.waitFor(() => expect(editor.getText()).not.toContain('mine'));
    expect(editor.getText()).toContain('theirs');
    expect(ydoc.getXmlFragment('default').toString()).toContain('theirs');
    // redo brings the local edit back
    await userEvent.keyboard('{Control>}{Shift>}z{/Shift}{/Control}');
    await vi.waitFor(() => expect(editor.getText()).toContain('mine'));
    await userEvent.keyboard('{Control>}z{/Control}');
    await vi.waitFor(() => expect(editor.getText()).not.toContain('mine'));
    await userEvent.keyboard('{Control>}y{/Control}');
    await vi.waitFor(() => expect(editor.getText()).toContain('mine'));
    expect(EDITOR_COMMANDS.find((c) => c.name === 'undo')!.run(editor)).toBe(true);
    await vi.waitFor(() => expect(editor.getText()).not.toContain('mine'));
    expect(editor.getText()).toContain('theirs');
  });

  it('does not undo content loaded by storage (another origin)', async () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc);
    fromPeer(ydoc, (peer) => {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText('loaded')]);
      peer.getXmlFragment('default').insert(0, [p]);
    });
    await vi.waitFor(() => expect(editor.getText()).toBe('loaded'));
    expect(editor.can().undo()).toBe(false);
    editor.commands.undo();
    expect(editor.getText()).toBe('loaded');
  });
});

describe('schema version', () => {
  function newerDoc(): Y.Doc {
    const ydoc = new Y.Doc();
    ydoc.transact(() => {
      ydoc.getMap(META_MAP).set(SCHEMA_VERSION_KEY, SCHEMA_VERSION + 1);
      ydoc.getMap(META_MAP).set('title', '미래 문서');
      const frag = ydoc.getXmlFragment('default');
      const p = new Y.XmlElement('paragraph');
      p.setAttribute('textAlign', 'center');
      p.insert(0, [new Y.XmlText('from the future')]);
      const callout = new Y.XmlElement('callout');
      const inner = new Y.XmlElement('paragraph');
      inner.insert(0, [new Y.XmlText('unknown node')]);
      callout.insert(0, [inner]);
      frag.insert(0, [p, callout]);
    }, 'storage');
    return ydoc;
  }

  it('a newer document opens read-only and not one byte of it changes', async () => {
    const ydoc = newerDoc();
    const before = Y.encodeStateAsUpdate(ydoc);
    const writes: Uint8Array[] = [];
    ydoc.on('update', (u: Uint8Array) => writes.push(u));
    const blocked = vi.fn();
    const editor = mount(ydoc, { onSchemaBlocked: blocked });
    await vi.waitFor(() => expect(editor.getText()).toContain('from the future'));
    await vi.waitFor(() =>
      expect(blocked).toHaveBeenCalledWith({ ok: false, error: 'newer-schema', found: SCHEMA_VERSION + 1 }),
    );
    expect(editor.isEditable).toBe(false);
    expect(editor.view.dom.getAttribute('contenteditable')).toBe('false');
    // try every way in: typing, commands, undo
    await userEvent.click(editor.view.dom);
    await userEvent.keyboard('typed');
    editor.commands.insertContent('inserted');
    editor.commands.toggleBold();
    editor.commands.undo();
    expect(editor.getText()).not.toContain('typed');
    expect(editor.getText()).not.toContain('inserted');
    expect(writes).toEqual([]);
    expect(Y.encodeStateAsUpdate(ydoc)).toEqual(before);
    expect(ydoc.getXmlFragment('default').toString()).toContain('<callout>');
  });

  it('a remote update that raises the version while open freezes the editor before anything is dropped', async () => {
    const ydoc = new Y.Doc();
    const blocked = vi.fn();
    const editor = mount(ydoc, { onSchemaBlocked: blocked });
    await focusEditor(editor);
    await userEvent.keyboard('old text');
    await vi.waitFor(() => expect(editor.getText()).toBe('old text'));
    expect(ydoc.getMap(META_MAP).get(SCHEMA_VERSION_KEY)).toBe(SCHEMA_VERSION);
    fromPeer(ydoc, (peer) => {
      peer.transact(() => {
        peer.getMap(META_MAP).set(SCHEMA_VERSION_KEY, SCHEMA_VERSION + 1);
        const callout = new Y.XmlElement('callout');
        const inner = new Y.XmlElement('paragraph');
        inner.insert(0, [new Y.XmlText('new kind of node')]);
        callout.insert(0, [inner]);
        peer.getXmlFragment('default').insert(1, [callout]);
      });
    });
    await vi.waitFor(() => expect(blocked).toHaveBeenCalledTimes(1));
    expect(editor.isEditable).toBe(false);
    const after = Y.encodeStateAsUpdate(ydoc);
    await userEvent.keyboard('more');
    editor.commands.insertContent('more');
    expect(Y.encodeStateAsUpdate(ydoc)).toEqual(after);
    expect(ydoc.getXmlFragment('default').toString()).toContain(
      '<callout><paragraph>new kind of node</paragraph></callout>',
    );
  });

  it('reopening a document written by the editor writes nothing, even when it ends in a table', async () => {
    const first = new Y.Doc();
    const writer = mount(first);
    writer.commands.setContent(
      '<h1>제목</h1><ul data-type="taskList"><li data-type="taskItem" data-checked="true"><p>done</p></li></ul>' +
        '<p><a href="https://example.org/">link</a> <strong>b</strong></p><table><tr><th><p>a</p></th><td><p>b</p></td></tr></table>',
    );
    await vi.waitFor(() => expect(first.getXmlFragment('default').toString()).toContain('<table>'));
    const bytes = Y.encodeStateAsUpdate(first);

    const ydoc = new Y.Doc();
    Y.applyUpdate(ydoc, bytes, 'storage');
    const writes: unknown[] = [];
    ydoc.on('update', (_u: Uint8Array, origin: unknown) => writes.push(origin));
    const reader = mount(ydoc);
    await vi.waitFor(() => expect(reader.view.dom.querySelector('table')).not.toBeNull());
    await userEvent.click(reader.view.dom.querySelector('td')!);
    await userEvent.click(reader.view.dom.querySelector('h1')!);
    reader.commands.setTextSelection(2);
    expect(writes).toEqual([]);
    expect(reader.view.dom.lastElementChild?.localName).toBe('table');
  });

  it('opening an empty document writes nothing; the first local edit stamps the version', async () => {
    const ydoc = new Y.Doc();
    ydoc.getMap(META_MAP).set('title', '제목');
    const before = Y.encodeStateAsUpdate(ydoc);
    const editor = mount(ydoc);
    await userEvent.click(editor.view.dom);
    expect(Y.encodeStateAsUpdate(ydoc)).toEqual(before);
    expect(ydoc.getMap(META_MAP).get(SCHEMA_VERSION_KEY)).toBeUndefined();
    await userEvent.keyboard('x');
    await vi.waitFor(() => expect(ydoc.getMap(META_MAP).get(SCHEMA_VERSION_KEY)).toBe(SCHEMA_VERSION));
    expect(ydoc.getMap(META_MAP).get('title')).toBe('제목');
  });
});

describe('Korean', () => {
  it('Hangul composed through the IME path lands in the view and in Yjs; stats count it', async () => {
    const ydoc = new Y.Doc();
    const editor = mount(ydoc, { placeholder: '내용을 입력하세요' });
    await userEvent.click(editor.view.dom);
    const session = cdp();
    for (const steps of [['ㅎ', '하', '한'], ['ㄱ', '그', '글'], [' '], ['ㅁ', '마', '말']]) {
      if (steps[0] === ' ') {
        await session.send('Input.insertText', { text: ' ' });
        continue;
      }
      for (const s of steps)
        await session.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
      await session.send('Input.insertText', { text: steps.at(-1)! });
    }
    await vi.waitFor(() => expect(editor.getText()).toBe('한글 말'));
    expect(ydoc.getXmlFragment('default').toString()).toBe('<paragraph>한글 말</paragraph>');
    expect(editorStats(editor)).toEqual({ characters: 4, words: 2 });
  });
});
