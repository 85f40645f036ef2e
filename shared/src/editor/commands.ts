/**
 * The toolbar as data, so the web app, the Electron menus and a command palette render the same list.
 *
 * Shortcuts are in TipTap's notation ("Mod" = Cmd on macOS, Ctrl elsewhere) and are the ones the
 * extensions already bind; this list only describes them. i18n keys live under `editor.`.
 */
import type { ChainedCommands, Editor } from '@tiptap/core';
import { safeHref } from './safe-href';
import { countDocument } from './words';

export type EditorCommandGroup = 'history' | 'inline' | 'block' | 'list' | 'insert';

export interface EditorCommand {
  /** stable id, also usable as a data-testid suffix */
  readonly name: string;
  readonly i18nKey: string;
  readonly shortcut: string | null;
  readonly group: EditorCommandGroup;
  /** 'href': run() needs the link target the user typed */
  readonly input?: 'href';
  run(editor: Editor, input?: string): boolean;
  canRun(editor: Editor): boolean;
  isActive(editor: Editor): boolean;
}

type Step = (chain: ChainedCommands) => ChainedCommands;

function command(
  name: string,
  group: EditorCommandGroup,
  shortcut: string | null,
  step: Step,
  isActive: (editor: Editor) => boolean = () => false,
): EditorCommand {
  return {
    name,
    i18nKey: `editor.${name}`,
    shortcut,
    group,
    run: (editor) => step(editor.chain().focus()).run(),
    canRun: (editor) => editor.isEditable && step(editor.can().chain()).run(),
    isActive,
  };
}

/** Sets a link on the selection; refuses (false) any target safeHref refuses. Empty input removes it. */
export function setLink(editor: Editor, raw: string): boolean {
  const trimmed = raw.trim();
  if (trimmed === '') return editor.chain().focus().extendMarkRange('link').unsetLink().run();
  // a bare "example.org" is what people type; it means https
  const href =
    safeHref(trimmed) ??
    (/^[\p{L}\p{N}][\p{L}\p{N}.-]*\.[\p{L}]{2,}(\/|$)/u.test(trimmed) ? safeHref(`https://${trimmed}`) : null);
  if (href === null) return false;
  return editor.chain().focus().extendMarkRange('link').setLink({ href }).run();
}

export const EDITOR_COMMANDS: readonly EditorCommand[] = [
  command('undo', 'history', 'Mod-z', (c) => c.undo()),
  command('redo', 'history', 'Mod-Shift-z', (c) => c.redo()),
  command(
    'bold',
    'inline',
    'Mod-b',
    (c) => c.toggleBold(),
    (e) => e.isActive('bold'),
  ),
  command(
    'italic',
    'inline',
    'Mod-i',
    (c) => c.toggleItalic(),
    (e) => e.isActive('italic'),
  ),
  command(
    'underline',
    'inline',
    'Mod-u',
    (c) => c.toggleUnderline(),
    (e) => e.isActive('underline'),
  ),
  command(
    'strike',
    'inline',
    'Mod-Shift-s',
    (c) => c.toggleStrike(),
    (e) => e.isActive('strike'),
  ),
  command(
    'code',
    'inline',
    'Mod-e',
    (c) => c.toggleCode(),
    (e) => e.isActive('code'),
  ),
  {
    name: 'link',
    i18nKey: 'editor.link',
    shortcut: null,
    group: 'inline',
    input: 'href',
    run: (editor, input) => setLink(editor, input ?? ''),
    canRun: (editor) => editor.isEditable && editor.can().chain().setLink({ href: 'https://example.org' }).run(),
    isActive: (editor) => editor.isActive('link'),
  },
  command(
    'paragraph',
    'block',
    'Mod-Alt-0',
    (c) => c.setParagraph(),
    (e) => e.isActive('paragraph'),
  ),
  command(
    'heading1',
    'block',
    'Mod-Alt-1',
    (c) => c.toggleHeading({ level: 1 }),
    (e) => e.isActive('heading', { level: 1 }),
  ),
  command(
    'heading2',
    'block',
    'Mod-Alt-2',
    (c) => c.toggleHeading({ level: 2 }),
    (e) => e.isActive('heading', { level: 2 }),
  ),
  command(
    'heading3',
    'block',
    'Mod-Alt-3',
    (c) => c.toggleHeading({ level: 3 }),
    (e) => e.isActive('heading', { level: 3 }),
  ),
  command(
    'bulletList',
    'list',
    'Mod-Shift-8',
    (c) => c.toggleBulletList(),
    (e) => e.isActive('bulletList'),
  ),
  command(
    'orderedList',
    'list',
    'Mod-Shift-7',
    (c) => c.toggleOrderedList(),
    (e) => e.isActive('orderedList'),
  ),
  command(
    'taskList',
    'list',
    'Mod-Shift-9',
    (c) => c.toggleTaskList(),
    (e) => e.isActive('taskList'),
  ),
  command(
    'blockquote',
    'block',
    'Mod-Shift-b',
    (c) => c.toggleBlockquote(),
    (e) => e.isActive('blockquote'),
  ),
  command(
    'codeBlock',
    'block',
    'Mod-Alt-c',
    (c) => c.toggleCodeBlock(),
    (e) => e.isActive('codeBlock'),
  ),
  command('horizontalRule', 'insert', null, (c) => c.setHorizontalRule()),
  command(
    'table',
    'insert',
    null,
    (c) => c.insertTable({ rows: 3, cols: 3, withHeaderRow: true }),
    (e) => e.isActive('table'),
  ),
];

export interface EditorStats {
  characters: number;
  words: number;
}

/**
 * The CharacterCount extension's counts (graphemes; words split by spaces, Hangul-aware), summed per
 * top-level block and remembered per block, so a status bar refreshed on every update recounts only
 * the blocks that changed.
 */
export function editorStats(editor: Editor): EditorStats {
  return countDocument(editor.state.doc);
}
