/**
 * The Storage contract every implementation must pass (MemoryStorage in Node, IdbStorage in Chromium).
 * Call storageContract() at the top level of a test file; `make` must return a fresh, empty storage.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError, type Storage, type StorageErrorCode } from '../src/storage/types';

export interface StorageContractOptions {
  /** Makes the next batch on `storage` fail with `code` (omit when the backend cannot inject faults). */
  failNextBatch?: (storage: Storage, code: StorageErrorCode) => void;
  /** Cleanup after each test (delete the database, ...); close() is called before it. */
  dispose?: (storage: Storage) => Promise<void> | void;
}

const enc = new TextEncoder();
const b = (s: string): Uint8Array => enc.encode(s);

function pattern(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function firstDifference(x: Uint8Array, y: Uint8Array): number {
  const n = Math.max(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return i;
  return -1;
}

export function storageContract(name: string, make: () => Promise<Storage>, opts: StorageContractOptions = {}): void {
  describe(`Storage contract: ${name}`, () => {
    const opened: Storage[] = [];
    const fresh = async (): Promise<Storage> => {
      const s = await make();
      opened.push(s);
      return s;
    };
    afterEach(async () => {
      for (const s of opened.splice(0)) {
        s.close();
        await opts.dispose?.(s);
      }
    });

    it('get returns what was put, and undefined for a missing key', async () => {
      const s = await fresh();
      await s.batch([{ type: 'put', key: 'a', value: b('one') }]);
      expect(await s.get('a')).toEqual(b('one'));
      expect(await s.get('b')).toBeUndefined();
      await s.batch([{ type: 'put', key: 'a', value: b('two') }]);
      expect(await s.get('a')).toEqual(b('two'));
    });

    it('list and keys return exactly the prefix, in UTF-16 code unit order, incl. Hangul and \\uffff neighbours', async () => {
      const s = await fresh();
      const inside = [
        'doc/x/',
        'doc/x/a',
        'doc/x/b/1',
        'doc/x/B',
        'doc/x/가',
        'doc/x/한글/문서',
        'doc/x/\u00e9',
        'doc/x/\ud83d\ude00', // astral: a surrogate pair sorts below U+E000..U+FFFF
        'doc/x/\ufffe',
        'doc/x/\uffff',
        'doc/x/\uffff\uffff',
        'doc/x/~',
      ];
      const outside = ['doc/w', 'doc/x', 'doc/y', 'doc/x0', 'doc/x.', 'doc/', 'Doc/x/a', 'doc/xx/a', 'doc/x\uffff', ''];
      await s.batch([...inside, ...outside].map((key, i) => ({ type: 'put' as const, key, value: Uint8Array.of(i) })));
      const expected = [...inside].sort((p, q) => (p < q ? -1 : p > q ? 1 : 0));
      expect(await s.keys('doc/x/')).toEqual(expected);
      const listed = await s.list('doc/x/');
      expect(listed.map((e) => e.key)).toEqual(expected);
      for (const e of listed) expect(e.value).toEqual(Uint8Array.of(inside.indexOf(e.key)));
      expect(await s.keys('doc/x/한글/')).toEqual(['doc/x/한글/문서']);
      expect(await s.keys('nothing/')).toEqual([]);
      expect(await s.list('nothing/')).toEqual([]);
    });

    it('batch applies puts and deletes together; later ops on the same key win', async () => {
      const s = await fresh();
      await s.batch([
        { type: 'put', key: 'k/1', value: b('1') },
        { type: 'put', key: 'k/2', value: b('2') },
        { type: 'put', key: 'k/3', value: b('3') },
      ]);
      await s.batch([
        { type: 'del', key: 'k/1' },
        { type: 'put', key: 'k/4', value: b('4') },
        { type: 'put', key: 'k/2', value: b('2a') },
        { type: 'del', key: 'k/3' },
        { type: 'put', key: 'k/3', value: b('3b') },
      ]);
      expect(await s.keys('k/')).toEqual(['k/2', 'k/3', 'k/4']);
      expect(await s.get('k/2')).toEqual(b('2a'));
      expect(await s.get('k/3')).toEqual(b('3b'));
      await s.batch([]);
      expect(await s.keys('k/')).toEqual(['k/2', 'k/3', 'k/4']);
    });

    it('deleting a missing key is not an error', async () => {
      const s = await fresh();
      await s.batch([{ type: 'del', key: 'never' }]);
      await s.batch([
        { type: 'put', key: 'x', value: b('x') },
        { type: 'del', key: 'never/2' },
      ]);
      expect(await s.get('x')).toEqual(b('x'));
    });

    it('stores binary values of 0 bytes and 1 MB exactly', async () => {
      const s = await fresh();
      const big = pattern(1024 * 1024, 7);
      const allBytes = Uint8Array.from({ length: 256 }, (_, i) => i);
      await s.batch([
        { type: 'put', key: 'empty', value: new Uint8Array(0) },
        { type: 'put', key: 'big', value: big },
        { type: 'put', key: 'all', value: allBytes },
      ]);
      const empty = await s.get('empty');
      expect(empty).toBeInstanceOf(Uint8Array);
      expect(empty!.length).toBe(0);
      const got = await s.get('big');
      expect(got).toBeInstanceOf(Uint8Array);
      expect(got!.length).toBe(big.length);
      // toEqual on a megabyte is slow; the first differing index is also a better message.
      expect(firstDifference(got!, big)).toBe(-1);
      expect(await s.get('all')).toEqual(allBytes);
      expect((await s.list('big')).map((e) => e.value.length)).toEqual([big.length]);
    });

    it('stores a view of a larger buffer as just its bytes', async () => {
      const s = await fresh();
      const backing = pattern(64, 3);
      await s.batch([{ type: 'put', key: 'view', value: backing.subarray(8, 24) }]);
      const got = await s.get('view');
      expect(got!.length).toBe(16);
      expect(got).toEqual(backing.slice(8, 24));
    });

    it('stores copies, not references, in both directions', async () => {
      const s = await fresh();
      const v = b('original');
      await s.batch([{ type: 'put', key: 'c', value: v }]);
      v[0] = 0;
      expect(await s.get('c')).toEqual(b('original'));
      const out = (await s.get('c'))!;
      out[0] = 0;
      expect(await s.get('c')).toEqual(b('original'));
      const listed = await s.list('c');
      listed[0]!.value[0] = 0;
      expect(await s.get('c')).toEqual(b('original'));
    });

    it.skipIf(!opts.failNextBatch)('a failing batch commits nothing and the next one works', async () => {
      const s = await fresh();
      await s.batch([
        { type: 'put', key: 'a/1', value: b('1') },
        { type: 'put', key: 'a/2', value: b('2') },
      ]);
      opts.failNextBatch!(s, 'quota');
      let caught: unknown;
      try {
        await s.batch([
          { type: 'put', key: 'a/3', value: b('3') },
          { type: 'del', key: 'a/1' },
          { type: 'put', key: 'a/2', value: b('changed') },
        ]);
      } catch (e) {
        caught = e;
      }
      expect(caught).toBeInstanceOf(StorageError);
      expect((caught as StorageError).code).toBe('quota');
      expect(await s.keys('a/')).toEqual(['a/1', 'a/2']);
      expect(await s.get('a/2')).toEqual(b('2'));
      await s.batch([{ type: 'put', key: 'a/3', value: b('3') }]);
      expect(await s.keys('a/')).toEqual(['a/1', 'a/2', 'a/3']);
    });

    it('concurrent batches all commit', async () => {
      const s = await fresh();
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          s.batch([{ type: 'put', key: `p/${String(i).padStart(2, '0')}`, value: Uint8Array.of(i) }]),
        ),
      );
      expect((await s.keys('p/')).length).toBe(20);
      expect(await s.get('p/07')).toEqual(Uint8Array.of(7));
    });
  });
}
