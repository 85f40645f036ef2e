/**
 * The editor as the page sees it: extensions for a Y.Doc, the toolbar commands, statistics and the
 * schema check. This is the one file that knows how shared/src/editor is called.
 */
import type { Editor, Extensions } from '@tiptap/core';
import type * as Y from 'yjs';
import StarterKit from '@tiptap/starter-kit';
import Collaboration from '@tiptap/extension-collaboration';
import { TableKit } from '@tiptap/extension-table';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { CharacterCount, Placeholder } from '@tiptap/extensions';
import { countCharacters, countWords } from '@dure/shared/editor/words';
import { safeHref } from '@dure/shared/editor/safe-href';
import type { ToolbarCommand } from './commands';

export interface KitOptions {
  readonly ydoc: Y.Doc;
  readonly placeholder: string;
  /** decrypted blob -> object URL for display */
  resolveBlob(blobId: string): Promise<string | undefined>;
  /** a pasted or dropped image file -> blobId */
  storeImage(file: File): Promise<string | undefined>;
}

export const SCHEMA_VERSION = 1;

export function createExtensions(opts: KitOptions): Extensions {
  return [
    StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true, isAllowedUri: (url) => safeHref(url) !== null } }),
    Collaboration.configure({ document: opts.ydoc, field: 'default' }),
    TableKit.configure({ table: { resizable: false } }),
    TaskList,
    TaskItem.configure({ nested: true }),
    Placeholder.configure({ placeholder: opts.placeholder }),
    CharacterCount,
  ];
}

export type SchemaCheck = { ok: true } | { ok: false; found: number };

export function checkSchema(ydoc: Y.Doc): SchemaCheck {
  const v = ydoc.getMap('meta').get('schemaVersion');
  return typeof v === 'number' && v > SCHEMA_VERSION ? { ok: false, found: v } : { ok: true };
}

export function editorStats(editor: Editor): { characters: number; words: number } {
  const text = editor.state.doc.textBetween(0, editor.state.doc.content.size, ' ', ' ');
  return { characters: countCharacters(text), words: countWords(text) };
}

type Chain = ReturnType<Editor['chain']>;
const cmd = (
  name: string,
  group: string,
  fn: (c: Chain) => Chain,
  opts: { shortcut?: string; active?: [string, Record<string, unknown>?]; toggle?: boolean } = {},
): ToolbarCommand => ({
  name,
  labelKey: `toolbar.${name}`,
  group,
  shortcut: opts.shortcut,
  toggle: opts.toggle ?? opts.active !== undefined,
  run: (e) => fn(e.chain().focus()).run(),
  canRun: (e) => fn(e.can().chain().focus()).run(),
  isActive: (e) => (opts.active ? e.isActive(opts.active[0], opts.active[1]) : false),
});

export const TOOLBAR_COMMANDS: readonly ToolbarCommand[] = [
  cmd('undo', 'history', (c) => c.undo(), { shortcut: 'Mod-z' }),
  cmd('redo', 'history', (c) => c.redo(), { shortcut: 'Mod-Shift-z' }),
  cmd('heading1', 'block', (c) => c.toggleHeading({ level: 1 }), { shortcut: 'Mod-Alt-1', active: ['heading', { level: 1 }] }),
  cmd('heading2', 'block', (c) => c.toggleHeading({ level: 2 }), { shortcut: 'Mod-Alt-2', active: ['heading', { level: 2 }] }),
  cmd('heading3', 'block', (c) => c.toggleHeading({ level: 3 }), { shortcut: 'Mod-Alt-3', active: ['heading', { level: 3 }] }),
  cmd('bold', 'mark', (c) => c.toggleBold(), { shortcut: 'Mod-b', active: ['bold'] }),
  cmd('italic', 'mark', (c) => c.toggleItalic(), { shortcut: 'Mod-i', active: ['italic'] }),
  cmd('underline', 'mark', (c) => c.toggleUnderline(), { shortcut: 'Mod-u', active: ['underline'] }),
  cmd('strike', 'mark', (c) => c.toggleStrike(), { shortcut: 'Mod-Shift-s', active: ['strike'] }),
  cmd('code', 'mark', (c) => c.toggleCode(), { shortcut: 'Mod-e', active: ['code'] }),
  cmd('bulletList', 'list', (c) => c.toggleBulletList(), { shortcut: 'Mod-Shift-8', active: ['bulletList'] }),
  cmd('orderedList', 'list', (c) => c.toggleOrderedList(), { shortcut: 'Mod-Shift-7', active: ['orderedList'] }),
  cmd('taskList', 'list', (c) => c.toggleTaskList(), { shortcut: 'Mod-Shift-9', active: ['taskList'] }),
  cmd('blockquote', 'insert', (c) => c.toggleBlockquote(), { shortcut: 'Mod-Shift-b', active: ['blockquote'] }),
  cmd('codeBlock', 'insert', (c) => c.toggleCodeBlock(), { shortcut: 'Mod-Alt-c', active: ['codeBlock'] }),
  cmd('horizontalRule', 'insert', (c) => c.setHorizontalRule()),
  cmd('table', 'insert', (c) => c.insertTable({ rows: 3, cols: 3, withHeaderRow: true })),
];

/** Shown only while the caret is in a table. */
export const TABLE_COMMANDS: readonly ToolbarCommand[] = [
  cmd('addRowAfter', 'table', (c) => c.addRowAfter()),
  cmd('addColumnAfter', 'table', (c) => c.addColumnAfter()),
  cmd('deleteRow', 'table', (c) => c.deleteRow()),
  cmd('deleteColumn', 'table', (c) => c.deleteColumn()),
  cmd('deleteTable', 'table', (c) => c.deleteTable()),
];

/** Sets or removes the link on the selection; only allowed schemes get through. */
export function setLink(editor: Editor, raw: string): 'ok' | 'removed' | 'rejected' {
  if (raw.trim() === '') {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    return 'removed';
  }
  const href = safeHref(raw.trim());
  if (href === null) return 'rejected';
  editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
  return 'ok';
}

export function currentLink(editor: Editor): string {
  const href: unknown = editor.getAttributes('link').href;
  return typeof href === 'string' ? href : '';
}

/** Temporary until the shared image node lands: images are not insertable yet. */
export function insertImage(_editor: Editor, _blobId: string, _alt: string): boolean {
  return false;
}
