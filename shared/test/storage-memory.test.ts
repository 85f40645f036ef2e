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

describe('prefixEnd', () => {
  it('is an exclusive upper bound for every key with the prefix', async () => {
    const { prefixEnd } = await import('../src/storage/types');
    expect(prefixEnd('doc/a/')).toBe('doc/a0');
    expect(prefixEnd('a\uffff')).toBe('b');
    expect(prefixEnd('\uffff\uffff')).toBeUndefined();
    expect(prefixEnd('')).toBeUndefined();
    const end = prefixEnd('doc/x/')!;
    for (const k of ['doc/x/', 'doc/x/\uffff\uffff', 'doc/x/한글']) expect(k < end).toBe(true);
    expect('doc/x0' < end).toBe(false);
  });
});
