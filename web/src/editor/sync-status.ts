/**
 * The automation contract's sync-status element. data-state is the sync session's state (`local`
 * while no relay is configured), data-pending the changes no relay has acknowledged yet, data-saving
 * whether edits are still on their way to this device's storage. The label speaks about the relay
 * when there is one, and about this device otherwise; a failed local write wins over both.
 */
import type { SyncStatus as EngineStatus } from '@dure/shared/sync/types';
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';
import { LOCAL_STATUS, problemLines, statusText } from '../sync/status-text';
import { infoDialog } from '../ui/dialogs';
import type { RelayListView } from '../sync/relay-list';
import { createRelayPanel, type RelayPanel } from '../ui/relay-panel';

export type LocalSaveState = 'saved' | 'saving' | 'error';

/**
 * Saves finish within a fraction of a second while typing; the words change only when saving takes
 * longer than this, so the label does not flicker and screen readers are not told on every keystroke.
 * (data-saving follows every change at once, for scripts.)
 */
const SAVING_LABEL_DELAY_MS = 800;

export class SyncStatus {
  private readonly label = h('span', { class: 'sync-label' });
  private labelTimer: ReturnType<typeof setTimeout> | undefined;
  private shown: LocalSaveState = 'saved';
  private sync: EngineStatus = LOCAL_STATUS;
  readonly el = h(
    'span',
    {
      class: 'sync-status',
      testid: 'sync-status',
      attrs: { role: 'status', 'aria-live': 'polite', 'data-state': 'local', 'data-pending': '0' },
    },
    h('span', { class: 'sync-dot', attrs: { 'aria-hidden': 'true' } }),
    this.label,
  );
  /** Opens the list of transports and problems; hidden while there is no relay. */
  readonly details = h('button', {
    class: 'btn small sync-details',
    testid: 'sync-details',
    text: t('sync.details'),
    attrs: { type: 'button' },
    on: { click: () => void this.openDetails() },
  });

  constructor() {
    this.details.hidden = true;
    this.set('saved');
  }

  set(state: LocalSaveState): void {
    this.el.dataset.saving = String(state === 'saving');
    if (state === 'saving') {
      // While writes fail, new edits do not hide the failure: only a successful save does.
      if (this.shown !== 'error' && this.labelTimer === undefined) {
        this.labelTimer = setTimeout(() => this.show('saving'), SAVING_LABEL_DELAY_MS);
      }
      return;
    }
    this.show(state);
  }

  /** The session's status (or the leader tab's): data-state and data-pending follow it at once. */
  setSync(s: EngineStatus): void {
    const wasQuietSync = this.sync.state === 'synced';
    this.sync = s;
    this.el.dataset.state = s.state;
    this.el.dataset.pending = String(s.pending);
    this.el.dataset.problems = String(s.problems.length);
    this.details.dataset.problems = String(s.problems.length);
    this.panel?.setStatus(s);
    this.showDetailsButton();
    // While typing online every batch is sent and acknowledged within moments: "Sending 1 change…"
    // appears only when that takes longer, as "Saving…" does, so the live region does not chatter.
    if (s.state === 'synced' && s.pending > 0 && wasQuietSync && this.label.textContent === t('sync.synced')) {
      if (this.syncTimer === undefined)
        this.syncTimer = setTimeout(() => {
          this.syncTimer = undefined;
          this.show(this.shown);
        }, SAVING_LABEL_DELAY_MS);
      return;
    }
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
    this.show(this.shown);
  }

  private syncTimer: ReturnType<typeof setTimeout> | undefined;
  private relays: RelayListView | undefined;
  private stopRelays: () => void = () => undefined;
  private panel: RelayPanel | undefined;

  /** The document's relays: the details list them, and the button says when some wait for a yes or no. */
  setRelays(relays: RelayListView | undefined): void {
    this.stopRelays();
    this.relays = relays;
    this.stopRelays = relays?.on(() => this.showDetailsButton()) ?? (() => undefined);
    this.showDetailsButton();
  }

  private showDetailsButton(): void {
    const plan = this.relays?.plan ?? [];
    const suggested = plan.filter((p) => p.use === 'suggested').length;
    // Without any relay there is nothing to detail, unless the document lists some (to choose or add).
    this.details.hidden = this.sync.state === 'local' && plan.length === 0;
    this.details.dataset.suggested = String(suggested);
    this.details.textContent =
      suggested === 0
        ? t('sync.details')
        : t(suggested === 1 ? 'relays.suggestedOne' : 'relays.suggested', { count: suggested });
  }

  /** Stops the pending label change (the page is closing). */
  dispose(): void {
    this.stopRelays();
    this.panel?.dispose();
    clearTimeout(this.labelTimer);
    this.labelTimer = undefined;
    clearTimeout(this.syncTimer);
    this.syncTimer = undefined;
  }

  private show(state: LocalSaveState): void {
    clearTimeout(this.labelTimer);
    this.labelTimer = undefined;
    this.shown = state;
    this.el.dataset.error = String(state === 'error' || this.sync.state === 'error');
    let text: string;
    let hint: string;
    if (state === 'error') {
      text = t('sync.error');
      hint = t('sync.errorHint');
    } else if (this.sync.state === 'local') {
      text = t(state === 'saved' ? 'sync.savedLocal' : 'sync.saving');
      hint = t(state === 'saved' ? 'sync.savedLocalHint' : 'sync.savingHint');
    } else {
      ({ label: text, hint } = statusText(this.sync));
      // A batch on its way for less than the delay: the label waits (the attributes and hint do not).
      if (this.syncTimer !== undefined) text = this.label.textContent ?? text;
    }
    if (this.label.textContent !== text) this.label.textContent = text;
    this.el.title = hint;
  }

  private async openDetails(): Promise<void> {
    const s = this.sync;
    const { hint } = statusText(s);
    const problems = problemLines(s);
    const body = h(
      'div',
      { class: 'sync-details-body' },
      h('p', { text: hint }),
      h('p', { testid: 'sync-details-pending', text: t('sync.detailsPending', { count: s.pending }) }),
      problems.length > 0 && h('h3', { text: t('sync.detailsProblems') }),
      problems.length > 0 &&
        h('ul', { testid: 'sync-problems' }, ...problems.map((p) => h('li', { class: 'sync-problem', text: p }))),
    );
    const panel = this.relays ? createRelayPanel(this.relays, s) : undefined;
    if (panel) body.append(panel.el);
    this.panel = panel;
    try {
      await infoDialog({ title: t('sync.detailsTitle'), testid: 'sync-details-dialog', body });
    } finally {
      panel?.dispose();
      if (this.panel === panel) this.panel = undefined;
    }
  }
}
