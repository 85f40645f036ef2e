/**
 * The editor page: title, toolbar, the ProseMirror surface, save state and counts for one document.
 * Closing the page flushes every pending edit before the document is let go.
 */
import { Editor } from '@tiptap/core';
import type { AppContext, Page } from '../app';
import type { CoreError, OpenedDoc } from '../core/types';
import { h, mount, Disposer } from '../ui/dom';
import { t } from '../i18n/i18n';
import { Toolbar } from '../editor/toolbar';
import { SyncStatus } from '../editor/sync-status';
import { BlobUrls } from '../editor/blob-urls';
import {
  createExtensions,
  checkSchema,
  editorStats,
  insertImage,
  setLink,
  TABLE_COMMANDS,
  toolbarCommands,
} from '../editor/kit';
import { getDocTitle, setDocTitle } from '../editor/doc-title';
import { promptLink } from '../editor/link-dialog';
import { pickAndInsertImage, storeImageFile } from '../editor/image-insert';
import { normalizeTitle, MAX_TITLE_LENGTH } from '../title';

/**
 * How long title keystrokes and edits are gathered before the list's copy (title, last edited) is
 * rewritten; closing the page or hiding the tab writes it at once.
 */
const META_DEBOUNCE_MS = 2000;
const TITLE_ORIGIN = Symbol('dure.title');

declare global {
  interface Window {
    /** Read-only debugging handle for tests and automation (see AUTOMATION.md). */
    __dure?: { readonly editor: Editor; readonly ydoc: OpenedDoc['ydoc']; readonly docId: string };
  }
}

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

  function build(doc: OpenedDoc): void {
    const ydoc = doc.ydoc;
    const blobUrls = new BlobUrls(async (id) => {
      const b = await doc.getBlob(id);
      return b.ok ? b.value : undefined;
    });
    disposer.add(() => blobUrls.revokeAll());

    const schema = checkSchema(ydoc);
    const schemaText = (found: number): string =>
      Number.isFinite(found) ? t('editor.newerSchema', { found }) : t('editor.invalidSchema');
    const readOnlyReason = !schema.ok
      ? schemaText(schema.found)
      : doc.kind === 'view'
        ? t('editor.viewOnly')
        : undefined;
    const readOnlyNote = h('p', {
      class: 'readonly-note',
      testid: 'readonly-notice',
      attrs: { role: 'note' },
      text: readOnlyReason ?? '',
    });
    readOnlyNote.hidden = readOnlyReason === undefined;

    // Title
    const title = h('input', {
      class: 'title-input',
      testid: 'document-title',
      attrs: {
        type: 'text',
        maxlength: MAX_TITLE_LENGTH,
        placeholder: t('editor.untitled'),
        'aria-label': t('editor.titleLabel'),
        autocomplete: 'off',
      },
    });
    title.value = getDocTitle(ydoc);
    title.readOnly = readOnlyReason !== undefined;
    const surface = h('div', { class: 'editor-surface', testid: 'editor' });
    const onImageError = (code: string): void =>
      ctx.banners.show('image', { kind: 'error', text: t(`image.${code}`), dismissLabel: t('common.dismiss') });
    const editor = new Editor({
      element: surface,
      // TipTap's injected <style> would violate the CSP; its rules are in styles.css.
      injectCSS: false,
      editable: readOnlyReason === undefined,
      extensions: createExtensions({
        ydoc,
        placeholder: t('editor.placeholder'),
        resolveBlob: (id) => blobUrls.resolve(id),
        storeImage: (file) => storeImageFile(doc, file, onImageError),
        onSchemaBlocked: (found) => {
          // Also when another tab or device raised the version while the document was open.
          readOnlyNote.textContent = schemaText(found);
          readOnlyNote.hidden = false;
          title.readOnly = true;
        },
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
    window.__dure = Object.freeze({ editor, ydoc, docId });
    disposer.add(() => {
      if (window.__dure?.editor === editor) delete window.__dure;
    });

    let metaTimer: ReturnType<typeof setTimeout> | undefined;
    let metaDirty: { title?: string; updatedAt?: number } = {};
    const flushMeta = (): Promise<void> => {
      if (metaTimer !== undefined) clearTimeout(metaTimer);
      metaTimer = undefined;
      const m = metaDirty;
      metaDirty = {};
      return m.title === undefined && m.updatedAt === undefined ? Promise.resolve() : doc.setMeta(m);
    };
    const markMeta = (m: { title?: string; updatedAt?: number }): void => {
      metaDirty = { ...metaDirty, ...m };
      if (metaTimer === undefined) metaTimer = setTimeout(() => void flushMeta(), META_DEBOUNCE_MS);
    };
    title.addEventListener('input', () => {
      const v = normalizeTitle(title.value);
      setDocTitle(ydoc, v, TITLE_ORIGIN);
      markMeta({ title: v, updatedAt: Date.now() });
    });
    title.addEventListener('keydown', (e) => {
      // isComposing: Enter that commits a Hangul syllable must not jump into the text.
      if (e.key === 'Enter' && !e.isComposing) {
        e.preventDefault();
        editor.commands.focus('start');
      }
    });
    const metaMap = ydoc.getMap('meta');
    const onMeta = (_e: unknown, tr: { origin: unknown }): void => {
      if (tr.origin === TITLE_ORIGIN) return;
      // Another tab renamed the document; never rewrite the field under the user's caret.
      if (document.activeElement !== title) title.value = getDocTitle(ydoc);
    };
    metaMap.observe(onMeta);
    disposer.add(() => metaMap.unobserve(onMeta));
    // A document added from a link gets its list title once its content is here. An empty title is
    // never copied over: the records holding it may just have been quarantined.
    if (getDocTitle(ydoc) !== '') void doc.setMeta({ title: getDocTitle(ydoc) });

    // Save state
    const status = new SyncStatus();
    disposer.add(
      doc.on('local-change', () => {
        status.set('saving');
        markMeta({ updatedAt: Date.now() });
      }),
    );
    disposer.add(
      doc.on('saved', () => {
        status.set('saved');
        ctx.banners.hide('quota');
      }),
    );
    disposer.add(
      doc.on('error', (code) => {
        status.set('error');
        ctx.banners.show('quota', {
          kind: 'error',
          testid: 'storage-error',
          text: t(code === 'quota' ? 'errors.quotaEditing' : 'errors.storageEditing'),
        });
      }),
    );
    if (doc.problems.length > 0) {
      ctx.banners.show('quarantine', {
        kind: 'warn',
        testid: 'quarantine-notice',
        text: t('editor.quarantined', { count: doc.problems.length }),
        dismissLabel: t('common.dismiss'),
      });
      disposer.add(() => ctx.banners.hide('quarantine'));
    }

    // Toolbar and counts
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
    const chars = h('span', { testid: 'char-count' });
    const words = h('span', { testid: 'word-count' });
    let countFrame = 0;
    const updateCounts = (): void => {
      countFrame = 0;
      const s = editorStats(editor);
      chars.textContent = t('editor.characters', { count: s.characters.toLocaleString() });
      words.textContent = t('editor.words', { count: s.words.toLocaleString() });
      chars.dataset.count = String(s.characters);
      words.dataset.count = String(s.words);
    };
    updateCounts();
    editor.on('update', () => {
      if (countFrame === 0) countFrame = requestAnimationFrame(updateCounts);
    });
    editor.on('transaction', () => toolbar.update());
    disposer.add(() => cancelAnimationFrame(countFrame));

    // Edits are already coalesced into storage within a fraction of a second; on the way out, do not wait.
    const flushNow = (): void => {
      void doc.flush().catch(() => undefined);
      void flushMeta().catch(() => undefined);
    };
    disposer.listen(window, 'pagehide', flushNow);
    disposer.listen(document, 'visibilitychange', () => {
      if (document.visibilityState === 'hidden') flushNow();
    });
    flushMetaOnClose = flushMeta;

    mount(
      el,
      h('div', { class: 'doc-head' }, title, status.el),
      readOnlyNote,
      toolbar.el,
      surface,
      h('footer', { class: 'editor-foot', attrs: { 'aria-label': t('editor.statsLabel') } }, chars, words),
    );
    if (readOnlyReason === undefined && editor.isEditable) {
      if (title.value === '') title.focus();
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
