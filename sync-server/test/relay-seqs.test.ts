/**
 * Per-device sequence rules and the devices-per-document limit: the store's AppendRules on both backends,
 * `seq-gap` on the real server process, and `too-many-devices` through attachRelay with a small limit.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { newId, openUpdate, sealSnapshot, sealUpdate } from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log';
import { attachRelay } from '../src/relay/index';
import { openRelayStore, type RelayStore } from '../src/store/index';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const env = (s: string): Uint8Array => bytes(s);

function newDoc(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

async function write(c: TestClient, keys: DocKeys, deviceId: string, seq: number, body: string) {
  c.send({
    type: 'update',
    docId: keys.docId,
    relaySeq: 0,
    envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, bytes(body)),
  });
  return c.nextWhere((f) => f.docId === keys.docId && (f.type === 'ack' || f.type === 'reject'));
}

const tmp: string[] = [];
afterAll(async () => {
  for (const d of tmp) await rm(d, { recursive: true, force: true });
});

const backends: [string, () => Promise<RelayStore>][] = [
  ['memory', () => openRelayStore({ kind: 'memory' })],
  [
    'sqlite',
    async () => {
      const d = await mkdtemp(path.join(tmpdir(), 'dure-seqs-'));
      tmp.push(d);
      return openRelayStore({ kind: 'sqlite', file: path.join(d, 'relay.db') });
    },
  ],
];

describe.each(backends)('AppendRules (%s store)', (_name, make) => {
  const contiguous = { contiguous: true } as const;

  it('contiguous: a device starts at 1 and never skips ahead; duplicates stay duplicates', async () => {
    const s = await make();
    await s.createDoc('d', new Uint8Array(32));
    expect(await s.appendUpdate('d', 'A', 2, env('a2'), contiguous)).toEqual({ ok: false, error: 'seq-gap' });
    expect(await s.appendUpdate('d', 'A', 1, env('a1'), contiguous)).toMatchObject({ ok: true });
    expect(await s.appendUpdate('d', 'A', 3, env('a3'), contiguous)).toEqual({ ok: false, error: 'seq-gap' });
    expect(await s.appendUpdate('d', 'A', 2, env('a2'), contiguous)).toMatchObject({ ok: true });
    expect(await s.appendUpdate('d', 'A', 1, env('again'), contiguous)).toEqual({ ok: false, error: 'duplicate' });
    // Another device has its own sequence.
    expect(await s.appendUpdate('d', 'B', 1, env('b1'), contiguous)).toMatchObject({ ok: true });
    // Refused writes were not stored and did not take a relay sequence number.
    const read = await s.readSince('d', 0);
    if (!read.ok) throw new Error(read.error);
    expect(read.value.updates.map((u) => [u.deviceId, u.deviceSeq, u.relaySeq])).toEqual([
      ['A', 1, 1],
      ['A', 2, 2],
      ['B', 1, 3],
    ]);
    // Without rules the store keeps its old contract: gaps allowed.
    expect(await s.appendUpdate('d', 'B', 9, env('b9'))).toMatchObject({ ok: true });
    await s.close();
  });

  it('contiguous: what a snapshot covers counts as held after its updates are deleted', async () => {
    const s = await make();
    await s.createDoc('d', new Uint8Array(32));
    for (let i = 1; i <= 3; i++) await s.appendUpdate('d', 'A', i, env(`a${i}`), contiguous);
    expect(await s.applySnapshot('d', env('snap'), new Map([['A', 3]]))).toMatchObject({
      ok: true,
      value: { deleted: 3 },
    });
    expect(await s.appendUpdate('d', 'A', 5, env('a5'), contiguous)).toEqual({ ok: false, error: 'seq-gap' });
    expect(await s.appendUpdate('d', 'A', 3, env('a3'), contiguous)).toEqual({ ok: false, error: 'duplicate' });
    expect(await s.appendUpdate('d', 'A', 4, env('a4'), contiguous)).toMatchObject({ ok: true });
    await s.close();
  });

  it('parentCheck: sees the current envelope inside the transaction; false is stale and changes nothing', async () => {
    const s = await make();
    await s.createDoc('d', new Uint8Array(32));
    await s.appendUpdate('d', 'A', 1, env('a1'));
    const seen: (string | undefined)[] = [];
    const check = (answer: boolean) => (current: Uint8Array | undefined) => {
      seen.push(current && text(current));
      return answer;
    };
    expect(await s.applySnapshot('d', env('first'), new Map([['A', 1]]), check(true))).toMatchObject({ ok: true });
    await s.appendUpdate('d', 'A', 2, env('a2'));
    expect(await s.applySnapshot('d', env('second'), new Map([['A', 2]]), check(false))).toEqual({
      ok: false,
      error: 'stale',
    });
    expect(seen).toEqual([undefined, 'first']);
    const read = await s.readSince('d', 0);
    if (!read.ok) throw new Error(read.error);
    expect(text(read.value.snapshot!.envelope)).toBe('first');
    expect(read.value.updates.map((u) => u.deviceSeq)).toEqual([2]);
    await s.close();
  });

  it('maxDevices: a new device beyond the limit is refused, known ones continue, snapshot coverage counts', async () => {
    const s = await make();
    await s.createDoc('d', new Uint8Array(32));
    const rules = { contiguous: true, maxDevices: 2 };
    expect(await s.appendUpdate('d', 'A', 1, env('a1'), rules)).toMatchObject({ ok: true });
    expect(await s.appendUpdate('d', 'B', 1, env('b1'), rules)).toMatchObject({ ok: true });
    expect(await s.appendUpdate('d', 'C', 1, env('c1'), rules)).toEqual({ ok: false, error: 'too-many-devices' });
    expect(await s.appendUpdate('d', 'A', 2, env('a2'), rules)).toMatchObject({ ok: true });
    const covers = new Map([
      ['A', 2],
      ['B', 1],
    ]);
    expect(await s.applySnapshot('d', env('snap'), covers)).toMatchObject({ ok: true, value: { deleted: 3 } });
    // No update rows are left, but the snapshot still names A and B.
    expect(await s.appendUpdate('d', 'C', 1, env('c1'), rules)).toEqual({ ok: false, error: 'too-many-devices' });
    expect(await s.appendUpdate('d', 'B', 2, env('b2'), rules)).toMatchObject({ ok: true });
    // Another document has its own count.
    await s.createDoc('e', new Uint8Array(32));
    expect(await s.appendUpdate('e', 'C', 1, env('c1'), rules)).toMatchObject({ ok: true });
    await s.close();
  });
});

describe('seq-gap on the real server', () => {
  let dir: string;
  let server: Running;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dure-seqgap-'));
    tmp.push(dir);
    server = await startServer(['--port', '0', '--data-dir', path.join(dir, 'data'), '--web-dir', path.join(dir, 'x')]);
  });
  afterAll(async () => {
    server?.child.kill('SIGTERM');
    await server?.exited;
  });

  it('an update that skips ahead is refused seq-gap: not stored, not fanned out; the writer can fill the gap', async () => {
    const { edit, view } = newDoc();
    const w = await TestClient.open(server.port);
    await w.create(edit);
    await w.prove(edit);
    const r = await TestClient.open(server.port);
    await r.hello(view.docId);
    const device = newId();
    expect(await write(w, edit, device, 1, 'one')).toMatchObject({ type: 'ack', seq: 1 });
    expect(await write(w, edit, device, 3, 'three')).toMatchObject({
      type: 'reject',
      reason: 'seq-gap',
      deviceId: device,
      seq: 3,
    });
    expect(await write(w, edit, device, 2, 'two')).toMatchObject({ type: 'ack', seq: 2 });
    expect(await write(w, edit, device, 3, 'three')).toMatchObject({ type: 'ack', seq: 3 });
    const live: string[] = [];
    for (let i = 0; i < 3; i++) {
      const u = await r.next('update');
      const o = openUpdate(view, u.envelope);
      if (!o.ok) throw new Error(o.error);
      live.push(text(o.value));
    }
    expect(live).toEqual(['one', 'two', 'three']);
    // After compaction the covered seqs still count: the next one is 4.
    const snap = sealSnapshot(edit, { epoch: 0, parent: null, covers: [{ deviceId: device, through: 3 }] }, bytes('s'));
    w.send({ type: 'snapshot', docId: edit.docId, relaySeq: 0, envelope: snap });
    expect(await w.outcome(edit.docId, 'snapshot')).toMatchObject({ type: 'done' });
    expect(await write(w, edit, device, 5, 'five')).toMatchObject({ type: 'reject', reason: 'seq-gap' });
    expect(await write(w, edit, device, 4, 'four')).toMatchObject({ type: 'ack', seq: 4 });
    w.ws.terminate();
    r.ws.terminate();
  });
});

describe('devices per document through the relay', () => {
  let http: Server;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const store = await openRelayStore({ kind: 'memory' });
    http = createServer((_req, res) => res.writeHead(404).end());
    const relay = attachRelay(http, { store, logger: silentLogger, limits: { devicesPerDocument: 3 } });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    close = async () => {
      await relay.close();
      await new Promise((resolve) => http.close(resolve));
      await store.close();
    };
  });
  afterAll(async () => close?.());

  it('a writer inventing device ids is refused too-many-devices; known devices and other documents go on', async () => {
    const port = (http.address() as AddressInfo).port;
    const { edit } = newDoc();
    const other = newDoc().edit;
    const w = await TestClient.open(port);
    await w.create(edit);
    await w.prove(edit);
    await w.create(other);
    await w.prove(other);
    const devices = [newId(), newId(), newId()];
    for (const d of devices) expect(await write(w, edit, d, 1, 'x')).toMatchObject({ type: 'ack' });
    const extra = newId();
    expect(await write(w, edit, extra, 1, 'x')).toMatchObject({
      type: 'reject',
      reason: 'too-many-devices',
      deviceId: extra,
    });
    expect(await write(w, edit, devices[0]!, 2, 'x')).toMatchObject({ type: 'ack', seq: 2 });
    expect(await write(w, other, extra, 1, 'x')).toMatchObject({ type: 'ack' });
    w.ws.terminate();
  });
});
