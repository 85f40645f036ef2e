/**
 * Shows where this document's edits are (this device's storage, and the relay through the sync
 * session or the tab that runs it): the sync-status element, and a notice for records set aside
 * on open. (The app shell shows the banner while writes fail: that outlives this page.)
 */
import type { OpenedDoc } from '../core/types';
import type { Banners } from '../ui/banners';
import type { Disposer } from '../ui/dom';
import { t } from '../i18n/i18n';
import { SyncStatus } from './sync-status';

export function trackSaveState(
  doc: OpenedDoc,
  banners: Banners,
  disposer: Disposer,
  onLocalChange: () => void,
): SyncStatus {
  const status = new SyncStatus();
  disposer.add(() => status.dispose());
  disposer.add(
    doc.on('local-change', () => {
      status.set('saving');
      onLocalChange();
    }),
  );
  disposer.add(doc.on('saved', () => status.set('saved')));
  disposer.add(doc.on('error', () => status.set('error')));
  status.setSync(doc.sync.status);
  status.setRelays(doc.sync.relays);
  disposer.add(doc.sync.on('status', (s) => status.setSync(s)));
  if (doc.problems.length > 0) {
    banners.show('quarantine', {
      kind: 'warn',
      testid: 'quarantine-notice',
      text: t('editor.quarantined', { count: doc.problems.length }),
      dismissLabel: t('common.dismiss'),
    });
    disposer.add(() => banners.hide('quarantine'));
  }
  return status;
}
