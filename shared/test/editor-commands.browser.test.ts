/**
 * The toolbar data (EDITOR_COMMANDS) drives a real editor; keyboard shortcuts; links typed by users;
 * Hangul composition next to block structure (Enter after composing, list items).
 */
import type {} from '@vitest/browser-playwright';
import { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cdp, userEvent } from 'vitest/browser';
import * as Y from 'yjs';
import { EDITOR_COMMANDS, editorStats, setLink } from '../src/editor/commands';
import { createEditorExtensions } from '../src/editor/extensions';

const editors: Editor[] = [];
afterEach(() => {
  for (const e of editors.splice(0)) {
    const el = e.options.element as HTMLElement | null;
    e.destroy();
    el?.remove();
  }
});

function mount(): { editor: Editor; ydoc: Y.Doc } {
  const ydoc = new Y.Doc();
  const element = document.createElement('div');
  document.body.append(element);
  const editor = new Editor({ element, extensions: createEditorExtensions({ ydoc, placeholder: '입력하세요' }) });
  editors.push(editor);
  return { editor, ydoc };
}

/** Focus the editor for real (the iframe too) before sending keys; TipTap's focus() is deferred. */
async function focusEditor(editor: Editor, where: 'start' | 'end' = 'end'): Promise<void> {
  await userEvent.click(editor.view.dom);
  editor.commands.focus(where);
  await vi.waitFor(() => expect(document.activeElement).toBe(editor.view.dom));
}

const byName = (name: string) => EDITOR_COMMANDS.find((c) => c.name === name)!;

async function compose(syllables: string[][]): Promise<void> {
  const session = cdp();
  for (const steps of syllables) {
    for (const s of steps)
      await session.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    await session.send('Input.insertText', { text: steps.at(-1)! });
  }
}

describe('EDITOR_COMMANDS', () => {
  it.each([
    ['bold', 'strong'],
    ['italic', 'em'],
    ['underline', 'u'],
    ['strike', 's'],
    ['code', 'code'],
  ])('%s marks the selection and reports itself active', async (name, tag) => {
    const { editor } = mount();
    editor.commands.insertContent('가나다');
    editor.commands.selectAll();
    const cmd = byName(name);
    expect(cmd.canRun(editor)).toBe(true);
    expect(cmd.isActive(editor)).toBe(false);
    expect(cmd.run(editor)).toBe(true);
    expect(cmd.isActive(editor)).toBe(true);
    expect(editor.view.dom.querySelector(tag)?.textContent).toBe('가나다');
  });

  it.each([
    ['heading1', 'h1'],
    ['heading2', 'h2'],
    ['heading3', 'h3'],
    ['bulletList', 'ul > li'],
    ['orderedList', 'ol > li'],
    ['taskList', 'ul[data-type="taskList"] > li > div'],
    ['blockquote', 'blockquote'],
    ['codeBlock', 'pre > code'],
  ])('%s turns the paragraph into %s', (name, selector) => {
    const { editor } = mount();
    editor.commands.insertContent('문단');
    const cmd = byName(name);
    expect(cmd.run(editor)).toBe(true);
    expect(cmd.isActive(editor)).toBe(true);
    expect(editor.view.dom.querySelector(selector)?.textContent).toBe('문단');
  });

  it('inserts a table and a horizontal rule', () => {
    const { editor } = mount();
    expect(byName('table').run(editor)).toBe(true);
    expect(editor.view.dom.querySelectorAll('table th').length).toBe(3);
    expect(editor.view.dom.querySelectorAll('table td').length).toBe(6);
    expect(byName('table').isActive(editor)).toBe(true);
    editor.commands.focus('end');
    expect(byName('horizontalRule').run(editor)).toBe(true);
    expect(editor.view.dom.querySelector('hr')).not.toBeNull();
  });

  it('nests task items', async () => {
    const { editor } = mount();
    await focusEditor(editor);
    byName('taskList').run(editor);
    await userEvent.keyboard('parent{Enter}');
    await userEvent.keyboard('{Tab}child');
    expect(editor.getHTML()).toMatch(
      /<p>parent<\/p><ul data-type="taskList"><li data-type="taskItem"[^>]*>.*<p>child<\/p>/,
    );
    expect(editor.view.dom.querySelector('li ul li')?.textContent).toContain('child');
  });

  it('the usual shortcuts work', async () => {
    const { editor } = mount();
    await focusEditor(editor);
    await userEvent.keyboard('{Control>}b{/Control}굵게');
    expect(editor.view.dom.querySelector('strong')?.textContent).toBe('굵게');
    await userEvent.keyboard('{Control>}{Alt>}2{/Alt}{/Control}');
    expect(editor.view.dom.querySelector('h2')).not.toBeNull();
  });
});

describe('links', () => {
  it('setLink accepts web and mail targets, a bare domain as https, and refuses script', () => {
    const { editor } = mount();
    editor.commands.insertContent('링크');
    editor.commands.selectAll();
    expect(setLink(editor, 'javascript:alert(1)')).toBe(false);
    expect(setLink(editor, 'data:text/html,x')).toBe(false);
    expect(editor.view.dom.querySelector('a')).toBeNull();
    expect(setLink(editor, 'example.org/path')).toBe(true);
    expect(editor.view.dom.querySelector('a')?.getAttribute('href')).toBe('https://example.org/path');
    expect(byName('link').isActive(editor)).toBe(true);
    expect(setLink(editor, 'mailto:a@example.org')).toBe(true);
    expect(editor.view.dom.querySelector('a')?.getAttribute('href')).toBe('mailto:a@example.org');
    expect(setLink(editor, '')).toBe(true);
    expect(editor.view.dom.querySelector('a')).toBeNull();
  });

  it('the toolbar cannot set a script link either (TipTap setLink checks isAllowedUri)', () => {
    const { editor } = mount();
    editor.commands.insertContent('x');
    editor.commands.selectAll();
    expect(editor.commands.setLink({ href: 'javascript:alert(1)' })).toBe(false);
    expect(editor.view.dom.querySelector('a')).toBeNull();
  });

  it('typed URLs become links; a pasted javascript: URL does not', async () => {
    const { editor } = mount();
    await focusEditor(editor);
    await userEvent.keyboard('see https://example.org/x ');
    await vi.waitFor(() =>
      expect(editor.view.dom.querySelector('a')?.getAttribute('href')).toBe('https://example.org/x'),
    );
    const dt = new DataTransfer();
    dt.setData('text/plain', 'javascript:alert(1)');
    dt.setData('text/html', '<a href="javascript:alert(1)">evil</a> <a href="JAVASCRIPT:alert(2)">evil2</a>');
    editor.view.dom.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    await vi.waitFor(() => expect(editor.getText()).toContain('evil2'));
    expect(Array.from(editor.view.dom.querySelectorAll('a')).map((a) => a.getAttribute('href'))).toEqual([
      'https://example.org/x',
    ]);
  });
});

describe('Hangul next to structure', () => {
  it('Enter right after a composed syllable keeps it and splits the paragraph', async () => {
    const { editor, ydoc } = mount();
    await userEvent.click(editor.view.dom);
    await compose([
      ['ㅇ', '아', '안'],
      ['ㄴ', '녀', '녕'],
    ]);
    await userEvent.keyboard('{Enter}');
    await compose([['ㅎ', '하', '한']]);
    await vi.waitFor(() =>
      expect(Array.from(editor.view.dom.querySelectorAll('p')).map((p) => p.textContent)).toEqual(['안녕', '한']),
    );
    expect(ydoc.getXmlFragment('default').toString()).toBe('<paragraph>안녕</paragraph><paragraph>한</paragraph>');
  });

  it('composition at a line start with a stored mark (Ctrl+B, then Hangul) is bold and complete', async () => {
    const { editor, ydoc } = mount();
    await focusEditor(editor);
    await userEvent.keyboard('{Control>}b{/Control}');
    await compose([
      ['ㄱ', '구', '굵'],
      ['ㄱ', '게'],
    ]);
    await vi.waitFor(() => expect(editor.view.dom.querySelector('strong')?.textContent).toBe('굵게'));
    expect(ydoc.getXmlFragment('default').toString()).toBe('<paragraph><bold>굵게</bold></paragraph>');
  });

  it('composition inside a list item and in the middle of a paragraph', async () => {
    const { editor, ydoc } = mount();
    await focusEditor(editor);
    byName('bulletList').run(editor);
    await compose([['ㄱ', '가']]);
    await userEvent.keyboard('{Enter}');
    await compose([['ㄴ', '나']]);
    await vi.waitFor(() => expect(editor.view.dom.querySelectorAll('ul > li').length).toBe(2));
    expect(ydoc.getXmlFragment('default').toString()).toBe(
      '<bulletlist><listitem><paragraph>가</paragraph></listitem><listitem><paragraph>나</paragraph></listitem></bulletlist>',
    );
    // middle of a paragraph: between 가 and its end, in the first item
    editor.commands.setTextSelection(4);
    await compose([['ㄷ', '다']]);
    await vi.waitFor(() => expect(editor.view.dom.querySelector('li')?.textContent).toBe('가다'));
    expect(editorStats(editor)).toEqual({ characters: 3, words: 2 });
  });
});
