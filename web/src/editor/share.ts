/**
 * The share dialog (edit and view links) and the who-is-here list beside the title.
 * A link is this page's address with the capability in the fragment, which no request carries.
 */
import type { OpenedDoc } from '../core/types';
import { t } from '../i18n/i18n';
import { infoDialog } from '../ui/dialogs';
import { h } from '../ui/dom';

const linkFor = (fragment: string): string => `${location.origin}${location.pathname}#${fragment}`;

function linkRow(label: string, testid: string, url: string): HTMLElement {
  const input = h('input', {
    class: 'share-link',
    testid,
    attrs: { type: 'text', readonly: '', value: url, 'aria-label': label, spellcheck: 'false' },
  }) as HTMLInputElement;
  input.addEventListener('focus', () => input.select());
  const copy = h('button', { class: 'btn small', text: t('share.copy'), attrs: { type: 'button' } });
  copy.addEventListener('click', () => {
    input.select();
    void navigator.clipboard?.writeText(url).then(
      () => (copy.textContent = t('share.copied')),
      () => undefined,
    );
  });
  return h('div', { class: 'share-row' }, h('p', { text: label }), h('div', { class: 'share-field' }, input, copy));
}

export function createShareButton(doc: Pick<OpenedDoc, 'fragments'>): HTMLElement {
  return h('button', {
    class: 'btn small',
    text: t('share.button'),
    testid: 'share-document',
    attrs: { type: 'button' },
    on: {
      click: () => {
        const rows: HTMLElement[] = [];
        if (doc.fragments.edit)
          rows.push(linkRow(t('share.editLabel'), 'share-edit-link', linkFor(doc.fragments.edit)));
        rows.push(linkRow(t('share.viewLabel'), 'share-view-link', linkFor(doc.fragments.view)));
        const body = h(
          'div',
          { class: 'share-body' },
          ...rows,
          h('p', { class: 'share-note', text: t('share.secretNote') }),
          h('p', { class: 'share-note', text: t('share.syncNote') }),
        );
        void infoDialog({ title: t('share.title'), testid: 'share-dialog', body });
      },
    },
  });
}

/** No transport exists yet (relays and peers come with sync), so the list holds this device alone. */
export function createPeerList(): HTMLElement {
  return h(
    'ul',
    { class: 'peer-list', testid: 'peer-list', attrs: { 'aria-label': t('peers.label') } },
    h('li', { class: 'peer self', text: t('peers.onlyYou') }),
  );
}
