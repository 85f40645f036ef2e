/**
 * The editor as the page sees it: extensions for a Y.Doc, the toolbar commands, statistics and the
 * schema check. This is the one file that knows how shared/src/editor is called.
 */
import type { Editor, Extensions } from '@tiptap/core';
import type * as Y from 'yjs';
import {
  checkSchema as sharedCheckSchema,
  createEditorExtensions,
  EDITOR_COMMANDS,
  editorStats as sharedEditorStats,
  safeHref,
  setLink as sharedSetLink,
  type EditorCommand,
  type SchemaCheck,
} from '@dure/shared/editor/index';
import type { ToolbarCommand } from './commands';

export interface KitOptions {
  readonly ydoc: Y.Doc;
  readonly placeholder: string;
  /** decrypted blob -> object URL for display */
  resolveBlob(blobId: string): Promise<string | undefined>;
  /** a pasted or dropped image file -> blobId */
  storeImage(file: File): Promise<string | undefined>;
  /** the document turned out (or became) newer than this build: the editor is read-only */
  onSchemaBlocked(found: number): void;
  /** holds remote changes while an IME composition is open (OpenedDoc.holdRemote) */
  holdRemote?: () => () => void;
}

export function createExtensions(opts: KitOptions): Extensions {
  return createEditorExtensions({
    ydoc: opts.ydoc,
    placeholder: opts.placeholder,
    resolveBlob: opts.resolveBlob,
    storeImage: opts.storeImage,
    onSchemaBlocked: (check) => opts.onSchemaBlocked(check.found),
    ...(opts.holdRemote ? { holdRemote: opts.holdRemote } : {}),
  });
}

export type { SchemaCheck };
export const checkSchema = (ydoc: Y.Doc): SchemaCheck => sharedCheckSchema(ydoc);

export const editorStats = (editor: Editor): { characters: number; words: number } => sharedEditorStats(editor);

/** Accepts what the shared setLink accepts: a safe href, or a bare domain that means https. */
export const isAcceptableLink = (raw: string): boolean => {
  const v = raw.trim();
  return (
    v === '' ||
    safeHref(v) !== null ||
    (/^[\p{L}\p{N}][\p{L}\p{N}.-]*\.[\p{L}]{2,}(\/|$)/u.test(v) && safeHref(`https://${v}`) !== null)
  );
};

export function setLink(editor: Editor, raw: string): boolean {
  return sharedSetLink(editor, raw);
}

export function currentLink(editor: Editor): string {
  const href: unknown = editor.getAttributes('link').href;
  return typeof href === 'string' ? href : '';
}

/** 'paragraph' is reached by toggling a heading off; the toolbar leaves it out to stay short. */
const HIDDEN = new Set(['paragraph']);

/**
 * The shared command list as toolbar buttons. A command that needs input (the link target) is
 * given `askInput`, which opens a dialog and runs the command with the answer.
 */
export function toolbarCommands(askInput: (cmd: EditorCommand, editor: Editor) => void): ToolbarCommand[] {
  return EDITOR_COMMANDS.filter((c) => !HIDDEN.has(c.name)).map((c) => ({
    name: c.name,
    labelKey: c.i18nKey,
    group: c.group,
    shortcut: c.shortcut ?? undefined,
    toggle: c.name !== 'undo' && c.name !== 'redo' && c.name !== 'horizontalRule' && c.name !== 'table',
    run: (e) => {
      if (c.input) {
        askInput(c, e);
        return true;
      }
      return c.run(e);
    },
    canRun: (e) => c.canRun(e),
    isActive: (e) => c.isActive(e),
  }));
}

type Chain = ReturnType<Editor['chain']>;
const tableCmd = (name: string, fn: (c: Chain) => Chain): ToolbarCommand => ({
  name,
  labelKey: `toolbar.${name}`,
  group: 'table',
  toggle: false,
  run: (e) => fn(e.chain().focus()).run(),
  canRun: (e) => e.isEditable && fn(e.can().chain()).run(),
  isActive: () => false,
});

/** Shown only while the caret is in a table. */
export const TABLE_COMMANDS: readonly ToolbarCommand[] = [
  tableCmd('addRowAfter', (c) => c.addRowAfter()),
  tableCmd('addColumnAfter', (c) => c.addColumnAfter()),
  tableCmd('deleteRow', (c) => c.deleteRow()),
  tableCmd('deleteColumn', (c) => c.deleteColumn()),
  tableCmd('deleteTable', (c) => c.deleteTable()),
];

/** Inserts a stored image blob at the selection. */
export function insertImage(editor: Editor, blobId: string, alt: string): boolean {
  return editor
    .chain()
    .focus()
    .insertContent({ type: 'image', attrs: { blobId, alt: alt.slice(0, 200) || null } })
    .run();
}

/** Every command with a keyboard shortcut, for the shortcut list. */
export function shortcutList(): { labelKey: string; shortcut: string }[] {
  return EDITOR_COMMANDS.flatMap((c) => (c.shortcut ? [{ labelKey: c.i18nKey, shortcut: c.shortcut }] : []));
}
