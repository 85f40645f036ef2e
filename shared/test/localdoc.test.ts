import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { utf8 } from '../src/bytes';
import { MemoryDeviceKeyStore } from '../src/crypto/kek';
import { Keyring } from '../src/crypto/keyring';
import { seal } from '../src/crypto/aead';
import { MemoryNotifierHub } from '../src/local/coordination';
import { LOCAL_DOC_ORIGIN, LocalDoc, openLocalDoc } from '../src/local/localdoc';
import { openUpdateRecord, quarantineKey, sealUpdateRecord, updateKey } from '../src/local/records';
import type { LeaderElection } from '../src/local/api';
import type { StorageError } from '../src/storage/types';
import { indexOfBytes, neverLeader, newDoc, openDoc, openDocFast, text } from './localdoc-helpers';

const once = <T>(subscribe: (cb: (v: T) => void) => () => void): Promise<T> =>
  new Promise((resolve) => {
    const off = subscribe((v) => {
      off();
      resolve(v);
    });
  });

describe('LocalDoc: persistence and encryption', () => {
  it('reopens with everything typed, Hangul included', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets);
    a.ydoc.getText('body').insert(0, 'Hello, 두레! ');
    a.ydoc.getText('body').insert(0, '한글 입력 ');
    a.ydoc.getMap('meta').set('title', '회의록');
    await a.doc.close();
    const b = await openDoc(storage, secrets);
    expect(text(b.ydoc)).toBe('한글 입력 Hello, 두레! ');
    expect(b.ydoc.getMap('meta').get('title')).toBe('회의록');
  });

  it('stores no plaintext: neither text nor title appears in any stored byte', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, 'attack at dawn 새벽에 공격');
    a.ydoc.getMap('meta').set('title', 'secret-plan');
    await a.doc.flush();
    const all = await storage.list('');
    expect(all.length).toBeGreaterThan(0);
    for (const e of all) {
      for (const needle of ['attack at dawn', '새벽에', 'secret-plan']) {
        expect(indexOfBytes(e.value, utf8(needle))).toBe(-1);
      }
    }
  });

  it('applies loaded content with the LocalDoc origin, so an undo manager has nothing to undo', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets);
    a.ydoc.getText('body').insert(0, 'stored');
    await a.doc.close();
    const ydoc = new Y.Doc();
    const undo = new Y.UndoManager(ydoc.getText('body'), { trackedOrigins: new Set([null]) });
    const seen: unknown[] = [];
    ydoc.on('update', (_u: Uint8Array, origin: unknown) => seen.push(origin));
    await openDoc(storage, secrets, {}, ydoc);
    expect(text(ydoc)).toBe('stored');
    expect(seen).toEqual([LOCAL_DOC_ORIGIN]);
    expect(undo.undoStack.length).toBe(0);
  });

  it('coalesces a burst of edits into one record written by one batch', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader, coalesceMs: 5 });
    const before = storage.batches;
    const saved = once<void>((cb) => a.doc.on('saved', cb));
    for (let i = 0; i < 50; i++) a.ydoc.getText('body').insert(i, 'x');
    await saved;
    expect(storage.batches - before).toBe(1);
    expect(await storage.keys(`doc/${secrets.docId}/u/`)).toHaveLength(1);
    expect(a.doc.pendingUpdates).toBe(0);
  });

  it('keeps content put into the Y.Doc before it was attached', async () => {
    const { storage, secrets } = await newDoc();
    const ydoc = new Y.Doc();
    ydoc.getText('body').insert(0, 'typed before load');
    const a = await openDoc(storage, secrets, {}, ydoc);
    await a.doc.close();
    expect(text((await openDoc(storage, secrets)).ydoc)).toBe('typed before load');
  });

  it('openLocalDoc maps keyring errors', async () => {
    const { storage, secrets, keyring } = await newDoc();
    expect(await openLocalDoc(keyring, storage, 'unknown', new Y.Doc())).toMatchObject({ ok: false, error: 'missing' });
    const other = await Keyring.open(storage, new MemoryDeviceKeyStore());
    expect(await openLocalDoc(other, storage, secrets.docId, new Y.Doc())).toMatchObject({
      ok: false,
      error: 'corrupt-key',
    });
    const r = await openLocalDoc(keyring, storage, secrets.docId, new Y.Doc());
    expect(r.ok && r.value.problems).toEqual([]);
  });

  it('reports unavailable storage as a value', async () => {
    const { storage, secrets } = await newDoc();
    storage.close();
    expect(await LocalDoc.open(storage, secrets, new Y.Doc())).toMatchObject({ ok: false, error: 'unavailable' });
  });
});

describe.each([
  ['into a given Y.Doc (decode, then apply)', openDoc],
  ['into a Y.Doc LocalDoc makes (fast load)', openDocFast],
] as const)('LocalDoc: damaged records are quarantined, never dropped, loading %s', (_mode, load) => {
  const all = (y: Y.Doc): string => ['one ', 'two ', 'three '].map((k) => y.getText(k).toString()).join('');
  async function threeRecords() {
    const { storage, secrets } = await newDoc();
    // Three tabs (three Yjs clients) writing three roots: independent records. (Within ONE client a lost
    // record holds back that client's later ones: Yjs applies a client's changes in order.)
    const keys: string[] = []; // in writing order: one, two, three
    for (const s of ['one ', 'two ', 'three ']) {
      const a = await openDoc(storage, secrets, { leader: neverLeader });
      a.ydoc.getText(s).insert(0, s);
      await a.doc.close();
      keys.push(...(await storage.keys(`doc/${secrets.docId}/u/${a.doc.deviceId}/`)));
    }
    expect(keys).toHaveLength(3);
    return { storage, secrets, keys };
  }

  it.each([
    ['first byte (nonce)', 0],
    ['a ciphertext byte', 30],
    ['the last byte (tag)', -1],
  ])('a flipped %s: the record moves to quarantine with identical bytes, the others load', async (_n, at) => {
    const { storage, secrets, keys } = await threeRecords();
    const victim = keys[1]!; // 'two '
    const original = (await storage.get(victim))!;
    const damaged = original.slice();
    const i = at < 0 ? damaged.length + at : at;
    damaged[i] = damaged[i]! ^ 0x01;
    await storage.batch([{ type: 'put', key: victim, value: damaged }]);

    const b = await load(storage, secrets, { leader: neverLeader });
    expect(b.doc.problems).toEqual([{ key: victim, reason: 'decrypt' }]);
    expect(all(b.ydoc)).toBe('one three ');
    expect(await storage.get(victim)).toBeUndefined();
    expect(await storage.get(quarantineKey(secrets.docId, victim))).toEqual(damaged);
    // The quarantined record is not read again, and restoring it would restore the text.
    const c = await load(storage, secrets, { leader: neverLeader });
    expect(c.doc.problems).toEqual([]);
    await storage.batch([{ type: 'put', key: victim, value: original }]);
    expect(all((await load(storage, secrets, { leader: neverLeader })).ydoc)).toBe('one two three ');
  });

  it('a damaged snapshot is quarantined and the update records still load', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets);
    a.ydoc.getText('body').insert(0, 'in the snapshot. ');
    await a.doc.flush();
    a.ydoc.getText('body').insert(0, 'x'); // second record, then compact
    await a.doc.flush();
    expect(await a.doc.compact()).toBe(true);
    await a.doc.close();
    const b = await load(storage, secrets, { leader: neverLeader });
    b.ydoc.getText('body').insert(b.ydoc.getText('body').length, 'after.');
    await b.doc.close();
    const [snap] = await storage.keys(`doc/${secrets.docId}/s/`);
    const v = (await storage.get(snap!))!;
    v[v.length - 5] = v[v.length - 5]! ^ 0x80;
    await storage.batch([{ type: 'put', key: snap!, value: v }]);
    const c = await load(storage, secrets, { leader: neverLeader });
    expect(c.doc.problems).toEqual([{ key: snap, reason: 'decrypt' }]);
    expect(await storage.get(quarantineKey(secrets.docId, snap!))).toEqual(v);
    // The later update refers to text it cannot find, so Yjs keeps it pending; nothing crashes.
    expect(text(c.ydoc)).not.toContain('in the snapshot');
  });

  it('a record that decrypts but does not decode is quarantined as decode', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, 'good');
    await a.doc.close();
    const k1 = updateKey(secrets.docId, 'forged', 0);
    const k2 = updateKey(secrets.docId, 'forged', 1);
    const k3 = updateKey(secrets.docId, 'forged', 2);
    await storage.batch([
      { type: 'put', key: k1, value: sealUpdateRecord(secrets.docKey, k1, Uint8Array.of(200, 1, 2, 3, 250, 251)) },
      { type: 'put', key: k2, value: seal(secrets.docKey, Uint8Array.of(0x7f, 0, 0), utf8(k2)) }, // unknown format
      // A valid record sealed for another key: swapping records between keys must fail.
      { type: 'put', key: k3, value: (await storage.list(`doc/${secrets.docId}/u/`))[0]!.value },
    ]);
    const b = await load(storage, secrets, { leader: neverLeader });
    expect(text(b.ydoc)).toBe('good');
    expect(new Map(b.doc.problems.map((p) => [p.key, p.reason]))).toEqual(
      new Map([
        [k1, 'decode'],
        [k2, 'decode'],
        [k3, 'decrypt'],
      ]),
    );
    expect(await storage.keys(`quarantine/${secrets.docId}/`)).toHaveLength(3);
  });

  it('records of another document (other docKey) do not open here', async () => {
    const x = await newDoc();
    const other = await x.keyring.createDoc({ kind: 'edit', editSecret: new Uint8Array(32).fill(9) });
    const a = await openDoc(x.storage, other, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, 'other doc');
    await a.doc.close();
    const [k] = await x.storage.keys(`doc/${other.docId}/`);
    const moved = k!.replace(other.docId, x.secrets.docId);
    await x.storage.batch([{ type: 'put', key: moved, value: (await x.storage.get(k!))! }]);
    const b = await load(x.storage, x.secrets, { leader: neverLeader });
    expect(b.doc.problems).toEqual([{ key: moved, reason: 'decrypt' }]);
    expect(text(b.ydoc)).toBe('');
  });
});

describe('LocalDoc: fast load into a Y.Doc it makes', () => {
  it('applies authenticated records into one Y.Doc and writes nothing back', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, '한글 and text');
    await a.doc.close();
    const keys = await storage.keys('');
    const b = await openDocFast(storage, secrets, { leader: neverLeader });
    expect(b.created).toEqual([b.ydoc]);
    expect(text(b.ydoc)).toBe('한글 and text');
    expect(b.doc.problems).toEqual([]);
    await b.doc.close();
    expect(await storage.keys('')).toEqual(keys);
  });

  it('a record that authenticates but does not apply: the load starts over, decoding first, in a new Y.Doc', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, 'good');
    await a.doc.close();
    const forged = updateKey(secrets.docId, 'forged', 0);
    const bytes = sealUpdateRecord(secrets.docKey, forged, Uint8Array.of(200, 1, 2, 3, 250, 251));
    await storage.batch([{ type: 'put', key: forged, value: bytes }]);
    const b = await openDocFast(storage, secrets, { leader: neverLeader });
    expect(b.created).toHaveLength(2);
    expect(b.ydoc).toBe(b.created[1]);
    expect(b.created[0]!.isDestroyed).toBe(true);
    expect(text(b.ydoc)).toBe('good');
    expect(b.doc.problems).toEqual([{ key: forged, reason: 'decode' }]);
    expect(await storage.get(quarantineKey(secrets.docId, forged))).toEqual(bytes);
    // the new Y.Doc is followed: an edit is saved
    b.ydoc.getText('body').insert(4, '!');
    await b.doc.close();
    expect(text((await openDocFast(storage, secrets)).ydoc)).toBe('good!');
  });

  it('unavailable storage: an error value, and the Y.Doc it made is destroyed', async () => {
    const { storage, secrets } = await newDoc();
    storage.close();
    const made: Y.Doc[] = [];
    const r = await LocalDoc.open(storage, secrets, () => {
      const d = new Y.Doc();
      made.push(d);
      return d;
    });
    expect(r).toMatchObject({ ok: false, error: 'unavailable' });
    expect(made.map((d) => d.isDestroyed)).toEqual([true]);
  });
});

describe('LocalDoc: the load is applied without encoding it back', () => {
  it('a change an observer makes while the load is applied is saved', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets);
    a.ydoc.getText('body').insert(0, 'stored');
    await a.doc.close();
    const ydoc = new Y.Doc();
    const marks = ydoc.getMap('marks');
    // e.g. a plugin that stamps a document the first time it sees content
    ydoc.getText('body').observe(() => {
      if (!marks.has('seen')) marks.set('seen', true);
    });
    const b = await openDoc(storage, secrets, {}, ydoc);
    expect(marks.get('seen')).toBe(true);
    await b.doc.close();
    const c = await openDoc(storage, secrets);
    expect(c.ydoc.getMap('marks').get('seen')).toBe(true);
    expect(text(c.ydoc)).toBe('stored');
  });
});

describe('LocalDoc: failing storage', () => {
  it('a quota error keeps the edits in memory, reports them, retries, and recovers', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader, coalesceMs: 1, retryMs: 1, maxRetryMs: 4 });
    storage.failNextBatch('quota', 3);
    const errors: StorageError[] = [];
    a.doc.on('error', (e) => errors.push(e));
    const saved = once<void>((cb) => a.doc.on('saved', cb));
    a.ydoc.getText('body').insert(0, '저장되어야 할 글');
    await saved;
    expect(errors.map((e) => e.code)).toEqual(['quota', 'quota', 'quota']);
    expect(a.doc.pendingUpdates).toBe(0);
    // Each attempt used a fresh key: nothing was overwritten.
    const keys = await storage.keys(`doc/${secrets.docId}/u/`);
    expect(keys).toHaveLength(1);
    expect(keys[0]!.endsWith('0000000003')).toBe(true);
    expect(text((await openDoc(storage, secrets)).ydoc)).toBe('저장되어야 할 글');
  });

  it('flush() rejects with the StorageError while edits stay pending; close() waits until they are written', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader, coalesceMs: 1e6, retryMs: 1e6 });
    a.ydoc.getText('body').insert(0, 'keep me');
    storage.failNextBatch('io');
    await expect(a.doc.flush()).rejects.toMatchObject({ code: 'io' });
    expect(a.doc.pendingUpdates).toBe(1);
    expect(await storage.keys(`doc/${secrets.docId}/`)).toEqual([]);
    storage.failNextBatch('quota');
    await expect(a.doc.close()).rejects.toMatchObject({ code: 'quota' });
    a.ydoc.getText('body').insert(7, '!'); // still attached after a failed close
    await a.doc.close();
    expect(text((await openDoc(storage, secrets)).ydoc)).toBe('keep me!');
  });
});

describe('LocalDoc: compaction and the storage bound', () => {
  it('after compaction the stored bytes are at most 1.5x the v2 encoding plus a fixed overhead', async () => {
    const { storage, secrets } = await newDoc();
    let doc = await openDoc(storage, secrets, { maxRecords: 8 });
    for (let session = 0; session < 6; session++) {
      const body = doc.ydoc.getText('body');
      for (let i = 0; i < 40; i++) {
        body.insert((i * 7) % (body.length + 1), i % 3 ? 'abc ' : '가나다 ');
        if (i % 4 === 0 && body.length > 10) body.delete(3, 2);
        await doc.doc.flush();
      }
      await doc.doc.close();
      doc = await openDoc(storage, secrets, { maxRecords: 8 });
      await doc.doc.whenIdle();
    }
    await doc.doc.flush();
    await doc.doc.compact();
    const stats = await doc.doc.stats();
    const v2 = Y.encodeStateAsUpdateV2(doc.ydoc).length;
    expect(stats.records).toBe(1);
    expect(stats.bytes).toBeLessThanOrEqual(1.5 * v2 + 64);
  });

  it('the record count stays within maxRecords + 2 over many flush cycles', async () => {
    const { storage, secrets } = await newDoc();
    const { ydoc, doc } = await openDoc(storage, secrets, { maxRecords: 10 });
    let most = 0;
    for (let i = 0; i < 300; i++) {
      ydoc.getText('body').insert(0, String(i % 10));
      await doc.flush();
      await doc.whenIdle();
      most = Math.max(most, (await storage.keys(`doc/${secrets.docId}/`)).length);
    }
    expect(most).toBeLessThanOrEqual(12);
    expect(most).toBeGreaterThan(5); // it did accumulate records between compactions
  });

  it('compacts on open when there is more than one record', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    for (let i = 0; i < 5; i++) {
      a.ydoc.getText('body').insert(0, 'r');
      await a.doc.flush();
    }
    await a.doc.close();
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(5);
    const b = await openDoc(storage, secrets);
    await Promise.resolve();
    await b.doc.whenIdle();
    expect(await storage.keys(`doc/${secrets.docId}/s/`)).toHaveLength(1);
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(1);
    expect(text((await openDoc(storage, secrets)).ydoc)).toBe('rrrrr');
  });

  it('deletes only the records it read: one written by another tab meanwhile survives', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader });
    a.ydoc.getText('body').insert(0, 'A1 ');
    await a.doc.flush();
    a.ydoc.getText('body').insert(3, 'A2 ');
    await a.doc.flush();
    await a.doc.close();

    // Another tab's record lands between compaction's read and its batch.
    const lateKey = updateKey(secrets.docId, 'othertab', 0);
    const other = (await openDoc(storage, secrets, { leader: neverLeader })).ydoc;
    const sv = Y.encodeStateVector(other);
    other.getText('body').insert(0, 'LATE ');
    const late = sealUpdateRecord(secrets.docKey, lateKey, Y.encodeStateAsUpdateV2(other, sv));
    const realBatch = storage.batch.bind(storage);
    let injected = false;
    storage.batch = async (ops) => {
      if (!injected && ops.some((o) => o.key.includes('/s/'))) {
        injected = true;
        await realBatch([{ type: 'put', key: lateKey, value: late }]);
      }
      return realBatch(ops);
    };
    // The default election makes this context leader at once; it compacts on open (two records).
    const leader = await openDoc(storage, secrets);
    await Promise.resolve();
    await leader.doc.whenIdle();
    storage.batch = realBatch;
    expect(injected).toBe(true);
    expect(await storage.keys(`doc/${secrets.docId}/s/`)).toHaveLength(1);
    expect(await storage.get(lateKey)).toEqual(late);
    expect(text((await openDoc(storage, secrets, { leader: neverLeader })).ydoc)).toBe('LATE A1 A2 ');
  });

  it('a non-leader never compacts', async () => {
    const { storage, secrets } = await newDoc();
    const a = await openDoc(storage, secrets, { leader: neverLeader, maxRecords: 2 });
    for (let i = 0; i < 10; i++) {
      a.ydoc.getText('body').insert(0, 'n');
      await a.doc.flush();
    }
    expect(await a.doc.compact()).toBe(false);
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(10);
  });
});

describe('LocalDoc: durability under steady typing (fake clock)', () => {
  it('with default options every edit older than 1 s is committed, even while typing never pauses', async () => {
    vi.useFakeTimers();
    try {
      const { storage, secrets } = await newDoc();
      const { ydoc, doc } = await openDoc(storage, secrets, { leader: neverLeader });
      const typedAt: number[] = [];
      const stored = async (): Promise<string> => {
        const probe = new Y.Doc();
        for (const e of await storage.list(`doc/${secrets.docId}/`)) {
          const r = openUpdateRecord(secrets.docKey, e.key, e.value);
          if (r.ok) Y.applyUpdateV2(probe, r.value);
        }
        return probe.getText('body').toString();
      };
      for (let t = 0; t < 3000; t += 40) {
        ydoc.getText('body').insert(ydoc.getText('body').length, String.fromCharCode(0xac00 + typedAt.length));
        typedAt.push(t);
        await vi.advanceTimersByTimeAsync(40);
        const now = t + 40;
        const mustHave = typedAt.filter((at) => now - at >= 1000).length;
        expect((await stored()).length).toBeGreaterThanOrEqual(mustHave);
      }
      await doc.close();
      expect(await stored()).toBe(text(ydoc));
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('LocalDoc: memory in a tab that never leads', () => {
  it('forgets record keys another tab compacted away', async () => {
    const { storage, secrets } = await newDoc();
    const hub = new MemoryNotifierHub(false);
    const follower = await openDoc(storage, secrets, { leader: neverLeader, notifier: hub.notifier() });
    const leader = await openDoc(storage, secrets, { maxRecords: 8, notifier: hub.notifier() });
    for (let i = 0; i < 1500; i++) {
      follower.ydoc.getText('body').insert(0, 'f');
      await follower.doc.flush();
      hub.deliverAll();
      await leader.doc.whenIdle();
    }
    await follower.doc.whenIdle();
    const known = (follower.doc as unknown as { applied: Set<string> }).applied.size;
    expect(known).toBeLessThan(1100);
    expect(await storage.keys(`doc/${secrets.docId}/`)).not.toHaveLength(0);
    hub.deliverAll();
    await follower.doc.whenIdle();
    expect(text(leader.ydoc)).toBe('f'.repeat(1500));
  });
});

describe('LocalDoc: automatic compaction waits for idle time', () => {
  it('runs only when the idle callback fires, and close() does not wait for it', async () => {
    const { storage, secrets } = await newDoc();
    const queued: (() => void)[] = [];
    const { ydoc, doc } = await openDoc(storage, secrets, { maxRecords: 3, idle: (run) => queued.push(run) });
    for (let i = 0; i < 5; i++) {
      ydoc.getText('body').insert(0, 'i');
      await doc.flush();
    }
    expect(queued).toHaveLength(1);
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(5);
    queued.shift()!();
    await doc.whenIdle();
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(1);

    for (let i = 0; i < 5; i++) {
      ydoc.getText('body').insert(0, 'j');
      await doc.flush();
    }
    expect(queued).toHaveLength(1);
    await doc.close(); // returns although the idle callback never fired
    queued.shift()!();
    await Promise.resolve();
    expect(await storage.keys(`doc/${secrets.docId}/`)).toHaveLength(6);
    expect(text((await openDoc(storage, secrets)).ydoc)).toBe('jjjjjiiiii');
  });
});

describe('LocalDoc: damaged records met after open', () => {
  it("another tab's damaged record is quarantined and reported through the 'problem' event", async () => {
    const { storage, secrets } = await newDoc();
    const hub = new MemoryNotifierHub(false);
    const a = await openDoc(storage, secrets, { leader: neverLeader, notifier: hub.notifier() });
    const b = await openDoc(storage, secrets, { leader: neverLeader, notifier: hub.notifier() });
    const problems: unknown[] = [];
    a.doc.on('problem', (p) => problems.push(p));
    b.ydoc.getText('body').insert(0, 'from b');
    await b.doc.flush();
    const [key] = await storage.keys(`doc/${secrets.docId}/u/${b.doc.deviceId}/`);
    const v = (await storage.get(key!))!;
    v[10] = v[10]! ^ 0xff;
    await storage.batch([{ type: 'put', key: key!, value: v }]);
    hub.deliverAll();
    await a.doc.whenIdle();
    expect(problems).toEqual([{ key, reason: 'decrypt' }]);
    expect(text(a.ydoc)).toBe('');
    expect(await storage.get(quarantineKey(secrets.docId, key!))).toEqual(v);
  });

  it('a record that cannot be moved aside stays in place and is reported once', async () => {
    const { storage, secrets } = await newDoc();
    const w = await openDoc(storage, secrets, { leader: neverLeader });
    w.ydoc.getText('body').insert(0, 'x');
    await w.doc.close();
    const [key] = await storage.keys(`doc/${secrets.docId}/`);
    const v = (await storage.get(key!))!;
    v[v.length - 1] = v[v.length - 1]! ^ 1;
    await storage.batch([{ type: 'put', key: key!, value: v }]);
    storage.failNextBatch('quota');
    const errors: string[] = [];
    const ydoc = new Y.Doc();
    let becomeLeader = (): void => {};
    const manual: LeaderElection = {
      acquire: (_name, onLeader) => {
        becomeLeader = onLeader;
        return { release() {} };
      },
    };
    const doc = new LocalDoc(storage, secrets, ydoc, { leader: manual });
    doc.on('error', (e) => errors.push(e.code));
    await doc.load();
    expect(errors).toEqual(['quota']);
    expect(doc.problems).toEqual([{ key, reason: 'decrypt' }]);
    expect(await storage.get(key!)).toEqual(v);
    ydoc.getText('body').insert(0, 'y');
    await doc.flush();
    becomeLeader();
    expect(await doc.compact()).toBe(true); // meets the damaged record again
    expect(doc.problems).toHaveLength(1);
    expect(await storage.get(quarantineKey(secrets.docId, key!))).toEqual(v);
  });
});
