/**
 * The automation contract's sync-status element. No relay exists yet, so data-state is 'local' and
 * data-pending (changes no relay has acknowledged) is 0; data-saving says whether edits are still on
 * their way to this device's storage.
 */
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';

export type LocalSaveState = 'saved' | 'saving' | 'error';

export class SyncStatus {
  private readonly label = h('span', { class: 'sync-label' });
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
    this.el.dataset.error = String(state === 'error');
    const text = t(state === 'saved' ? 'sync.savedLocal' : state === 'saving' ? 'sync.saving' : 'sync.error');
    // Avoid re-announcing the same text to screen readers on every keystroke.
    if (this.label.textContent !== text) this.label.textContent = text;
    this.el.title = t(
      state === 'saved' ? 'sync.savedLocalHint' : state === 'saving' ? 'sync.savingHint' : 'sync.errorHint',
    );
  }
}
