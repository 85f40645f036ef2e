/**
 * The share dialog (edit and view links, each with a QR code, and how this person appears to others)
 * and the who-is-here list beside the title. A link is this page's address with the capability in the
 * fragment, which no request carries.
 */
import type { OpenedDoc } from '../core/types';
import type { PeerRoute, PeerView, SyncView } from '../sync/doc-sync';
import { t } from '../i18n/i18n';
import { infoDialog } from '../ui/dialogs';
import { h } from '../ui/dom';
import { qrSvg } from './qr';
import { createIdentityFields } from './identity-fields';

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
  const qr = h('figure', { class: 'share-qr', testid: `${testid}-qr` });
  qr.append(qrSvg(url, t('share.qrLabel', { link: label })));
  return h('div', { class: 'share-row' }, h('p', { text: label }), h('div', { class: 'share-field' }, input, copy), qr);
}

export function createShareButton(doc: Pick<OpenedDoc, 'fragments' | 'sync'>): HTMLElement {
  return h('button', {
    class: 'btn small',
    text: t('share.button'),
    testid: 'share-document',
    attrs: { type: 'button' },
    on: {
      click: () => {
        const rows: HTMLElement[] = [];
        // A view-link holder has no edit link to pass on: the dialog offers only what it holds.
        if (doc.fragments.edit)
          rows.push(linkRow(t('share.editLabel'), 'share-edit-link', linkFor(doc.fragments.edit)));
        rows.push(linkRow(t('share.viewLabel'), 'share-view-link', linkFor(doc.fragments.view)));
        const body = h(
          'div',
          { class: 'share-body' },
          h('p', { class: 'share-key-note', testid: 'share-key-note', text: t('share.linkIsKey') }),
          ...rows,
          h('p', { class: 'share-note', text: t('share.secretNote') }),
          h('p', {
            class: 'share-note',
            text: t(doc.sync.role === 'off' ? 'share.syncNoteOff' : 'share.syncNote'),
          }),
          h('h3', { text: t('share.youTitle') }),
          createIdentityFields('share-user', (u) => doc.sync.setUser(u)),
        );
        void infoDialog({ title: t('share.title'), testid: 'share-dialog', body });
      },
    },
  });
}

/** "directly", "via relay.example.org", or both: how this device hears from that person. */
function routeText(via: PeerRoute): string {
  const parts = via.direct ? [t('peers.direct')] : [];
  if (via.relays.length > 0) parts.push(t('peers.via', { hosts: via.relays.join(', ') }));
  return parts.length > 0 ? parts.join(' · ') : t('peers.unreachable');
}

function peerItem(p: PeerView): HTMLElement {
  const dot = h('span', { class: 'peer-dot', attrs: { 'aria-hidden': 'true' } });
  // A style property through the CSSOM (a style attribute would need 'unsafe-inline' in the CSP).
  dot.style.backgroundColor = p.color;
  const li = h(
    'li',
    {
      class: p.self ? 'peer self' : 'peer',
      testid: 'peer',
      attrs: { 'data-self': String(p.self), 'data-color': p.color },
    },
    dot,
    h('span', { class: 'peer-name', text: p.name }),
    p.self && h('span', { class: 'peer-you', text: t('peers.you') }),
    p.via && h('span', { class: 'peer-via', testid: 'peer-via', text: routeText(p.via) }),
  );
  if (p.via) {
    li.dataset.direct = String(p.via.direct);
    li.dataset.relays = p.via.relays.join(' ');
  }
  return li;
}

/** Who is here, live: this person first (marked "you"), then everyone the session's presence knows. */
export function createPeerList(sync: Pick<SyncView, 'peers' | 'on'>): { el: HTMLElement; dispose(): void } {
  const el = h('ul', { class: 'peer-list', testid: 'peer-list', attrs: { 'aria-label': t('peers.label') } });
  const render = (peers: readonly PeerView[]): void => {
    el.replaceChildren(...peers.map(peerItem));
    el.dataset.count = String(peers.length);
  };
  render(sync.peers);
  return { el, dispose: sync.on('peers', render) };
}
