/** The sync status in words: never "Synced" while a change waits, problems in user words, ko and en. */
import { afterEach, describe, expect, it } from 'vitest';
import type { SyncProblem, SyncStatus } from '@dure/shared/sync/types';
import { setLocale } from '../src/i18n/i18n';
import en from '../src/i18n/en.json';
import ko from '../src/i18n/ko.json';
import { KNOWN_REJECTS, problemLines, statusText } from '../src/sync/status-text';

const st = (state: SyncStatus['state'], pending = 0, problems: SyncProblem[] = []): SyncStatus => ({
  state,
  pending,
  transports: [],
  problems,
});
const problem = (kind: SyncProblem['kind'], detail?: string): SyncProblem => ({
  kind,
  transportId: 'relay',
  at: 1,
  ...(detail ? { detail } : {}),
});

afterEach(() => setLocale('en'));

describe('status labels', () => {
  it('English', () => {
    setLocale('en');
    expect(statusText(st('synced')).label).toBe('Synced');
    expect(statusText(st('synced')).hint).toMatch(/All changes sent/);
    expect(statusText(st('offline', 3)).label).toBe('Offline — 3 changes waiting');
    expect(statusText(st('offline', 1)).label).toBe('Offline — 1 change waiting');
    expect(statusText(st('offline', 0)).label).toBe('Offline — all changes saved on this device');
    expect(statusText(st('connecting', 2)).label).toBe('Connecting…');
    expect(statusText(st('connecting', 2)).hint).toMatch(/2 changes/);
    expect(statusText(st('local')).label).toBe('Saved on this device');
    expect(statusText(st('error', 0, [problem('missing-updates')])).label).toBe('Sync problem: changes missing');
    expect(statusText(st('error')).label).toBe('Sync problem: server unreachable');
  });

  it('Korean', () => {
    setLocale('ko');
    expect(statusText(st('synced')).label).toBe('동기화됨');
    expect(statusText(st('offline', 3)).label).toBe('오프라인 — 변경 3개 대기 중');
    expect(statusText(st('connecting')).label).toBe('연결 중…');
    expect(statusText(st('error', 0, [problem('rollback')])).label).toBe('동기화 문제: 예전 버전을 받음');
  });

  it('never says "Synced" while a change is not acknowledged', () => {
    setLocale('en');
    for (const n of [1, 2, 50]) {
      const { label, hint } = statusText(st('synced', n));
      expect(label).not.toBe('Synced');
      expect(label).toContain(String(n));
      expect(hint).not.toMatch(/All changes sent/);
    }
    for (const state of ['offline', 'connecting', 'error', 'local'] as const)
      expect(statusText(st(state)).label).not.toBe('Synced');
  });

  it('an error with changes waiting says how many stay on this device', () => {
    setLocale('en');
    const { hint } = statusText(st('error', 4, [problem('rejected', 'storage-unavailable')]));
    expect(hint).toMatch(/could not store a change/);
    expect(hint).toMatch(/4 changes are saved on this device/);
  });
});

describe('problems in user words', () => {
  it('every problem kind, every known reject reason and every short label has words in both languages', () => {
    // a Record, so that a new problem kind in the engine fails to compile here until it has words
    const every: Record<SyncProblem['kind'], true> = {
      'bad-envelope': true,
      'bad-update': true,
      'missing-updates': true,
      rollback: true,
      rejected: true,
      'unknown-doc': true,
      'apply-failed': true,
      fork: true,
      'peer-dropped': true,
    };
    const kinds = Object.keys(every);
    const keys = [
      ...kinds.flatMap((k) => [`sync.problem.${k}`, `sync.short.${k}`]),
      ...[...KNOWN_REJECTS].map((r) => `sync.problem.rejected.${r}`),
      'sync.problem.unreachable',
      'sync.short.unreachable',
    ];
    for (const cat of [en, ko]) expect(keys.filter((k) => !(k in cat))).toEqual([]);
  });

  it('lists problems newest first without repeats; unknown reject reasons get the generic sentence', () => {
    setLocale('en');
    const lines = problemLines(
      st('error', 0, [
        problem('missing-updates'),
        problem('rejected', 'invite-required'),
        problem('missing-updates'),
        problem('rejected', 'something-new'),
      ]),
    );
    expect(lines).toEqual([
      en['sync.problem.rejected'],
      en['sync.problem.missing-updates'],
      en['sync.problem.rejected.invite-required'],
    ]);
  });
});
