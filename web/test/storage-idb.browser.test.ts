/// <reference types="@vitest/browser-playwright" />
/**
 * IdbStorage in real Chromium: the IndexedDB-specific behaviour (reopen, quota, upgrades from another
 * tab, no IndexedDB at all, the device key store). The shared contract suite runs in
 * storage-contract.browser.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cdp } from 'vitest/browser';
import { deleteDB } from 'idb';
import { StorageError } from '@dure/shared';
import { IdbStorage, toStorageError } from '../src/storage/idb';

const enc = new TextEncoder();

let n = 0;
const opened: IdbStorage[] = [];
const names: string[] = [];

async function fresh(): Promise<IdbStorage> {
  const name = `dure-test-${Date.now()}-${n++}`;
  names.push(name);
  const s = await IdbStorage.open({ name });
  opened.push(s);
  return s;
}

afterEach(async () => {
  vi.unstubAllGlobals();
  for (const s of opened.splice(0)) s.close();
  for (const name of names.splice(0)) await deleteDB(name);
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('IdbStorage (Chromium)', () => {
  it('keeps records across close and reopen', async () => {
    const a = await fresh();
    await a.batch([
      { type: 'put', key: 'doc/1/u/0001', value: enc.encode('하나') },
      { type: 'put', key: 'doc/1/u/0002', value: enc.encode('둘') },
      { type: 'put', key: 'doc/2/u/0001', value: enc.encode('other') },
    ]);
    a.close();
    const b = await IdbStorage.open({ name: a.name });
    opened.push(b);
    const entries = await b.list('doc/1/');
    expect(entries.map((e) => [e.key, new TextDecoder().decode(e.value)])).toEqual([
      ['doc/1/u/0001', '하나'],
      ['doc/1/u/0002', '둘'],
    ]);
    expect(await b.keys('doc/')).toEqual(['doc/1/u/0001', 'doc/1/u/0002', 'doc/2/u/0001']);
  });

  it('stores only the bytes of a view, not its whole backing buffer', async () => {
    const s = await fresh();
    const big = new Uint8Array(1 << 20).fill(7);
    await s.batch([{ type: 'put', key: 'k', value: big.subarray(10, 13) }]);
    const got = await s.get('k');
    expect(got).toEqual(new Uint8Array([7, 7, 7]));
    expect(got?.buffer.byteLength).toBe(3);
  });

  it('rejects a batch over quota with StorageError("quota") and commits none of it', async () => {
    // Chromium's CDP quota override does not reach Playwright's off-the-record contexts, so the
    // browser's refusal is injected at the IndexedDB API itself: the third put of the batch is refused.
    const s = await fresh();
    await s.batch([{ type: 'put', key: 'keep', value: enc.encode('old') }]);
    const realPut = IDBObjectStore.prototype.put;
    vi.spyOn(IDBObjectStore.prototype, 'put').mockImplementation(function (this: IDBObjectStore, value, key) {
      if (key === 'huge') throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return realPut.call(this, value, key);
    });
    const e = await rejection(
      s.batch([
        { type: 'put', key: 'keep', value: enc.encode('new') },
        { type: 'put', key: 'other', value: enc.encode('x') },
        { type: 'put', key: 'huge', value: new Uint8Array(8) },
      ]),
    );
    vi.restoreAllMocks();
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe('quota');
    expect(new TextDecoder().decode(await s.get('keep'))).toBe('old');
    expect(await s.keys('')).toEqual(['keep']);
  });

  it('rejects a malformed batch (misuse) and writes none of it', async () => {
    const s = await fresh();
    await s.batch([{ type: 'put', key: 'keep', value: enc.encode('old') }]);
    const e = await rejection(
      s.batch([
        { type: 'put', key: 'keep', value: enc.encode('new') },
        { type: 'put', key: 'bad', value: { notBytes: true } as unknown as Uint8Array },
      ]),
    );
    expect(e).toBeInstanceOf(TypeError);
    expect(new TextDecoder().decode(await s.get('keep'))).toBe('old');
  });

  it('maps QuotaExceededError to quota and anything else to io', () => {
    expect(toStorageError(new DOMException('full', 'QuotaExceededError'), 'write').code).toBe('quota');
    expect(toStorageError(new DOMException('x', 'UnknownError'), 'write').code).toBe('io');
    expect(toStorageError(new Error('boom'), 'write').code).toBe('io');
  });

  it('reports unavailable when the browser has no IndexedDB', async () => {
    vi.stubGlobal('indexedDB', undefined);
    const e = await rejection(IdbStorage.open({ name: 'dure-test-none' }));
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe('unavailable');
  });

  it('steps aside when another tab upgrades the database, then reports unavailable instead of hanging', async () => {
    const s = await fresh();
    await s.batch([{ type: 'put', key: 'a', value: enc.encode('a') }]);
    let told = 0;
    // Reopen with the callback; the first connection is closed so only this one can block the upgrade.
    s.close();
    const t = await IdbStorage.open({ name: s.name, onVersionChange: () => told++ });
    opened.push(t);
    expect(await t.keys('')).toEqual(['a']);

    // A "newer app" in another tab: version 2. It must not be blocked by our open connection.
    const newer = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(s.name, 2);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
      req.onblocked = () => reject(new Error('blocked by the old connection'));
    });
    newer.close();
    expect(told).toBe(1);

    // This (older) code cannot open a newer database: a clear error, not a hang or a silent downgrade.
    const e = await rejection(t.get('a'));
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).code).toBe('unavailable');
  });

  it('reconnects after the browser force-closes the connection (site data cleared)', async () => {
    const s = await fresh();
    await s.batch([{ type: 'put', key: 'a', value: enc.encode('a') }]);
    const opens = vi.spyOn(IDBFactory.prototype, 'open');
    // Clearing site data makes Chromium close every IndexedDB connection of the origin, as it does
    // under storage pressure or when the backing store fails (iOS "connection lost").
    await cdp().send('Storage.clearDataForOrigin', { origin: location.origin, storageTypes: 'indexeddb' });
    await vi.waitFor(async () => {
      await s.batch([{ type: 'put', key: 'b', value: enc.encode('b') }]);
      expect(new TextDecoder().decode(await s.get('b'))).toBe('b');
    });
    expect(opens).toHaveBeenCalled();
    expect(await s.get('a')).toBeUndefined();
  });

  it('throws on use after close (misuse, not an expected failure)', async () => {
    const s = await fresh();
    s.close();
    await expect(s.get('a')).rejects.toThrow(/closed/);
  });

  it('keeps a non-extractable device key usable across reopen without exposing its bytes', async () => {
    const s = await fresh();
    const store = s.deviceKeys();
    expect(await store.load()).toBeUndefined();
    const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await store.save(key);
    const iv = new Uint8Array(12);
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, enc.encode('비밀'));
    s.close();

    const again = await IdbStorage.open({ name: s.name });
    opened.push(again);
    const loaded = await again.deviceKeys().load();
    expect(loaded).toBeInstanceOf(CryptoKey);
    const k = loaded as CryptoKey;
    expect(k.extractable).toBe(false);
    const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv }, k, sealed);
    expect(new TextDecoder().decode(plain)).toBe('비밀');
    // The KEK is not one of the records a document listing can reach.
    expect(await again.keys('')).toEqual([]);

    await again.deviceKeys().save(new Uint8Array([1, 2, 3]));
    expect(await again.deviceKeys().load()).toEqual(new Uint8Array([1, 2, 3]));
    await again.deviceKeys().clear();
    expect(await again.deviceKeys().load()).toBeUndefined();
  });
});
