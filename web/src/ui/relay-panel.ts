/**
 * The relays part of the sync details: each relay the document lists (or this device's own relay while
 * it lists none) with its state here, the suggestions waiting for this person's yes or no, removing
 * one (one click and a confirmation), and adding one. A relay sees the IP address of every device that
 * connects, so nothing here contacts a relay before this person chose it.
 */
import type { SyncStatus } from '@dure/shared/sync/types';
import { t } from '../i18n/i18n';
import type { RelayListView } from '../sync/relay-list';
import { relayHost, type PlannedRelay } from '../sync/relays';
import { confirmDialog } from './dialogs';
import { h } from './dom';

export interface RelayPanel {
  readonly el: HTMLElement;
  setStatus(s: SyncStatus): void;
  dispose(): void;
}

/** A relay's state as the session reports it: the transport whose id is the relay's URL. */
export function relayState(s: SyncStatus, url: string): string | undefined {
  return s.transports.find((x) => x.id === url)?.state;
}

/** Local changes that relay has not acknowledged yet, when the session says. */
export const relayPending = (s: SyncStatus, url: string): number | undefined =>
  s.transports.find((x) => x.id === url)?.pending;

export function createRelayPanel(relays: RelayListView, initial: SyncStatus): RelayPanel {
  let status = initial;
  const list = h('ul', { class: 'relay-list', testid: 'relay-list', attrs: { 'aria-label': t('relays.title') } });
  const input = h('input', {
    class: 'input',
    testid: 'relay-add-input',
    attrs: {
      type: 'text',
      placeholder: t('relays.addPlaceholder'),
      'aria-label': t('relays.addLabel'),
      spellcheck: 'false',
      autocomplete: 'off',
    },
  }) as HTMLInputElement;
  const error = h('p', { class: 'error-text', testid: 'relay-add-error', attrs: { role: 'alert' } });
  const add = h(
    'form',
    { class: 'relay-add', testid: 'relay-add-form' },
    h('label', { text: t('relays.addLabel') }),
    h(
      'div',
      { class: 'share-field' },
      input,
      h('button', { class: 'btn small', testid: 'relay-add', text: t('relays.add'), attrs: { type: 'submit' } }),
    ),
    h('p', { class: 'share-note', text: t('relays.addNote') }),
    error,
  );
  add.addEventListener('submit', (e) => {
    e.preventDefault();
    const problem = relays.add(input.value);
    error.textContent = problem === undefined ? '' : t(`relays.error.${problem}`);
    if (problem === undefined) input.value = '';
  });
  add.hidden = !relays.canEdit;

  const button = (testid: string, text: string, run: () => void): HTMLElement =>
    h('button', { class: 'btn small', testid, text, attrs: { type: 'button' }, on: { click: run } });

  const remove = async (p: PlannedRelay): Promise<void> => {
    const host = relayHost(p.url);
    const ok = await confirmDialog({
      title: t('relays.removeTitle', { host }),
      message: t('relays.removeMessage', { host }),
      confirmLabel: t('relays.remove'),
      danger: true,
      testid: 'relay-remove-dialog',
    });
    if (ok) relays.remove(p.url);
  };

  const row = (p: PlannedRelay): HTMLElement => {
    const host = relayHost(p.url);
    const state = p.use === 'used' ? (relayState(status, p.url) ?? 'connecting') : p.use;
    const pending = p.use === 'used' ? relayPending(status, p.url) : undefined;
    const actions: HTMLElement[] = [];
    if (p.use === 'suggested') {
      actions.push(button('relay-use', t('relays.use'), () => relays.choose(p.url, true)));
      actions.push(button('relay-decline', t('relays.decline'), () => relays.choose(p.url, false)));
    } else if (p.use === 'declined') {
      actions.push(button('relay-use', t('relays.use'), () => relays.choose(p.url, true)));
    } else if (p.listed && relays.canEdit) {
      // The last relay stays: removing it would leave every device with nowhere to sync.
      if (relays.plan.filter((x) => x.listed).length > 1)
        actions.push(button('relay-remove', t('relays.remove'), () => void remove(p)));
    } else if (p.listed) {
      actions.push(button('relay-decline', t('relays.stop'), () => relays.choose(p.url, false)));
    }
    return h(
      'li',
      {
        class: 'relay',
        testid: 'relay',
        attrs: { 'data-url': p.url, 'data-use': p.use, 'data-state': state, 'data-pending': pending },
      },
      h('span', { class: 'relay-host', text: host }),
      h('span', { class: 'relay-state', testid: 'relay-state', text: t(`relays.state.${state}`) }),
      pending !== undefined &&
        pending > 0 &&
        h('span', {
          class: 'relay-pending',
          testid: 'relay-pending',
          text: t(pending === 1 ? 'relays.pendingOne' : 'relays.pending', { count: pending }),
        }),
      p.use === 'suggested' && h('span', { class: 'share-note', text: t('relays.suggestedNote') }),
      ...actions,
    );
  };

  const suggestion = h('p', { class: 'relay-suggestion', testid: 'relay-suggestion' });
  const render = (): void => {
    list.replaceChildren(...relays.plan.map(row));
    const n = relays.plan.filter((p) => p.use === 'suggested').length;
    suggestion.hidden = n === 0;
    suggestion.textContent = n === 0 ? '' : t(n === 1 ? 'relays.suggestedOne' : 'relays.suggested', { count: n });
  };
  render();
  const off = relays.on(render);
  const el = h(
    'section',
    { class: 'relay-panel', testid: 'relay-panel' },
    h('h3', { text: t('relays.title') }),
    suggestion,
    list,
    add,
  );
  return {
    el,
    setStatus(s) {
      status = s;
      render();
    },
    dispose: off,
  };
}
