/**
 * Korean under co-editing, in a real editor in Chromium with Hangul composed through the IME path
 * (CDP Input.imeSetComposition / Input.insertText, one composition per syllable as a 2-set IME does).
 * The collaborator is a second Y.Doc whose updates reach this editor through a hold-aware queue, as
 * the sync session and LocalDoc deliver them (composition.ts; README "Remote updates and an open composition").
 */
import type {} from '@vitest/browser-playwright';
import { Editor, type Extensions } from '@tiptap/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cdp, userEvent } from 'vitest/browser';
import * as Y from 'yjs';
import { CompositionGate, combineHolds, type CompositionGateOptions } from '../src/editor/composition';
import { createEditorExtensions } from '../src/editor/extensions';
import { yCursorPlugin } from '@tiptap/y-tiptap';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';

const REMOTE = 'remote-peer';

/** A collaborator on its own Y.Doc. Its updates are held while the editor holds; ours reach it at once. */
class Peer {
  readonly doc = new Y.Doc();
  holds = 0;
  opened = 0;
  readonly queue: Uint8Array[] = [];

  constructor(private readonly local: Y.Doc) {
    Y.applyUpdate(this.doc, Y.encodeStateAsUpdate(local));
    local.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) Y.applyUpdate(this.doc, u, REMOTE);
    });
    this.doc.on('update', (u: Uint8Array, origin: unknown) => {
      if (origin === REMOTE) return;
      if (this.holds > 0) this.queue.push(u);
      else Y.applyUpdate(this.local, u, REMOTE);
    });
  }

  readonly holdRemote = (): (() => void) => {
    this.holds++;
    this.opened++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      if (--this.holds > 0) return;
      for (const u of this.queue.splice(0)) Y.applyUpdate(this.local, u, REMOTE);
    };
  };

  /** Types `s` into the first paragraph right after its first occurrence of `after` (or at the end). */
  typeAfter(after: string | null, s: string): void {
    const p = this.doc.getXmlFragment('default').get(0) as Y.XmlElement;
    const t = p.get(0) as Y.XmlText;
    const at = after === null ? t.length : t.toString().indexOf(after) + after.length;
    t.insert(at, s);
  }

  xml(): string {
    return this.doc.getXmlFragment('default').toString();
  }
}

const editors: Editor[] = [];

afterEach(() => {
  for (const e of editors.splice(0)) {
    const el = e.options.element as HTMLElement | null;
    e.destroy();
    el?.remove();
  }
});

function mount(ydoc: Y.Doc, gate: Partial<CompositionGateOptions> | null): Editor {
  const element = document.createElement('div');
  document.body.append(element);
  let extensions: Extensions = createEditorExtensions({ ydoc });
  if (gate) {
    extensions = extensions.map((x) => (x.name === CompositionGate.name ? CompositionGate.configure(gate) : x));
  }
  const editor = new Editor({ element, extensions });
  editors.push(editor);
  return editor;
}

async function focusEnd(editor: Editor): Promise<void> {
  await userEvent.click(editor.view.dom);
  editor.commands.focus('end');
  await vi.waitFor(() => expect(document.activeElement).toBe(editor.view.dom));
}

const JAMO: Readonly<Record<string, readonly string[]>> = {
  한: ['ㅎ', '하', '한'],
  글: ['ㄱ', '그', '글'],
  두: ['ㄷ', '두'],
  레: ['ㄹ', '레'],
  회: ['ㅎ', '호', '회'],
  의: ['ㅇ', '으', '의'],
  록: ['ㄹ', '로', '록'],
};

const ime = cdp();
const setComposition = (s: string) =>
  ime.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
const commit = (s: string) => ime.send('Input.insertText', { text: s });

/** Composes and commits each syllable; `during(i)` runs while syllable i is still composing. */
async function compose(word: string, during?: (i: number) => void | Promise<void>): Promise<void> {
  let i = 0;
  for (const ch of word) {
    const steps = JAMO[ch];
    if (!steps) throw new Error(`no composition steps for ${ch}`);
    for (const s of steps.slice(0, -1)) await setComposition(s);
    await during?.(i++);
    await setComposition(steps.at(-1)!);
    await commit(steps.at(-1)!);
  }
}

/** A key as CDP delivers it; `imeKey` = keyCode 229, the IME's own key (Windows/macOS Chrome mid-composition). */
async function press(key: 'Enter' | 'Tab', imeKey: boolean): Promise<void> {
  const vk = imeKey ? 229 : key === 'Enter' ? 13 : 9;
  await ime.send('Input.dispatchKeyEvent', {
    type: imeKey ? 'rawKeyDown' : 'keyDown',
    key,
    code: key,
    windowsVirtualKeyCode: vk,
    ...(imeKey ? {} : { text: key === 'Enter' ? '\r' : '\t' }),
  });
  await ime.send('Input.dispatchKeyEvent', { type: 'keyUp', key, code: key, windowsVirtualKeyCode: vk });
}

async function withParagraph(text: string, gate: Partial<CompositionGateOptions> | null = {}) {
  const ydoc = new Y.Doc();
  const peer = new Peer(ydoc);
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  peer.doc.getXmlFragment('default').insert(0, [p]);
  const editor = mount(ydoc, gate && { hold: peer.holdRemote, ...gate });
  expect(editor.getText()).toBe(text);
  await focusEnd(editor);
  return { ydoc, peer, editor };
}

describe('remote letters landing in the paragraph being composed', () => {
  it('leave every syllable and every remote letter intact, on both sides', async () => {
    const { ydoc, peer, editor } = await withParagraph('shared line: ');
    await compose('두레');
    await setComposition('ㅎ');
    await setComposition('하');
    // The collaborator types inside the same text node while "하" is still composing.
    peer.typeAfter('shared', 'B');
    // Held: the composing text node is not redrawn under the IME.
    expect(editor.getText()).toBe('shared line: 두레하');
    await setComposition('한');
    await commit('한');
    await compose('글');
    const expected = 'sharedB line: 두레한글';
    expect(editor.getText()).toBe(expected);
    expect(editor.view.dom.textContent).toBe(expected);
    expect(ydoc.getXmlFragment('default').toString()).toBe(`<paragraph>${expected}</paragraph>`);
    expect(peer.xml()).toBe(`<paragraph>${expected}</paragraph>`);
    expect(peer.holds).toBe(0);
  });

  it('a remote letter right next to the composing syllable, during every syllable', async () => {
    const { ydoc, peer, editor } = await withParagraph('회의: ');
    const queuedAtStart: number[] = [];
    editor.view.dom.addEventListener('compositionstart', () => queuedAtStart.push(peer.queue.length));
    // Remote letters at the paragraph's end, i.e. right after the syllable being composed, and at its start.
    await compose('회의록두레한글', (i) => {
      peer.typeAfter(null, String.fromCharCode(97 + i));
      peer.typeAfter('', String(i));
    });
    const text = editor.getText();
    // Every syllable in order, with the remote letters around them; no jamo left over.
    expect(text.replace(/[a-z0-9]/g, '')).toBe('회의: 회의록두레한글');
    expect(text).not.toMatch(/[\u3131-\u318e]/u);
    for (let i = 0; i < 7; i++) {
      expect(text).toContain(String.fromCharCode(97 + i));
      expect(text).toContain(String(i));
    }
    expect(text.startsWith('6543210')).toBe(true);
    expect(ydoc.getXmlFragment('default').toString()).toBe(peer.xml());
    expect(editor.view.dom.textContent).toBe(text);
    // Released between syllables: a held letter never waits for the next syllable's composition.
    expect(queuedAtStart.every((n) => n === 0)).toBe(true);
    expect(peer.opened).toBe(7);
    expect(peer.holds).toBe(0);
  });

  it('a remote change in another paragraph waits too, and arrives when the syllable commits', async () => {
    const { ydoc, peer, editor } = await withParagraph('first');
    editor.commands.insertContentAt(editor.state.doc.content.size, '<p></p>');
    editor.commands.focus('end');
    await setComposition('ㄷ');
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('from peer')]);
    peer.doc.getXmlFragment('default').insert(0, [p]);
    expect(editor.getText()).not.toContain('from peer');
    await setComposition('두');
    await commit('두');
    expect(editor.getHTML()).toBe('<p>from peer</p><p>first</p><p>두</p>');
    expect(ydoc.getXmlFragment('default').toString()).toBe(peer.xml());
  });
});

describe("a collaborator's caret in the paragraph being composed", () => {
  it('moving with their typing breaks no syllable', async () => {
    const { ydoc, peer, editor } = await withParagraph('shared line: ');
    const mine = new Awareness(ydoc);
    const theirs = new Awareness(peer.doc);
    editor.registerPlugin(yCursorPlugin(mine));
    /** B's caret at `offset` of the first paragraph, sent to A at once (presence is not held). */
    const caretAt = (offset: number | 'end'): void => {
      const t = (peer.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
      const pos = Y.createRelativePositionFromTypeIndex(t, offset === 'end' ? t.length : offset, -1);
      theirs.setLocalStateField('user', { name: 'B', color: '#aa3300' });
      theirs.setLocalStateField('cursor', { anchor: pos, head: pos });
      applyAwarenessUpdate(mine, encodeAwarenessUpdate(theirs, [peer.doc.clientID]), REMOTE);
    };
    /** y-tiptap batches caret redraws into a timeout: let it run, as between real key strokes. */
    const tick = () => new Promise((r) => setTimeout(r, 20));
    caretAt(3);
    await tick();
    expect(editor.view.dom.querySelector('.ProseMirror-yjs-cursor')).not.toBeNull();
    editor.commands.focus('end');
    let typed = 0;
    const carets: number[] = [];
    await compose('회의록두레한글', async () => {
      // B types where its caret is (inside the text node A composes in), and the caret moves on.
      peer.typeAfter('sha', String(typed));
      // Right after the syllable A is composing (A's jamo reach B at once): the caret widget sits
      // beside the composing text node and moves with it (tiptap#5250).
      typed++;
      caretAt('end');
      await tick();
      carets.push(editor.view.dom.querySelectorAll('.ProseMirror-yjs-cursor').length);
    });
    await tick();
    const text = editor.getText();
    expect(text.replace(/[0-9]/g, '')).toBe('shared line: 회의록두레한글');
    expect(ydoc.getXmlFragment('default').toString()).toBe(peer.xml());
    // The caret was on screen during the compositions, not just at the end.
    expect(carets).toEqual([1, 1, 1, 1, 1, 1, 1]);
    mine.destroy();
    theirs.destroy();
  });
});

describe('Enter and Tab pressed mid-composition', () => {
  it("Enter as the IME's own key (keyCode 229): the syllable commits, then the paragraph splits once", async () => {
    const { ydoc, peer, editor } = await withParagraph('');
    await compose('한');
    await setComposition('ㄱ');
    await setComposition('그');
    await setComposition('글');
    await press('Enter', true);
    // Nothing splits inside the open composition.
    expect(editor.getHTML()).toBe('<p>한글</p>');
    await commit('글');
    expect(editor.getHTML()).toBe('<p>한글</p><p></p>');
    await compose('두레');
    expect(editor.getHTML()).toBe('<p>한글</p><p>두레</p>');
    expect(ydoc.getXmlFragment('default').toString()).toBe('<paragraph>한글</paragraph><paragraph>두레</paragraph>');
    expect(peer.xml()).toBe(ydoc.getXmlFragment('default').toString());
  });

  it('Enter the browser reports as itself while composing is left to the browser: the syllable stays, one split', async () => {
    const { ydoc, editor } = await withParagraph('');
    await compose('두');
    await setComposition('ㄹ');
    await setComposition('레');
    await press('Enter', false);
    await vi.waitFor(() => expect(editor.getHTML()).toBe('<p>두레</p><p></p>'));
    await commit('레');
    expect(editor.getHTML()).toBe('<p>두레</p><p></p>');
    expect(ydoc.getXmlFragment('default').toString()).toBe('<paragraph>두레</paragraph><paragraph></paragraph>');
  });

  it('the Enter an IME passes on right after committing is the same key press: still one split', async () => {
    const { editor } = await withParagraph('');
    await setComposition('ㄷ');
    await setComposition('두');
    await press('Enter', true);
    // The IME commits and passes the key on (Windows MS IME), in the same task as compositionend.
    editor.view.dom.addEventListener(
      'compositionend',
      () => editor.view.dom.dispatchEvent(new KeyboardEvent('keydown', { key: 'Enter', code: 'Enter', bubbles: true })),
      { once: true },
    );
    await commit('두');
    expect(editor.getHTML()).toBe('<p>두</p><p></p>');
    await compose('레');
    expect(editor.getHTML()).toBe('<p>두</p><p>레</p>');
  });

  it('a second Enter after the replayed one is a new key press: it splits again', async () => {
    const { editor } = await withParagraph('');
    await setComposition('ㄷ');
    await setComposition('두');
    await press('Enter', true);
    await commit('두');
    expect(editor.getHTML()).toBe('<p>두</p><p></p>');
    // Well past the de-dup window (a person pressing Enter twice).
    await new Promise((r) => setTimeout(r, 120));
    await press('Enter', false);
    expect(editor.getHTML()).toBe('<p>두</p><p></p><p></p>');
  });

  it('Enter mid-composition in a list item makes a new list item', async () => {
    const { editor } = await withParagraph('');
    editor.commands.toggleBulletList();
    await compose('회의');
    await setComposition('ㄹ');
    await setComposition('로');
    await setComposition('록');
    await press('Enter', true);
    await commit('록');
    await compose('두레');
    expect(editor.getHTML()).toBe('<ul><li><p>회의록</p></li><li><p>두레</p></li></ul>');
  });

  it('Tab mid-composition in a list item commits the syllable, then indents the item (focus stays)', async () => {
    const { editor } = await withParagraph('');
    editor.commands.toggleBulletList();
    await compose('한');
    editor.commands.splitListItem('listItem');
    await setComposition('ㄱ');
    await setComposition('그');
    await setComposition('글');
    await press('Tab', true);
    await commit('글');
    expect(editor.getHTML()).toBe('<ul><li><p>한</p><ul><li><p>글</p></li></ul></li></ul>');
    expect(document.activeElement).toBe(editor.view.dom);
  });

  it('Tab mid-composition outside a list changes nothing, and the Tab the IME passes on keeps its default', async () => {
    const { editor } = await withParagraph('');
    await setComposition('ㄷ');
    await setComposition('두');
    await press('Tab', true);
    let prevented: boolean | undefined;
    editor.view.dom.addEventListener(
      'compositionend',
      () => {
        const echo = new KeyboardEvent('keydown', { key: 'Tab', code: 'Tab', bubbles: true, cancelable: true });
        editor.view.dom.dispatchEvent(echo);
        prevented = echo.defaultPrevented;
      },
      { once: true },
    );
    await commit('두');
    expect(editor.getHTML()).toBe('<p>두</p>');
    expect(prevented).toBe(false);
  });

  it('a Japanese conversion confirmed with Enter is left to the IME: no new paragraph', async () => {
    const { editor } = await withParagraph('');
    await setComposition('か');
    await setComposition('かい');
    await setComposition('会');
    await press('Enter', true);
    await commit('会');
    expect(editor.getHTML()).toBe('<p>会</p>');
  });
});

describe('the hold ends', () => {
  it('the watchdog lets remote updates in when a composition is stuck', async () => {
    const stuck = vi.fn();
    const { ydoc, peer, editor } = await withParagraph('line ', {
      maxComposeMs: 300,
      idleMs: 100,
      watchdogTickMs: 50,
      onWatchdog: stuck,
    });
    await setComposition('ㅎ');
    peer.typeAfter('', 'X');
    expect(editor.getText()).toBe('line ㅎ');
    // No compositionend ever comes (a lost event on Android, an IME that hung).
    await vi.waitFor(() => expect(editor.getText()).toContain('X'), { timeout: 5000 });
    expect(stuck).toHaveBeenCalledTimes(1);
    expect(peer.holds).toBe(0);
    await commit('ㅎ');
    expect(editor.getText()).toBe('Xline ㅎ');
    expect(ydoc.getXmlFragment('default').toString()).toBe(peer.xml());
  });

  it('blur and destroy release the hold', async () => {
    const { peer, editor } = await withParagraph('a');
    await setComposition('ㅎ');
    expect(peer.holds).toBe(1);
    editor.view.dom.blur();
    expect(peer.holds).toBe(0);
    await focusEnd(editor);
    await setComposition('ㄱ');
    expect(peer.holds).toBe(1);
    peer.typeAfter(null, 'Z');
    editor.destroy();
    expect(peer.holds).toBe(0);
    expect(peer.queue).toHaveLength(0);
  });

  it('a composition that starts before the previous release ran (script-dispatched events) releases it first', async () => {
    const { peer, editor } = await withParagraph('a');
    const dom = editor.view.dom;
    dom.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true }));
    peer.typeAfter(null, 'Q');
    expect(editor.getText()).toBe('a');
    // Same task, no microtask checkpoint between them.
    dom.dispatchEvent(new CompositionEvent('compositionend', { data: '', bubbles: true }));
    dom.dispatchEvent(new CompositionEvent('compositionstart', { bubbles: true }));
    expect(editor.getText()).toBe('aQ');
    expect(peer.holds).toBe(1);
    dom.dispatchEvent(new CompositionEvent('compositionend', { data: '', bubbles: true }));
    await Promise.resolve();
    expect(peer.holds).toBe(0);
  });

  it('combineHolds opens every source and releases each exactly once', () => {
    const log: string[] = [];
    const source = (name: string) => () => {
      log.push(`hold ${name}`);
      return () => log.push(`release ${name}`);
    };
    const release = combineHolds(source('session'), null, source('localdoc'))();
    release();
    release();
    expect(log).toEqual(['hold session', 'hold localdoc', 'release localdoc', 'release session']);
  });
});
