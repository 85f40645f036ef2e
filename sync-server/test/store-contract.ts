/**
 * The RelayStore contract: every backend runs this same suite (store-memory.test.ts, store-sqlite.test.ts).
 * It asserts what a relay's users depend on: acknowledged updates are readable, duplicates are refused,
 * compaction deletes exactly what a snapshot covers and nothing else, deletion leaves nothing behind.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Covers, RelayStore, StoredUpdate } from '../src/store/types';

export interface Clock {
  now: number;
}

/** Makes a fresh, empty store reading the given clock. */
export type MakeStore = (clock: Clock) => Promise<RelayStore>;

const DAY = 24 * 60 * 60 * 1000;
const enc = new TextEncoder();
const dec = new TextDecoder();
const env = (s: string): Uint8Array => enc.encode(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : dec.decode(b));
const pub = (n: number): Uint8Array => new Uint8Array(32).fill(n);
const covers = (o: Record<string, number>): Covers => new Map(Object.entries(o));
const summary = (us: readonly StoredUpdate[]): string[] =>
  us.map((u) => `${u.deviceId}:${u.deviceSeq}=${text(u.envelope)}`);

/** Small seeded PRNG (mulberry32): a failing random run can be replayed. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function relayStoreContract(name: string, make: MakeStore): void {
  describe(`RelayStore contract: ${name}`, () => {
    let open: RelayStore[] = [];
    const clock: Clock = { now: 0 };
    async function fresh(): Promise<RelayStore> {
      clock.now = Date.UTC(2026, 10, 23);
      const s = await make(clock);
      open.push(s);
      return s;
    }
    afterEach(async () => {
      for (const s of open) await s.close().catch(() => undefined);
      open = [];
    });

    it('creates a document once and returns its record', async () => {
      const s = await fresh();
      const r = await s.createDoc('doc-1', pub(7));
      expect(r).toEqual({
        ok: true,
        value: { docId: 'doc-1', writePub: pub(7), createdAt: clock.now, lastActivity: clock.now, headSeq: 0 },
      });
      expect(await s.createDoc('doc-1', pub(8))).toMatchObject({ ok: false, error: 'doc-exists' });
      expect((await s.getDoc('doc-1'))?.writePub).toEqual(pub(7));
      expect(await s.getDoc('nope')).toBeUndefined();
    });

    it('assigns increasing relay sequence numbers and reads updates back in order', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      expect(await s.appendUpdate('d', 'A', 1, env('a1'))).toEqual({ ok: true, value: { relaySeq: 1 } });
      expect(await s.appendUpdate('d', 'B', 1, env('b1'))).toEqual({ ok: true, value: { relaySeq: 2 } });
      expect(await s.appendUpdate('d', 'A', 2, env('a2'))).toEqual({ ok: true, value: { relaySeq: 3 } });
      const all = await s.readSince('d', 0);
      expect(all.ok && summary(all.value.updates)).toEqual(['A:1=a1', 'B:1=b1', 'A:2=a2']);
      expect(all.ok && all.value.updates.map((u) => u.relaySeq)).toEqual([1, 2, 3]);
      expect(all.ok && all.value.headSeq).toBe(3);
      expect(all.ok && all.value.snapshot).toBeUndefined();
      const later = await s.readSince('d', 2);
      expect(later.ok && summary(later.value.updates)).toEqual(['A:2=a2']);
      expect((await s.readSince('d', 3)).ok && (await s.readSince('d', 3))).toMatchObject({
        value: { updates: [], headSeq: 3 },
      });
      expect((await s.getDoc('d'))?.headSeq).toBe(3);
    });

    it('keeps relay sequence numbers per document', async () => {
      const s = await fresh();
      await s.createDoc('x', pub(1));
      await s.createDoc('y', pub(2));
      await s.appendUpdate('x', 'A', 1, env('x1'));
      expect(await s.appendUpdate('y', 'A', 1, env('y1'))).toEqual({ ok: true, value: { relaySeq: 1 } });
      const y = await s.readSince('y', 0);
      expect(y.ok && summary(y.value.updates)).toEqual(['A:1=y1']);
    });

    it('refuses a duplicate (deviceId, seq) as a value and stores nothing', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 5, env('first'));
      expect(await s.appendUpdate('d', 'A', 5, env('second'))).toMatchObject({ ok: false, error: 'duplicate' });
      expect(await s.appendUpdate('d', 'B', 5, env('other device'))).toMatchObject({ ok: true });
      const r = await s.readSince('d', 0);
      expect(r.ok && summary(r.value.updates)).toEqual(['A:5=first', 'B:5=other device']);
      expect(r.ok && r.value.headSeq).toBe(2);
    });

    it('refuses writes to an unknown document as values', async () => {
      const s = await fresh();
      expect(await s.appendUpdate('ghost', 'A', 1, env('x'))).toMatchObject({ ok: false, error: 'unknown-doc' });
      expect(await s.readSince('ghost', 0)).toMatchObject({ ok: false, error: 'unknown-doc' });
      expect(await s.applySnapshot('ghost', env('s'), covers({}))).toMatchObject({ ok: false, error: 'unknown-doc' });
      expect(await s.putBlob('ghost', 'b', env('x'))).toMatchObject({ ok: false, error: 'unknown-doc' });
      expect(await s.deleteDoc('ghost')).toEqual({ ok: true, value: false });
      expect(await s.getDoc('ghost')).toBeUndefined();
      expect((await s.stats()).documents).toBe(0);
    });

    it('copies bytes in and out: a caller reusing its buffers cannot change what is stored', async () => {
      const s = await fresh();
      const key = pub(3);
      await s.createDoc('d', key);
      key.fill(0);
      const buf = env('original');
      await s.appendUpdate('d', 'A', 1, buf);
      buf.fill(0x41);
      const first = await s.readSince('d', 0);
      if (!first.ok) throw new Error('read failed');
      first.value.updates[0]?.envelope.fill(0x42);
      const again = await s.readSince('d', 0);
      expect(again.ok && summary(again.value.updates)).toEqual(['A:1=original']);
      expect((await s.getDoc('d'))?.writePub).toEqual(pub(3));
    });

    it('a snapshot deletes exactly the updates it covers and keeps the rest', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1')); // 1
      await s.appendUpdate('d', 'B', 1, env('b1')); // 2
      await s.appendUpdate('d', 'A', 2, env('a2')); // 3
      await s.appendUpdate('d', 'C', 1, env('c1')); // 4
      await s.appendUpdate('d', 'A', 3, env('a3')); // 5
      // covers A up to 2 and B up to 1; A:3 and C:1 arrived meanwhile and must survive
      const r = await s.applySnapshot('d', env('snap1'), covers({ A: 2, B: 1 }));
      expect(r).toEqual({ ok: true, value: { relaySeq: 6, deleted: 3 } });
      const all = await s.readSince('d', 0);
      if (!all.ok) throw new Error('read failed');
      expect(text(all.value.snapshot?.envelope)).toBe('snap1');
      expect(all.value.snapshot?.relaySeq).toBe(6);
      expect(all.value.snapshot?.covers).toEqual(covers({ A: 2, B: 1 }));
      expect(summary(all.value.updates)).toEqual(['C:1=c1', 'A:3=a3']);
      expect(all.value.headSeq).toBe(6);
      const st = await s.stats();
      expect([st.updates, st.snapshots]).toEqual([2, 1]);
    });

    it('readSince returns the snapshot only to readers older than it, with the uncovered updates after since', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1')); // 1
      await s.appendUpdate('d', 'B', 1, env('b1')); // 2
      await s.appendUpdate('d', 'B', 2, env('b2')); // 3
      await s.applySnapshot('d', env('snap'), covers({ A: 1 })); // 4
      await s.appendUpdate('d', 'A', 2, env('a2')); // 5
      const mid = await s.readSince('d', 2);
      expect(mid.ok && text(mid.value.snapshot?.envelope)).toBe('snap');
      expect(mid.ok && summary(mid.value.updates)).toEqual(['B:2=b2', 'A:2=a2']);
      const current = await s.readSince('d', 4);
      expect(current.ok && current.value.snapshot).toBeUndefined();
      expect(current.ok && summary(current.value.updates)).toEqual(['A:2=a2']);
      expect(current.ok && current.value.headSeq).toBe(5);
    });

    it('refuses a snapshot that covers updates the store never received, and changes nothing', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1'));
      await s.appendUpdate('d', 'A', 2, env('a2'));
      expect(await s.applySnapshot('d', env('s'), covers({ A: 3 }))).toMatchObject({ ok: false, error: 'not-held' });
      expect(await s.applySnapshot('d', env('s'), covers({ A: 2, Z: 1 }))).toMatchObject({
        ok: false,
        error: 'not-held',
      });
      const r = await s.readSince('d', 0);
      expect(r.ok && r.value.snapshot).toBeUndefined();
      expect(r.ok && summary(r.value.updates)).toEqual(['A:1=a1', 'A:2=a2']);
      expect(r.ok && r.value.headSeq).toBe(2);
    });

    it('refuses a snapshot that covers less than the current one (that would lose compacted updates)', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1'));
      await s.appendUpdate('d', 'B', 1, env('b1'));
      await s.appendUpdate('d', 'A', 2, env('a2'));
      expect(await s.applySnapshot('d', env('s1'), covers({ A: 1, B: 1 }))).toMatchObject({ ok: true });
      expect(await s.applySnapshot('d', env('s2'), covers({ A: 2 }))).toMatchObject({ ok: false, error: 'regresses' });
      expect(await s.applySnapshot('d', env('s2'), covers({ A: 0, B: 1 }))).toMatchObject({
        ok: false,
        error: 'regresses',
      });
      const r = await s.readSince('d', 0);
      expect(r.ok && text(r.value.snapshot?.envelope)).toBe('s1');
      expect(r.ok && summary(r.value.updates)).toEqual(['A:2=a2']);
      // a snapshot that covers the same set again (nothing new) is accepted: it replaces the bytes
      expect(await s.applySnapshot('d', env('s3'), covers({ A: 2, B: 1 }))).toEqual({
        ok: true,
        value: { relaySeq: 5, deleted: 1 },
      });
      const after = await s.readSince('d', 0);
      expect(after.ok && text(after.value.snapshot?.envelope)).toBe('s3');
      expect(after.ok && after.value.updates).toEqual([]);
      expect((await s.stats()).snapshots).toBe(1);
    });

    it('after a snapshot, a covered (deviceId, seq) is a duplicate and the next one is accepted', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1'));
      await s.appendUpdate('d', 'A', 2, env('a2'));
      await s.applySnapshot('d', env('s'), covers({ A: 2 }));
      expect(await s.appendUpdate('d', 'A', 1, env('replay'))).toMatchObject({ ok: false, error: 'duplicate' });
      expect(await s.appendUpdate('d', 'A', 2, env('replay'))).toMatchObject({ ok: false, error: 'duplicate' });
      expect(await s.appendUpdate('d', 'A', 3, env('a3'))).toEqual({ ok: true, value: { relaySeq: 4 } });
    });

    it('deleteDoc removes the document, its updates, snapshot and blobs', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.createDoc('keep', pub(2));
      await s.appendUpdate('d', 'A', 1, env('a1'));
      await s.appendUpdate('d', 'A', 2, env('a2'));
      await s.applySnapshot('d', env('s'), covers({ A: 1 }));
      await s.putBlob('d', 'img', env('png'));
      await s.appendUpdate('keep', 'A', 1, env('k1'));
      await s.putBlob('keep', 'img', env('other png'));
      expect(await s.deleteDoc('d')).toEqual({ ok: true, value: true });
      expect(await s.getDoc('d')).toBeUndefined();
      expect(await s.readSince('d', 0)).toMatchObject({ ok: false, error: 'unknown-doc' });
      expect(await s.getBlob('d', 'img')).toBeUndefined();
      expect(await s.stats()).toEqual({ documents: 1, updates: 1, snapshots: 0, blobs: 1, bytes: 2 + 9 });
      expect(text(await s.getBlob('keep', 'img'))).toBe('other png');
      // the id is free again and starts empty
      expect(await s.createDoc('d', pub(9))).toMatchObject({ ok: true, value: { headSeq: 0 } });
      const r = await s.readSince('d', 0);
      expect(r.ok && r.value).toEqual({ updates: [], headSeq: 0 });
    });

    it('stores blobs per document, once', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.createDoc('e', pub(2));
      expect(await s.putBlob('d', 'b1', env('bytes-d'))).toEqual({ ok: true, value: undefined });
      expect(await s.putBlob('d', 'b1', env('changed'))).toMatchObject({ ok: false, error: 'blob-exists' });
      expect(await s.putBlob('e', 'b1', env('bytes-e'))).toMatchObject({ ok: true });
      expect(text(await s.getBlob('d', 'b1'))).toBe('bytes-d');
      expect(text(await s.getBlob('e', 'b1'))).toBe('bytes-e');
      expect(await s.getBlob('d', 'b2')).toBeUndefined();
      expect(await s.stats()).toMatchObject({ blobs: 2, bytes: 14 });
    });

    it('the retention sweep deletes documents nobody touched for N days, and only those', async () => {
      const s = await fresh();
      await s.createDoc('idle', pub(1));
      await s.createDoc('written', pub(2));
      await s.createDoc('read', pub(3));
      await s.createDoc('blob', pub(4));
      await s.putBlob('idle', 'b', env('x'));
      clock.now += 20 * DAY;
      await s.appendUpdate('written', 'A', 1, env('w'));
      await s.touch('read');
      await s.putBlob('blob', 'b', env('y'));
      await s.touch('ghost'); // unknown: nothing happens
      clock.now += 11 * DAY;
      expect(await s.sweepExpired(30)).toEqual({ ok: true, value: 1 });
      expect(await s.getDoc('idle')).toBeUndefined();
      expect(await s.getBlob('idle', 'b')).toBeUndefined();
      expect((await s.getDoc('written'))?.lastActivity).toBe(clock.now - 11 * DAY);
      expect(await s.getDoc('read')).toBeDefined();
      expect(await s.getDoc('blob')).toBeDefined();
      expect(await s.sweepExpired(30)).toEqual({ ok: true, value: 0 });
      clock.now += 20 * DAY;
      expect(await s.sweepExpired(30)).toEqual({ ok: true, value: 3 });
      expect((await s.stats()).documents).toBe(0);
      await expect(s.sweepExpired(0)).rejects.toThrow(RangeError);
    });

    it('treats ids as opaque text: __proto__, constructor and Korean ids are ordinary keys', async () => {
      const s = await fresh();
      for (const id of ['__proto__', 'constructor', '문서-하나']) {
        expect(await s.createDoc(id, pub(1))).toMatchObject({ ok: true });
        expect(await s.appendUpdate(id, '__proto__', 1, env('p'))).toMatchObject({ ok: true });
        expect(await s.appendUpdate(id, '기기', 1, env('k'))).toMatchObject({ ok: true });
        const snap = await s.applySnapshot(id, env('s'), covers({ ['__proto__']: 1, 기기: 1 }));
        expect(snap).toMatchObject({ ok: true, value: { deleted: 2 } });
        const r = await s.readSince(id, 0);
        expect(r.ok && [...(r.value.snapshot?.covers ?? [])]).toEqual([
          ['__proto__', 1],
          ['기기', 1],
        ]);
      }
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((await s.stats()).documents).toBe(3);
    });

    it('counts documents, updates, snapshots, blobs and payload bytes', async () => {
      const s = await fresh();
      expect(await s.stats()).toEqual({ documents: 0, updates: 0, snapshots: 0, blobs: 0, bytes: 0 });
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, new Uint8Array(100));
      await s.appendUpdate('d', 'A', 2, new Uint8Array(50));
      await s.applySnapshot('d', new Uint8Array(30), covers({ A: 1 }));
      await s.putBlob('d', 'b', new Uint8Array(7));
      expect(await s.stats()).toEqual({ documents: 1, updates: 1, snapshots: 1, blobs: 1, bytes: 50 + 30 + 7 });
    });

    it('misuse throws: negative or fractional sequence numbers, empty ids, a closed store', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await expect(s.appendUpdate('d', 'A', -1, env('x'))).rejects.toThrow(RangeError);
      await expect(s.appendUpdate('d', 'A', 1.5, env('x'))).rejects.toThrow(RangeError);
      await expect(s.appendUpdate('d', '', 1, env('x'))).rejects.toThrow(TypeError);
      await expect(s.createDoc('', pub(1))).rejects.toThrow(TypeError);
      await expect(s.applySnapshot('d', env('s'), covers({ A: -2 }))).rejects.toThrow(RangeError);
      await s.close();
      await expect(s.getDoc('d')).rejects.toThrow(/closed/);
      await expect(s.appendUpdate('d', 'A', 1, env('x'))).rejects.toThrow(/closed/);
    });

    it('under interleaved writes and snapshots, every accepted update is either covered or still held', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      const rand = prng(20261123);
      const devices = ['A', 'B', 'C', 'D'];
      const next = new Map(devices.map((d) => [d, 1]));
      const accepted = new Map<string, string>(); // "device:seq" → envelope text
      let current = new Map<string, number>();
      let snapshots = 0;
      for (let round = 0; round < 300; round++) {
        const r = rand();
        if (r < 0.8) {
          const device = devices[Math.floor(rand() * devices.length)] ?? 'A';
          const seq = next.get(device) ?? 1;
          // some devices resend their last update (a retry after a lost ack): must be a duplicate
          const resend = seq > 1 && rand() < 0.1;
          const useSeq = resend ? seq - 1 : seq;
          const res = await s.appendUpdate('d', device, useSeq, env(`${device}${useSeq}-r${round}`));
          if (resend) {
            expect(res).toMatchObject({ ok: false, error: 'duplicate' });
          } else {
            expect(res.ok).toBe(true);
            accepted.set(`${device}:${useSeq}`, `${device}${useSeq}-r${round}`);
            next.set(device, seq + 1);
          }
        } else {
          // a snapshot covering a random prefix of what each device has sent so far (never less than before)
          const c = new Map<string, number>();
          for (const d of devices) {
            const sent = (next.get(d) ?? 1) - 1;
            const floor = current.get(d) ?? 0;
            if (sent === 0 && floor === 0) continue;
            c.set(d, floor + Math.floor(rand() * (sent - floor + 1)));
          }
          const res = await s.applySnapshot('d', env(`snap${round}`), c);
          expect(res.ok).toBe(true);
          current = c;
          snapshots++;
        }
      }
      expect(snapshots).toBeGreaterThan(10);
      const all = await s.readSince('d', 0);
      if (!all.ok) throw new Error('read failed');
      const held = new Map(all.value.updates.map((u) => [`${u.deviceId}:${u.deviceSeq}`, text(u.envelope)]));
      for (const [key, body] of accepted) {
        const [device = '', seq = '0'] = key.split(':');
        const isCovered = Number(seq) <= (all.value.snapshot?.covers.get(device) ?? 0);
        // covered updates are gone from the log; all others are there with their own bytes
        expect(held.has(key), key).toBe(!isCovered);
        if (!isCovered) expect(held.get(key)).toBe(body);
      }
      const seqs = all.value.updates.map((u) => u.relaySeq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect((await s.stats()).updates).toBe(all.value.updates.length);
    });

    it('concurrent calls (not awaited one by one) keep every accepted update', async () => {
      const s = await fresh();
      await s.createDoc('d', pub(1));
      await s.appendUpdate('d', 'A', 1, env('a1'));
      const results = await Promise.all([
        s.appendUpdate('d', 'A', 2, env('a2')),
        s.applySnapshot('d', env('s'), covers({ A: 1 })),
        s.appendUpdate('d', 'B', 1, env('b1')),
        s.appendUpdate('d', 'A', 2, env('a2 again')),
      ]);
      expect(results.map((r) => r.ok)).toEqual([true, true, true, false]);
      const relaySeqs = results.flatMap((r) => (r.ok ? [r.value.relaySeq] : []));
      expect(new Set(relaySeqs).size).toBe(3);
      const all = await s.readSince('d', 0);
      expect(all.ok && summary(all.value.updates).sort()).toEqual(['A:2=a2', 'B:1=b1']);
    });
  });
}
