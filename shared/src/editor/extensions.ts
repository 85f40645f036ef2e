/**
 * The editor's extension set: one schema for the web app, the desktop app and tools.
 */
import type { Extensions } from '@tiptap/core';
import { Extension } from '@tiptap/core';
import Collaboration from '@tiptap/extension-collaboration';
import Link from '@tiptap/extension-link';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { CharacterCount, Placeholder } from '@tiptap/extensions';
import StarterKit from '@tiptap/starter-kit';
import * as Y from 'yjs';
import { CompositionGate, type HoldRemote } from './composition';
import { DureImage, ImageUpload, type ResolveBlob, type StoreImage } from './image';
import { InertRendering } from './inert';
import { localOnlyAppend } from './local-only';
import { PasteCleanup } from './paste';
import { safeHref } from './safe-href';
import { checkSchema, SchemaVersionGuard, type SchemaCheck } from './schema-version';
import { safeTableExtensions } from './table';
import { countCharacters, countWords } from './words';

/** The Y.XmlFragment of the Y.Doc that holds the document body. */
export const DOCUMENT_FRAGMENT = 'default';
/** Origin of updates copied into the read-only mirror of a newer-schema document. */
export const MIRROR_ORIGIN = 'dure:read-only-mirror';

export interface EditorExtensionOptions {
  /** The document. Load it from storage BEFORE creating the editor, so its schema version is known. */
  ydoc: Y.Doc;
  /** Object URL (blob:) of a decrypted image blob of this document, or undefined if unavailable. */
  resolveBlob?: ResolveBlob;
  /** Stores a pasted or dropped image file as a blob; resolves to its blob id. Without it, image files are not accepted. */
  storeImage?: StoreImage;
  /** Text shown in an empty document. */
  placeholder?: string;
  /**
   * The document was written by a newer Dure: the editor is read-only. Called after creation when the
   * document was newer from the start, or when an update raised the version while it was open (then
   * reopen the document: the view is frozen at the last content it could show safely).
   */
  onSchemaBlocked?: (check: Extract<SchemaCheck, { ok: false }>) => void;
  /**
   * Holds remote updates back from the Y.Doc while an IME composition is open (composition.ts; the web
   * app combines the sync session's and LocalDoc's holdRemote). Without it only Enter/Tab mid-composition is fixed.
   */
  holdRemote?: HoldRemote;
}

/**
 * A newer document is shown from a private copy that follows the shared Y.Doc one way. The binding
 * may then delete, in the copy, what this schema cannot show; the shared document keeps every byte.
 */
function readOnlyMirror(ydoc: Y.Doc): { doc: Y.Doc; extension: Extension } {
  const mirror = new Y.Doc();
  Y.applyUpdate(mirror, Y.encodeStateAsUpdate(ydoc), MIRROR_ORIGIN);
  const forward = (update: Uint8Array) => Y.applyUpdate(mirror, update, MIRROR_ORIGIN);
  ydoc.on('update', forward);
  const extension = Extension.create({
    name: 'dureReadOnlyMirror',
    onDestroy() {
      ydoc.off('update', forward);
      mirror.destroy();
    },
  });
  return { doc: mirror, extension };
}

/** Typed text that becomes a link: TipTap's default rule (a dotted host, not a bare IP) plus our schemes. */
function shouldAutoLink(url: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return safeHref(url) !== null;
  const host = (url.includes('@') ? (url.split('@').pop() ?? '') : url).split(/[/?#:]/)[0] ?? '';
  return host.includes('.') && !/^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

/** Autolink acts on what this user types, never on remote changes (see local-only.ts). */
const LocalAutolink = Link.extend({
  addProseMirrorPlugins() {
    return (this.parent?.() ?? []).map(localOnlyAppend);
  },
});

export function createEditorExtensions(opts: EditorExtensionOptions): Extensions {
  const newer = !checkSchema(opts.ydoc).ok;
  const mirror = newer ? readOnlyMirror(opts.ydoc) : null;
  const extensions: Extensions = [
    StarterKit.configure({
      // undo/redo go through Yjs (Collaboration): only one's own edits are undone
      undoRedo: false,
      // it appends a paragraph on open after a trailing table or heading: opening would write, and
      // every client would add its own (tiptap#3729). Gapcursor lets the caret get past such nodes.
      trailingNode: false,
      heading: { levels: [1, 2, 3, 4] },
      link: false,
    }),
    LocalAutolink.configure({
      openOnClick: false,
      autolink: true,
      linkOnPaste: true,
      defaultProtocol: 'https',
      protocols: [],
      isAllowedUri: (url) => safeHref(url) !== null,
      shouldAutoLink,
      HTMLAttributes: { rel: 'noopener noreferrer nofollow', target: '_blank', class: null },
    }),
    Collaboration.configure({ document: mirror ? mirror.doc : opts.ydoc, field: DOCUMENT_FRAGMENT }),
    TaskList,
    TaskItem.configure({ nested: true }),
    ...safeTableExtensions(),
    DureImage.configure({ resolveBlob: opts.resolveBlob }),
    ImageUpload.configure({ storeImage: opts.storeImage }),
    Placeholder.configure({ placeholder: opts.placeholder ?? '' }),
    CharacterCount.configure({ textCounter: countCharacters, wordCounter: countWords }),
    InertRendering,
    PasteCleanup,
    SchemaVersionGuard.configure({ ydoc: opts.ydoc, onBlocked: opts.onSchemaBlocked }),
    CompositionGate.configure({ hold: opts.holdRemote ?? null }),
  ];
  if (mirror) extensions.push(mirror.extension);
  return extensions;
}
