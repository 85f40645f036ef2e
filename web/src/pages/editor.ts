/**
 * The editor page: title, toolbar, the ProseMirror surface, save state and counts for one document.
 * Closing the page flushes every pending edit before the document is let go.
 */
import { createPeerList, createShareButton } from '../editor/share';
import { Editor } from '@tiptap/core';
import type { AppContext, Page } from '../app';
import type { CoreError, OpenedDoc } from '../core/types';
import { h, mount, Disposer } from '../ui/dom';
import { t } from '../i18n/i18n';
import { Toolbar } from '../editor/toolbar';
import { BlobUrls } from '../editor/blob-urls';
import { createExtensions, checkSchema, insertImage, setLink, TABLE_COMMANDS, toolbarCommands } from '../editor/kit';
import { getDocTitle } from '../editor/doc-title';
import { MetaSync } from '../editor/meta-sync';
import { createTitleField } from '../editor/title-field';
import { createCounts } from '../editor/counts';
import { trackSaveState } from '../editor/save-state';
import { createDocActions } from '../editor/doc-actions';
import { setOpenDoc } from '../desktop/open-doc';
import { promptLink } from '../editor/link-dialog';
import { pickAndInsertImage, storeImageFile } from '../editor/image-insert';
import { attachCarets } from '../editor/carets';
import { currentUser, onUserChange } from '../sync/user';

declare global {
  interface Window {
    /** Read-only debugging handle for tests and automation (see AUTOMATION.md). */
    __dure?: {
      readonly editor: Editor;
      readonly ydoc: OpenedDoc['ydoc'];
      readonly docId: string;
      /** the document's SyncView: role, status, peers, awareness (read it; see AUTOMATION.md) */
      readonly sync: OpenedDoc['sync'];
    };
  }
}

const schemaText = (found: number): string =>
  Number.isFinite(found) ? t('editor.newerSchema', { found }) : t('editor.invalidSchema');

function openErrorText(e: CoreError): string {
  switch (e) {
    case 'missing':
      return t('editor.openMissing');
    case 'corrupt':
      return t('editor.openCorrupt');
    case 'locked':
      return t('errors.locked');
    case 'quota':
      return t('errors.quota');
    default:
      return t('editor.openFailed');
  }
}

export function renderEditorPage(ctx: AppContext, docId: string): Page {
  const disposer = new Disposer();
  const el = h(
    'section',
    { class: 'editor-page', attrs: { 'aria-label': t('editor.region'), 'aria-busy': 'true' } },
    h('p', { class: 'hint', text: t('editor.opening') }),
  );
  let closed = false;
  let opened: OpenedDoc | undefined;
  /** Writes the list's copy of title and time; awaited on close so the list never shows stale data. */
  let flushMetaOnClose: () => Promise<void> = () => Promise.resolve();

  async function open(): Promise<void> {
    const r = await ctx.core.openDoc(docId);
    if (closed) {
      if (r.ok) await r.value.close();
      return;
    }
    el.removeAttribute('aria-busy');
    if (!r.ok) {
      mount(
        el,
        h(
          'div',
          { class: 'card', testid: 'document-error', attrs: { role: 'alert', 'data-error': r.error } },
          h('h1', { text: t('editor.openErrorTitle') }),
          h('p', { text: openErrorText(r.error) }),
          h('a', { class: 'btn', text: t('notFound.back'), attrs: { href: '#/' } }),
        ),
      );
      return;
    }
    opened = r.value;
    build(opened);
  }

  /**
   * A remote update that decoded still failed to apply: the Y.Doc may be half-changed, so it is
   * dropped and the document opened again from this device's storage (every acknowledged and
   * local edit is there); the session restarts with it.
   */
  let reopening = false;
  /** `notice` false: reopened to start syncing (a relay was chosen), not after a failure. */
  async function reopen(notice = true): Promise<void> {
    if (reopening || closed) return;
    reopening = true;
    disposer.dispose();
    const doc = opened;
    opened = undefined;
    await flushMetaOnClose().catch(() => undefined);
    if (doc) await doc.close().catch((e: unknown) => console.error('closing the document failed', e));
    if (notice)
      ctx.banners.show('reloaded', {
        kind: 'warn',
        testid: 'document-reloaded',
        text: t('editor.reloaded'),
        dismissLabel: t('common.dismiss'),
      });
    mount(el, h('p', { class: 'hint', text: t('editor.opening') }));
    reopening = false;
    await open();
  }

  function readOnlyReasonOf(doc: OpenedDoc): string | undefined {
    const schema = checkSchema(doc.ydoc);
    if (!schema.ok) return schemaText(schema.found);
    return doc.kind === 'view' ? t('editor.viewOnly') : undefined;
  }

  function createEditor(doc: OpenedDoc, surface: HTMLElement, onSchemaBlocked: (found: number) => void): Editor {
    const blobUrls = new BlobUrls(async (id) => {
      const b = await doc.getBlob(id);
      return b.ok ? b.value : undefined;
    });
    disposer.add(() => blobUrls.revokeAll());
    const editor = new Editor({
      element: surface,
      // TipTap's injected <style> would violate the CSP; its rules are in styles.css.
      injectCSS: false,
      editable: readOnlyReasonOf(doc) === undefined,
      extensions: createExtensions({
        ydoc: doc.ydoc,
        placeholder: t('editor.placeholder'),
        resolveBlob: (id) => blobUrls.resolve(id),
        storeImage: (file) => storeImageFile(doc, file, onImageError),
        onSchemaBlocked,
        holdRemote: () => doc.holdRemote(),
      }),
      editorProps: {
        attributes: {
          'aria-label': t('editor.contentLabel'),
          'aria-multiline': 'true',
          role: 'textbox',
          spellcheck: 'true',
        },
      },
    });
    disposer.add(() => editor.destroy());
    window.__dure = Object.freeze({ editor, ydoc: doc.ydoc, docId, sync: doc.sync });
    disposer.add(setOpenDoc({ docId, ydoc: doc.ydoc }));
    disposer.add(() => {
      if (window.__dure?.editor === editor) delete window.__dure;
    });
    return editor;
  }

  function onImageError(code: string): void {
    ctx.banners.show('image', { kind: 'error', text: t(`image.${code}`), dismissLabel: t('common.dismiss') });
  }

  function build(doc: OpenedDoc): void {
    const readOnlyReason = readOnlyReasonOf(doc);
    const readOnlyNote = h('p', {
      class: 'readonly-note',
      testid: 'readonly-notice',
      attrs: { role: 'note' },
      text: readOnlyReason ?? '',
    });
    readOnlyNote.hidden = readOnlyReason === undefined;
    const meta = new MetaSync(doc);
    flushMetaOnClose = () => meta.flush();
    const surface = h('div', { class: 'editor-surface', testid: 'editor' });
    const title = createTitleField(doc.ydoc, {
      readOnly: readOnlyReason !== undefined,
      onChange: (v) => meta.mark({ title: v, updatedAt: Date.now() }),
      onEnter: () => editor.commands.focus('start'),
    });
    disposer.add(() => title.dispose());
    const editor = createEditor(doc, surface, (found) => {
      // Also when another tab or device raised the version while the document was open.
      readOnlyNote.textContent = schemaText(found);
      readOnlyNote.hidden = false;
      title.el.readOnly = true;
    });
    // A document added from a link gets its list title once its content is here. An empty title is
    // never copied over: the records holding it may just have been quarantined.
    if (getDocTitle(doc.ydoc) !== '') doc.setMeta({ title: getDocTitle(doc.ydoc) }).catch(() => undefined);
    // A collaborator (or another tab) renamed it: the list's copy follows, like a rename made here.
    const metaMap = doc.ydoc.getMap('meta');
    const onRemoteMeta = (_e: unknown, tr: { local: boolean }): void => {
      if (!tr.local) meta.mark({ title: getDocTitle(doc.ydoc) });
    };
    metaMap.observe(onRemoteMeta);
    disposer.add(() => metaMap.unobserve(onRemoteMeta));
    const status = trackSaveState(doc, ctx.banners, disposer, () => meta.mark({ updatedAt: Date.now() }));
    disposer.add(attachCarets(editor, doc.sync));
    disposer.add(onUserChange((u) => doc.sync.setUser(u)));
    disposer.add(doc.sync.on('reload-needed', () => void reopen()));
    disposer.add(doc.sync.on('reopen-needed', () => void reopen(false)));
    const peers = createPeerList(doc.sync);
    disposer.add(peers.dispose);
    const viewOnly = h('span', {
      class: 'view-only-badge',
      testid: 'view-only',
      text: t('editor.viewOnlyBadge'),
      attrs: { title: t('editor.viewOnly') },
    });
    viewOnly.hidden = doc.kind !== 'view';
    const toolbar = new Toolbar(
      editor,
      toolbarCommands((cmd, e) => void promptLink(e, (href) => cmd.run(e, href) || setLink(e, href))),
      [
        {
          name: 'image',
          labelKey: 'toolbar.image',
          group: 'insert',
          run: () => pickAndInsertImage(editor, doc, onImageError, insertImage),
        },
      ],
      TABLE_COMMANDS,
    );
    editor.on('transaction', () => toolbar.update());
    const counts = createCounts(editor);
    disposer.add(() => counts.dispose());
    // Edits are already coalesced into storage within a fraction of a second; on the way out, do not wait.
    const flushNow = (): void => {
      void doc.flush().catch(() => undefined);
      void meta.flush().catch(() => undefined);
    };
    disposer.listen(window, 'pagehide', () => {
      flushNow();
      doc.sync.leave();
    });
    // Back from the back/forward cache: present again.
    disposer.listen(window, 'pageshow', (e) => {
      if (e.persisted) doc.sync.setUser(currentUser());
    });
    disposer.listen(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') flushNow();
    });
    mount(
      el,
      h(
        'div',
        { class: 'doc-head' },
        title.el,
        viewOnly,
        status.el,
        status.details,
        peers.el,
        createShareButton(doc),
        createDocActions(editor, doc.ydoc, ctx.banners),
      ),
      readOnlyNote,
      // A viewer has nothing to format: the toolbar is not shown at all.
      doc.kind === 'view' ? null : toolbar.el,
      surface,
      counts.el,
    );
    if (readOnlyReason === undefined && editor.isEditable) {
      if (title.el.value === '') title.el.focus();
      else editor.commands.focus('start');
    }
  }

  void open();
  return {
    el,
    dispose: async () => {
      closed = true;
      disposer.dispose();
      const doc = opened;
      opened = undefined;
      await flushMetaOnClose().catch((e: unknown) => console.error('saving the title for the list failed', e));
      if (doc) await doc.close();
    },
  };
}
