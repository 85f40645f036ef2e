/**
 * Group commit in the SQLite store: appends that arrive together are written in one transaction, each keeps
 * its own verdict (a refused append does not fail or roll back the others), relay sequence numbers follow
 * call order per document, and every acknowledged update survives a SIGKILL of the real server process sent
 * the moment the last ack arrived.
 */
import { statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { newId, sealUpdate } from '@dure/shared/protocol/index';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { SqliteRelayStore } from '../src/store/sqlite';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

const enc = new TextEncoder();
const dec = new TextDecoder();
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

const dirs: string[] = [];
const servers: Running[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(path.join(tmpdir(), 'dure-group-'));
  dirs.push(d);
  return d;
}
afterAll(async () => {
  for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  await Promise.all(servers.map((s) => s.exited));
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe('SqliteRelayStore group commit', () => {
  let store: SqliteRelayStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  it('a batch keeps each append its own verdict, in call order, and stays durable', async () => {
    const file = path.join(await tempDir(), 'relay.db');
    const s = (store = new SqliteRelayStore({ file }));
    await s.createDoc('d1', new Uint8Array(32));
    await s.createDoc('d2', new Uint8Array(32));
    const rules = { contiguous: true, maxDevices: 3 };
    // not awaited one by one: all of these are queued in the same turn and written together
    const results = await Promise.all([
      s.appendUpdate('d1', 'A', 1, enc.encode('a1'), rules),
      s.appendUpdate('d1', 'B', 1, enc.encode('b1'), rules),
      s.appendUpdate('d1', 'A', 3, enc.encode('a3 skips a2'), rules),
      s.appendUpdate('d2', '기기', 1, enc.encode('다른 문서'), rules),
      s.appendUpdate('ghost', 'A', 1, enc.encode('no such doc'), rules),
      s.appendUpdate('d1', 'A', 2, enc.encode('a2'), rules),
      s.appendUpdate('d1', 'B', 1, enc.encode('b1 again'), rules),
      s.appendUpdate('d1', 'C', 1, enc.encode('c1'), rules),
      s.appendUpdate('d1', 'D', 1, enc.encode('d1: a fourth device'), rules),
      s.appendUpdate('d1', 'A', 3, enc.encode('a3'), rules),
    ]);
    expect(results).toEqual([
      { ok: true, value: { relaySeq: 1 } },
      { ok: true, value: { relaySeq: 2 } },
      { ok: false, error: 'seq-gap' },
      { ok: true, value: { relaySeq: 1 } },
      { ok: false, error: 'unknown-doc' },
      { ok: true, value: { relaySeq: 3 } },
      { ok: false, error: 'duplicate' },
      { ok: true, value: { relaySeq: 4 } },
      { ok: false, error: 'too-many-devices' },
      { ok: true, value: { relaySeq: 5 } },
    ]);
    await s.close();
    store = undefined;
    const again = (store = new SqliteRelayStore({ file }));
    const d1 = await again.readSince('d1', 0);
    expect(
      d1.ok && d1.value.updates.map((u) => `${u.relaySeq} ${u.deviceId}:${u.deviceSeq}=${dec.decode(u.envelope)}`),
    ).toEqual(['1 A:1=a1', '2 B:1=b1', '3 A:2=a2', '4 C:1=c1', '5 A:3=a3']);
    const d2 = await again.readSince('d2', 0);
    expect(d2.ok && d2.value.updates.map((u) => dec.decode(u.envelope))).toEqual(['다른 문서']);
  });

  it('appends queued together are one transaction, not one commit each', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'relay.db');
    const s = (store = new SqliteRelayStore({ file }));
    await s.createDoc('d', new Uint8Array(32));
    const walFrames = (): number => {
      const check = new Database(file, { readonly: true, fileMustExist: true });
      const pageSize = check.pragma('page_size', { simple: true }) as number;
      check.close();
      // a WAL file is a 32-byte header, then frames of (24-byte header + one page)
      return Math.max(0, (statSync(`${file}-wal`).size - 32) / (pageSize + 24));
    };
    const before = walFrames();
    const n = 100;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        s.appendUpdate('d', `dev${i % 10}`, 1 + Math.floor(i / 10), enc.encode(`u${i}`)),
      ),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    // one commit per append would write the docs row's page, the updates page and two index pages each time
    // (≥ 4 frames per append); one transaction writes each touched page once
    expect(walFrames() - before).toBeLessThan(n / 4);
  });
});

/** Opens a writer for `keys` and proves write capability. */
async function writer(port: number, keys: DocKeys): Promise<TestClient> {
  const c = await TestClient.open(port);
  await c.prove(keys);
  return c;
}

describe('the relay acknowledges a group only after its commit', () => {
  it('many pipelined writers across documents: every update acked once, in order, all there after SIGKILL', async () => {
    const dir = await tempDir();
    const args = ['--port', '0', '--data-dir', path.join(dir, 'data'), '--web-dir', path.join(dir, 'none')];
    const first = await startServer(args);
    servers.push(first);
    const docs = Array.from({ length: 3 }, () => deriveDocKeys(newEditCapability()));
    const admin = await TestClient.open(first.port);
    for (const k of docs) expect(await admin.create(k)).toMatchObject({ type: 'done', op: 'create' });
    admin.ws.terminate();

    const PER_WRITER = 15;
    const writers = await Promise.all(
      Array.from({ length: 9 }, async (_, i) => {
        const keys = docs[i % docs.length]!;
        return { keys, device: newId(), client: await writer(first.port, keys) };
      }),
    );
    /** what each writer sent, in order; writer 0 skips seq 5 (sends 1–4 then 6…): 6 onward are seq-gaps */
    const plans = writers.map((_, w) =>
      Array.from({ length: PER_WRITER }, (_, n) => (w === 0 && n >= 4 ? n + 2 : n + 1)),
    );
    const sent = new Map<string, Uint8Array>();
    // all writers send everything at once, so the relay sees appends from many connections in the same turn
    writers.forEach(({ keys, device, client }, w) => {
      for (const seq of plans[w]!) {
        const env = sealUpdate(keys, { epoch: 0, deviceId: device, seq }, enc.encode(`w${w}-${seq}-한글`));
        sent.set(`${device}:${seq}`, env.bytes);
        client.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env });
      }
    });
    const outcomes = await Promise.all(
      writers.map(async ({ keys, client }) => {
        const got: { type: string; seq: number; relaySeq: number; reason?: string }[] = [];
        for (let n = 0; n < PER_WRITER; n++) {
          const f = await client.nextWhere((x) => x.docId === keys.docId && (x.type === 'ack' || x.type === 'reject'));
          if (f.type === 'ack') got.push({ type: 'ack', seq: f.seq, relaySeq: f.relaySeq });
          else if (f.type === 'reject') got.push({ type: 'reject', seq: f.seq, relaySeq: 0, reason: f.reason });
        }
        return got;
      }),
    );
    // the moment the last ack is in: no graceful shutdown, no chance to write anything more
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');

    /** docId → relaySeq → "device:seq" of every ack */
    const ackedByDoc = new Map<string, Map<number, string>>();
    writers.forEach(({ keys, device }, w) => {
      const got = outcomes[w]!;
      // one answer per update, in the order sent
      expect(got.map((g) => g.seq)).toEqual(plans[w]);
      const expected = plans[w]!.map((seq) => (w === 0 && seq > 5 ? 'reject' : 'ack'));
      expect(got.map((g) => g.type)).toEqual(expected);
      for (const g of got) if (g.type === 'reject') expect(g.reason).toBe('seq-gap');
      const acks = got.filter((g) => g.type === 'ack');
      // a device's updates get increasing relay sequence numbers
      expect(acks.map((a) => a.relaySeq)).toEqual([...acks.map((a) => a.relaySeq)].sort((a, b) => a - b));
      const byRelay = ackedByDoc.get(keys.docId) ?? new Map<number, string>();
      for (const a of acks) {
        expect(byRelay.has(a.relaySeq), `relaySeq ${a.relaySeq} acked twice`).toBe(false);
        byRelay.set(a.relaySeq, `${device}:${a.seq}`);
      }
      ackedByDoc.set(keys.docId, byRelay);
    });

    const second = await startServer(args);
    servers.push(second);
    const reader = await TestClient.open(second.port);
    for (const keys of docs) {
      const acked = ackedByDoc.get(keys.docId)!;
      const { frames, synced } = await reader.hello(keys.docId, 0);
      const held = new Map<number, string>();
      for (const f of frames) {
        if (f.type !== 'update') continue;
        const key = `${f.envelope.deviceId}:${f.envelope.seq}`;
        held.set(f.relaySeq, key);
        expect(hex(f.envelope.bytes), key).toBe(hex(sent.get(key)!));
      }
      // exactly what was acknowledged, at the relay sequence numbers the acks named: 1…n, no holes
      expect(held).toEqual(acked);
      expect([...acked.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: acked.size }, (_, i) => i + 1));
      expect(synced.relaySeq).toBe(acked.size);
    }
    reader.ws.terminate();
    second.child.kill('SIGTERM');
    await second.exited;
  }, 60_000);
});
