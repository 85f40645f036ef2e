import { describe, expect, it } from 'vitest';
import { MemoryStorage } from '../src/storage/memory';
import { storageContract } from './storage-contract';

storageContract('MemoryStorage', () => Promise.resolve(new MemoryStorage()), {
  failNextBatch: (s, code) => (s as MemoryStorage).failNextBatch(code),
});

describe('MemoryStorage specifics', () => {
  it('rejects use after close', async () => {
    const s = new MemoryStorage();
    s.close();
    expect(() => s.get('a')).toThrow(/closed/);
  });

  it('counts committed batches, not failed ones', async () => {
    const s = new MemoryStorage();
    await s.batch([{ type: 'put', key: 'a', value: Uint8Array.of(1) }]);
    s.failNextBatch('io', 2);
    await expect(s.batch([])).rejects.toMatchObject({ code: 'io' });
    await expect(s.batch([])).rejects.toMatchObject({ code: 'io' });
    await s.batch([]);
    expect(s.batches).toBe(2);
  });
});
