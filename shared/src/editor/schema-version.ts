/**
 * Schema version of a document, stored inside the Y.Doc.
 *
 * y-prosemirror silently deletes, in the shared Y.Doc, every node its schema cannot build, and strips
 * every attribute it does not know as soon as the view updates. An older Dure that opened a document
 * written by a newer one would therefore destroy the newer content for everybody. So a document
 * whose version is higher than SCHEMA_VERSION is shown read-only from a private copy of the Y.Doc,
 * and the shared Y.Doc is never written (see `createEditorExtensions`).
 *
 * The version is written on the first local edit, never on open: opening a document changes no byte.
 */
import { Extension } from '@tiptap/core';
import { isChangeOrigin } from '@tiptap/extension-collaboration';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { ySyncPluginKey, yUndoPluginKey } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

export const SCHEMA_VERSION = 1;
/** Shared with the document title and other document-level fields: only our key is ever written. */
export const META_MAP = 'meta';
export const SCHEMA_VERSION_KEY = 'schemaVersion';
/** Origin of the Yjs transaction that stamps the version (a local change: persist and sync it). */
export const SCHEMA_VERSION_ORIGIN = 'dure:schema-version';

export type SchemaCheck =
  | { readonly ok: true }
  /** `invalid-schema`: the stored value is not a positive integer (found is NaN); treated like newer. */
  | { readonly ok: false; readonly error: 'newer-schema' | 'invalid-schema'; readonly found: number };

/** The stored version: undefined for a document no Dure has edited yet. */
export function readSchemaVersion(ydoc: Y.Doc): unknown {
  return ydoc.getMap(META_MAP).get(SCHEMA_VERSION_KEY);
}

export function checkSchemaVersion(stored: unknown): SchemaCheck {
  if (stored === undefined) return { ok: true };
  if (typeof stored !== 'number' || !Number.isInteger(stored) || stored < 1) {
    return { ok: false, error: 'invalid-schema', found: Number.NaN };
  }
  if (stored > SCHEMA_VERSION) return { ok: false, error: 'newer-schema', found: stored };
  return { ok: true };
}

/** Whether this build may edit the document. Reads only. */
export function checkSchema(ydoc: Y.Doc): SchemaCheck {
  return checkSchemaVersion(readSchemaVersion(ydoc));
}

/** Writes SCHEMA_VERSION unless the document already has it (or a newer one). */
export function stampSchemaVersion(ydoc: Y.Doc): boolean {
  const stored = readSchemaVersion(ydoc);
  if (stored === SCHEMA_VERSION || !checkSchemaVersion(stored).ok) return false;
  // a lower version would be migrated here first once SCHEMA_VERSION > 1
  ydoc.transact(() => ydoc.getMap(META_MAP).set(SCHEMA_VERSION_KEY, SCHEMA_VERSION), SCHEMA_VERSION_ORIGIN);
  return true;
}

export interface SchemaVersionGuardOptions {
  /** The shared document (not the read-only copy the editor may be bound to). */
  ydoc: Y.Doc | null;
  /** Called once when the document is, or becomes, newer than this build. */
  onBlocked: ((check: Extract<SchemaCheck, { ok: false }>) => void) | undefined;
}

interface FreezableBinding {
  mux: (fn: () => void, elseFn?: () => void) => void;
}

const guardKey = new PluginKey('dureSchemaVersionGuard');

/**
 * Keeps a document of a newer schema read-only and stamps the version on the first local edit.
 *
 * When a remote update raises the version while the document is open, the binding is frozen before
 * Yjs runs the observers of that same transaction, so y-prosemirror never sees (and never deletes)
 * nodes it does not know. The app is told through `onBlocked` and should reopen the document, which
 * then shows the new content read-only.
 */
export const SchemaVersionGuard = Extension.create<
  SchemaVersionGuardOptions,
  { blocked: boolean; cleanup: (() => void) | null }
>({
  name: 'dureSchemaVersionGuard',

  addOptions() {
    return { ydoc: null, onBlocked: undefined };
  },

  addStorage() {
    return { blocked: false, cleanup: null };
  },

  onBeforeCreate() {
    const ydoc = this.options.ydoc;
    if (!ydoc) throw new Error('SchemaVersionGuard needs the document (options.ydoc)');
    // decided before the view exists, so a newer document is never editable, not even for a moment
    this.storage.blocked = !checkSchema(ydoc).ok;
  },

  onCreate() {
    const { ydoc, onBlocked } = this.options;
    if (!ydoc) return;
    const editor = this.editor;
    const storage = this.storage;
    const block = (check: Extract<SchemaCheck, { ok: false }>, freeze: boolean) => {
      storage.blocked = true;
      if (freeze) {
        const binding = ySyncPluginKey.getState(editor.state)?.binding as FreezableBinding | undefined;
        // the mutex is how both directions of the binding run; a no-op mutex stops both
        if (binding) binding.mux = () => {};
      }
      const um = yUndoPluginKey.getState(editor.state)?.undoManager as Y.UndoManager | undefined;
      um?.clear();
      // re-evaluate `editable`: a meta change is not a ProseMirror transaction
      if (!editor.isDestroyed) editor.view.dispatch(editor.state.tr.setMeta(guardKey, 'blocked'));
      // not from inside a Yjs transaction: the app will typically destroy this editor and reopen
      if (onBlocked) queueMicrotask(() => onBlocked(check));
    };
    const initial = checkSchema(ydoc);
    if (!initial.ok) {
      block(initial, false);
      return;
    }
    let frozen = false;
    const meta = ydoc.getMap(META_MAP);
    const beforeObservers = (tr: Y.Transaction) => {
      if (
        !tr.changed.get(meta as unknown as Y.AbstractType<Y.YEvent<Y.AbstractType<unknown>>>)?.has(SCHEMA_VERSION_KEY)
      )
        return;
      const check = checkSchema(ydoc);
      if (check.ok || frozen) return;
      frozen = true;
      block(check, true);
    };
    ydoc.on('beforeObserverCalls', beforeObservers);
    storage.cleanup = () => ydoc.off('beforeObserverCalls', beforeObservers);
  },

  onDestroy() {
    this.storage.cleanup?.();
    this.storage.cleanup = null;
  },

  addProseMirrorPlugins() {
    const storage = this.storage;
    const ydoc = this.options.ydoc;
    return [
      new Plugin({
        key: guardKey,
        props: {
          editable: () => !storage.blocked,
        },
        filterTransaction: (tr) => !(storage.blocked && tr.docChanged && !isChangeOrigin(tr)),
        appendTransaction: (trs) => {
          if (!ydoc || storage.blocked) return null;
          if (trs.some((tr) => tr.docChanged && !isChangeOrigin(tr))) stampSchemaVersion(ydoc);
          return null;
        },
      }),
    ];
  },
});
