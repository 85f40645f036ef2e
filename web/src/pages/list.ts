/**
 * The document list: every document on this device, newest edit first, searchable by title (Hangul
 * included). A document whose record does not decrypt is still listed, explained, and deletable.
 */
import type { DocSummary } from '@dure/shared';
import type { AppContext, Page } from '../app';
import { h, mount, Disposer } from '../ui/dom';
import { icon } from '../ui/icons';
import { confirmDialog, promptDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { absoluteTime, relativeTime } from '../i18n/relative-time';
import { matchesTitle } from '../search';
import { MAX_TITLE_LENGTH, normalizeTitle } from '../title';
import { createImportControl } from './import';

/** How often "3 minutes ago" is refreshed while the list is on screen. */
const CLOCK_TICK_MS = 30_000;

export function renderListPage(ctx: AppContext): Page {
  const disposer = new Disposer();
  let docs: readonly DocSummary[] = [];
  let loaded = false;

  const search = h('input', {
    class: 'input search',
    testid: 'document-search',
    attrs: {
      type: 'search',
      id: 'doc-search',
      placeholder: t('list.searchPlaceholder'),
      'aria-label': t('list.search'),
    },
  });
  const newBtn = h(
    'button',
    { class: 'btn primary', testid: 'new-document', attrs: { type: 'button' }, on: { click: () => void createDoc() } },
    icon('plus', 18),
    h('span', { text: t('list.new') }),
  );
  const list = h('ul', { class: 'doc-list', testid: 'document-list', attrs: { 'aria-label': t('list.title') } });
  const status = h('div', { attrs: { role: 'status', 'aria-live': 'polite' } });
  const el = h(
    'section',
    { class: 'list-page', attrs: { 'aria-labelledby': 'list-heading' } },
    h(
      'div',
      { class: 'list-head' },
      h('h1', { text: t('list.title'), attrs: { id: 'list-heading' } }),
      newBtn,
      createImportControl(ctx),
      search,
    ),
    status,
    list,
  );
  list.setAttribute('aria-busy', 'true');

  async function createDoc(): Promise<void> {
    newBtn.disabled = true;
    const r = await ctx.core.createDoc();
    newBtn.disabled = false;
    if (!r.ok) {
      showError(r.error);
      return;
    }
    ctx.navigate({ name: 'doc', docId: r.value });
  }

  function showError(code: string): void {
    ctx.banners.show('list-error', {
      kind: 'error',
      text: t(code === 'quota' ? 'errors.quota' : code === 'locked' ? 'errors.locked' : 'errors.storage'),
      dismissLabel: t('common.dismiss'),
    });
  }

  async function rename(doc: DocSummary): Promise<void> {
    const title = await promptDialog({
      title: t('list.renameTitle'),
      confirmLabel: t('common.save'),
      testid: 'rename-dialog',
      input: { label: t('editor.titleLabel'), value: doc.title, placeholder: t('editor.untitled') },
      validate: (v) =>
        normalizeTitle(v).length > MAX_TITLE_LENGTH ? t('list.titleTooLong', { max: MAX_TITLE_LENGTH }) : undefined,
    });
    if (title === null) return;
    const r = await ctx.core.renameDoc(doc.docId, normalizeTitle(title));
    if (!r.ok) showError(r.error);
    await reload();
  }

  async function remove(doc: DocSummary): Promise<void> {
    const name = doc.problem ? t('list.unreadable') : doc.title || t('editor.untitled');
    const yes = await confirmDialog({
      title: t('list.deleteTitle', { title: name }),
      message: t('list.deleteBody'),
      confirmLabel: t('list.deleteConfirm'),
      danger: true,
      testid: 'delete-dialog',
    });
    if (!yes) return;
    const r = await ctx.deleteDoc(doc.docId);
    if (!r.ok) showError(r.error);
    await reload();
  }

  function item(doc: DocSummary): HTMLElement {
    const actions = h('div', { class: 'doc-actions' });
    if (!doc.problem) {
      actions.append(
        h('button', {
          class: 'btn small',
          text: t('list.rename'),
          testid: 'rename-document',
          attrs: { type: 'button', 'aria-label': t('list.renameNamed', { title: doc.title || t('editor.untitled') }) },
          on: { click: () => void rename(doc) },
        }),
      );
    }
    actions.append(
      h('button', {
        class: 'btn small danger',
        text: t('list.delete'),
        testid: 'delete-document',
        attrs: { type: 'button', 'aria-label': t('list.deleteNamed', { title: doc.title || t('editor.untitled') }) },
        on: { click: () => void remove(doc) },
      }),
    );
    if (doc.problem) {
      // The key may be fine and only the list's copy damaged: opening repairs that copy, and a
      // broken key gets a clear message on the editor page.
      actions.prepend(
        h('a', {
          class: 'btn small',
          text: t('list.tryOpen'),
          testid: 'open-document',
          attrs: { href: `#/d/${doc.docId}` },
        }),
      );
      return h(
        'li',
        {
          class: 'doc-item corrupt',
          testid: 'document-item',
          attrs: { 'data-doc-id': doc.docId, 'data-problem': doc.problem },
        },
        h(
          'div',
          { class: 'doc-open' },
          h('span', { class: 'doc-title', text: t('list.unreadable') }),
          h('span', { class: 'doc-meta', text: t('list.unreadableHint') }),
        ),
        actions,
      );
    }
    const time = h('time', {
      class: 'doc-time',
      text: t('list.edited', { when: relativeTime(doc.updatedAt) }),
      attrs: {
        datetime: new Date(doc.updatedAt).toISOString(),
        title: absoluteTime(doc.updatedAt),
        'data-ts': doc.updatedAt,
      },
    });
    return h(
      'li',
      { class: 'doc-item', testid: 'document-item', attrs: { 'data-doc-id': doc.docId } },
      h(
        'a',
        { class: 'doc-open', testid: 'open-document', attrs: { href: `#/d/${doc.docId}` } },
        h('span', { class: doc.title ? 'doc-title' : 'doc-title untitled', text: doc.title || t('editor.untitled') }),
        h(
          'span',
          { class: 'doc-meta' },
          time,
          doc.kind === 'view' ? h('span', { class: 'badge', text: t('list.viewOnly') }) : null,
        ),
      ),
      actions,
    );
  }

  function draw(): void {
    list.removeAttribute('aria-busy');
    const q = search.value;
    const shown = docs.filter((d) => d.problem !== undefined || matchesTitle(d.title || t('editor.untitled'), q));
    if (docs.length === 0) {
      mount(
        list,
        h(
          'li',
          { class: 'empty', testid: 'document-list-empty' },
          h('h2', { text: t('list.emptyTitle') }),
          h('p', { text: t('list.emptyBody') }),
        ),
      );
    } else if (shown.length === 0) {
      mount(list, h('li', { class: 'empty', testid: 'document-list-no-match', text: t('list.noMatch', { query: q }) }));
    } else {
      mount(list, ...shown.map(item));
    }
    status.textContent = loaded && q ? t('list.matchCount', { count: shown.length }) : '';
  }

  async function reload(): Promise<void> {
    const r = await ctx.core.listDocs();
    if (!r.ok) {
      showError(r.error);
      return;
    }
    docs = r.value;
    loaded = true;
    draw();
  }

  search.addEventListener('input', draw);
  const timer = setInterval(() => {
    for (const el of list.querySelectorAll<HTMLTimeElement>('time[data-ts]')) {
      el.textContent = t('list.edited', { when: relativeTime(Number(el.dataset.ts)) });
    }
  }, CLOCK_TICK_MS);
  disposer.add(() => clearInterval(timer));
  // Another tab may create, rename or delete documents: refresh when this tab comes back.
  disposer.listen(document, 'visibilitychange', () => {
    if (document.visibilityState === 'visible') void reload();
  });
  void reload();
  return { el, dispose: () => disposer.dispose() };
}
