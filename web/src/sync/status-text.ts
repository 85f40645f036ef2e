/**
 * The sync status in a person's words. It never claims more than the session reports: "Synced" only
 * while the session is synced AND no local change is waiting for an acknowledgement.
 */
import type { SyncProblem, SyncStatus } from '@dure/shared/sync/types';
import { t } from '../i18n/i18n';

export interface StatusText {
  /** the short visible label beside the title */
  readonly label: string;
  /** one sentence for the tooltip and the details dialog */
  readonly hint: string;
}

const count = (base: string, n: number): string => t(n === 1 ? `${base}One` : base, { count: n });

/** Reject reasons (PROTOCOL.md) a person can act on; others show the generic sentence. */
export const KNOWN_REJECTS: ReadonlySet<string> = new Set([
  'storage-unavailable',
  'too-many-devices',
  'too-many-documents',
  'invite-required',
  'too-large',
  'rate-limited',
  'wrong-epoch',
]);

/** One problem in user words; never document content (details are reject reasons and codes only). */
export function problemText(p: SyncProblem): string {
  if (p.kind === 'rejected' && p.detail !== undefined && KNOWN_REJECTS.has(p.detail))
    return t(`sync.problem.rejected.${p.detail}`);
  return t(`sync.problem.${p.kind}`);
}

export function statusText(s: SyncStatus): StatusText {
  switch (s.state) {
    case 'local':
      return { label: t('sync.savedLocal'), hint: t('sync.savedLocalHint') };
    case 'offline':
      return s.pending === 0
        ? { label: t('sync.offline'), hint: t('sync.offlineHint') }
        : { label: count('sync.offlinePending', s.pending), hint: t('sync.offlinePendingHint') };
    case 'connecting':
      return {
        label: t('sync.connecting'),
        hint: s.pending === 0 ? t('sync.connectingHint') : count('sync.connectingPending', s.pending),
      };
    case 'synced':
      return s.pending === 0
        ? { label: t('sync.synced'), hint: t('sync.syncedHint') }
        : { label: count('sync.sending', s.pending), hint: t('sync.sendingHint') };
    case 'error': {
      const last = s.problems.at(-1);
      const short = t(`sync.short.${last?.kind ?? 'unreachable'}`);
      const what = last ? problemText(last) : t('sync.problem.unreachable');
      return {
        label: t('sync.errorLabel', { what: short }),
        hint: s.pending === 0 ? what : `${what} ${count('sync.errorPending', s.pending)}`,
      };
    }
  }
}

/** The problems worth listing, newest first, one line each, without repeats. */
export function problemLines(s: SyncStatus): string[] {
  const lines: string[] = [];
  for (const p of [...s.problems].reverse()) {
    const line = problemText(p);
    if (!lines.includes(line)) lines.push(line);
  }
  return lines;
}

/** Status for a document that has no relay (setting off, or a page with no server). */
export const LOCAL_STATUS: SyncStatus = Object.freeze({ state: 'local', pending: 0, transports: [], problems: [] });
