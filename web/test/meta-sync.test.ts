import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { META_DEBOUNCE_MS, MetaSync, TITLE_DEBOUNCE_MS } from '../src/editor/meta-sync';

describe('MetaSync', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('writes a renamed title soon, and gathers "last edited" times for longer', async () => {
    const writes: unknown[] = [];
    const sync = new MetaSync({ setMeta: async (m) => void writes.push(m) });
    sync.mark({ updatedAt: 1 });
    await vi.advanceTimersByTimeAsync(TITLE_DEBOUNCE_MS);
    expect(writes).toEqual([]);
    sync.mark({ title: '회의록' });
    await vi.advanceTimersByTimeAsync(TITLE_DEBOUNCE_MS);
    expect(writes).toEqual([{ updatedAt: 1, title: '회의록' }]);
    sync.mark({ updatedAt: 2 });
    sync.mark({ updatedAt: 3 });
    await vi.advanceTimersByTimeAsync(META_DEBOUNCE_MS - 1);
    expect(writes).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(writes).toEqual([{ updatedAt: 1, title: '회의록' }, { updatedAt: 3 }]);
  });

  it('flush writes at once and only what changed', async () => {
    const writes: unknown[] = [];
    const sync = new MetaSync({ setMeta: async (m) => void writes.push(m) });
    await sync.flush();
    expect(writes).toEqual([]);
    sync.mark({ title: 'a' });
    await sync.flush();
    await vi.advanceTimersByTimeAsync(META_DEBOUNCE_MS);
    expect(writes).toEqual([{ title: 'a' }]);
  });
});
