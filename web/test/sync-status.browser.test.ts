/**
 * The sync-status element: attributes follow the session at once; the visible label does not flicker
 * to "Sending…" for a batch that is acknowledged within moments, and shows it when one takes longer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SyncStatus as EngineStatus } from '@dure/shared/sync/types';
import { SyncStatus } from '../src/editor/sync-status';
import { setLocale } from '../src/i18n/i18n';

const st = (state: EngineStatus['state'], pending = 0): EngineStatus => ({
  state,
  pending,
  transports: [],
  problems: [],
});

afterEach(() => vi.useRealTimers());

describe('sync-status element', () => {
  it('attributes at once, the label only for a send that takes a while', () => {
    vi.useFakeTimers();
    setLocale('en');
    const s = new SyncStatus();
    const label = (): string | null => s.el.querySelector('.sync-label')!.textContent;
    expect(s.el.dataset.state).toBe('local');
    expect(label()).toBe('Saved on this device');

    s.setSync(st('synced'));
    expect(label()).toBe('Synced');
    expect(s.details.hidden).toBe(false);

    // Typing online: a batch is sealed and acknowledged quickly.
    s.setSync(st('synced', 1));
    expect(s.el.dataset.pending).toBe('1');
    expect(label()).toBe('Synced');
    s.set('saved'); // a local save meanwhile does not bypass the wait
    expect(label()).toBe('Synced');
    vi.advanceTimersByTime(300);
    s.setSync(st('synced', 0));
    vi.advanceTimersByTime(2000);
    expect(label()).toBe('Synced');

    // The relay is slow to acknowledge: now the label says so.
    s.setSync(st('synced', 2));
    vi.advanceTimersByTime(1000);
    expect(label()).toBe('Sending 2 changes…');
    expect(s.el.dataset.pending).toBe('2');

    // Other states show at once.
    s.setSync(st('offline', 2));
    expect(label()).toBe('Offline — 2 changes waiting');
    expect(s.el.dataset.state).toBe('offline');
    s.dispose();
  });

  it('a failed local write wins over the sync words', () => {
    setLocale('en');
    const s = new SyncStatus();
    s.setSync(st('synced'));
    s.set('error');
    expect(s.el.querySelector('.sync-label')!.textContent).toBe('Not saved yet');
    expect(s.el.dataset.error).toBe('true');
    s.dispose();
  });
});
