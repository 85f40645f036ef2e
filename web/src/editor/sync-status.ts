/**
 * The automation contract's sync-status element. No relay exists yet, so data-state is 'local' and
 * data-pending (changes no relay has acknowledged) is 0; data-saving says whether edits are still on
 * their way to this device's storage.
 */
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';

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

  constructor() {
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

  /** Stops the pending label change (the page is closing). */
  dispose(): void {
    clearTimeout(this.labelTimer);
    this.labelTimer = undefined;
  }

  private show(state: LocalSaveState): void {
    clearTimeout(this.labelTimer);
    this.labelTimer = undefined;
    this.shown = state;
    this.el.dataset.error = String(state === 'error');
    const text = t(state === 'saved' ? 'sync.savedLocal' : state === 'saving' ? 'sync.saving' : 'sync.error');
    if (this.label.textContent !== text) this.label.textContent = text;
    this.el.title = t(
      state === 'saved' ? 'sync.savedLocalHint' : state === 'saving' ? 'sync.savingHint' : 'sync.errorHint',
    );
  }
}
