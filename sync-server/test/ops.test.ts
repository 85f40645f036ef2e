/**
 * Operations on the real server process: /metrics, --invite-token, --retention-days and the limit flags.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { CLOSE, newId, sealUpdate } from '@dure/shared/protocol/index';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

let dir: string;
const servers: Running[] = [];
const clients: TestClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-ops-'));
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.ws.terminate();
  for (const s of servers.splice(0)) await stop(s);
  await rm(dir, { recursive: true, force: true });
});

async function start(args: string[] = [], env: Record<string, string> = {}): Promise<Running> {
  const s = await startServer(['--port', '0', '--data-dir', path.join(dir, 'data'), ...args], env);
  servers.push(s);
  return s;
}

async function stop(s: Running): Promise<void> {
  if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  await s.exited;
}

async function connect(s: Running): Promise<TestClient> {
  const c = await TestClient.open(s.port);
  clients.push(c);
  return c;
}

const newDoc = (): DocKeys => deriveDocKeys(newEditCapability());

async function metrics(s: Running): Promise<{ type: string | null; body: string }> {
  const r = await fetch(`${s.url}metrics`);
  expect(r.status).toBe(200);
  return { type: r.headers.get('content-type'), body: await r.text() };
}

/** The value of one sample line, e.g. `dure_acks_total` or `dure_rejects_total{reason="not-proven"}`. */
function sample(body: string, series: string): number | undefined {
  for (const line of body.split('\n')) {
    if (line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    if (line.slice(0, sp) === series) return Number(line.slice(sp + 1));
  }
  return undefined;
}

describe('/metrics', () => {
  it('counts connections, documents, frames, bytes, acks, rejects and closes, and names no document', async () => {
    const s = await start();
    const before = await metrics(s);
    expect(before.type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(sample(before.body, 'dure_connections')).toBe(0);
    expect(sample(before.body, 'dure_acks_total')).toBe(0);
    expect(sample(before.body, 'dure_store_documents')).toBe(0);
    expect(sample(before.body, 'dure_store_up')).toBe(1);

    const doc = newDoc();
    const a = await connect(s);
    expect(await a.create(doc)).toMatchObject({ type: 'done', op: 'create' });
    const device = newId();
    // A write before prove: rejected, counted by reason.
    a.send({
      type: 'update',
      docId: doc.docId,
      relaySeq: 0,
      envelope: sealUpdate(doc, { epoch: 0, deviceId: device, seq: 1 }, bytes('x')),
    });
    expect(await a.next('reject')).toMatchObject({ reason: 'not-proven' });
    await a.prove(doc);
    for (let seq = 1; seq <= 3; seq++) {
      a.send({
        type: 'update',
        docId: doc.docId,
        relaySeq: 0,
        envelope: sealUpdate(doc, { epoch: 0, deviceId: device, seq }, bytes(`body ${seq}`)),
      });
      expect(await a.next('ack')).toMatchObject({ seq });
    }
    const b = await connect(s);
    await b.hello(doc.docId);

    const during = await metrics(s);
    expect(sample(during.body, 'dure_connections')).toBe(2);
    expect(sample(during.body, 'dure_documents_open')).toBe(1);
    expect(sample(during.body, 'dure_acks_total')).toBe(3);
    expect(sample(during.body, 'dure_rejects_total{reason="not-proven"}')).toBe(1);
    // create, the rejected update, hello, prove, 3 updates, and b's hello
    expect(sample(during.body, 'dure_frames_received_total')).toBe(8);
    expect(sample(during.body, 'dure_received_bytes_total')).toBeGreaterThan(3 * 64);
    expect(sample(during.body, 'dure_frames_sent_total')).toBeGreaterThanOrEqual(8);
    expect(sample(during.body, 'dure_sent_bytes_total')).toBeGreaterThan(0);
    expect(sample(during.body, 'dure_store_documents')).toBe(1);
    expect(sample(during.body, 'dure_store_updates')).toBe(3);
    expect(sample(during.body, 'dure_store_bytes')).toBeGreaterThan(0);

    // A text frame is a protocol error: that connection closes with 4000, and the code is counted.
    a.ws.send('not a frame');
    expect((await a.closed).code).toBe(CLOSE.malformed);
    b.ws.close(1000);
    await b.closed;
    let after = await metrics(s);
    // The server sees the close slightly after the client: poll (bounded) instead of timing.
    for (let i = 0; i < 50 && sample(after.body, 'dure_connections') !== 0; i++) {
      await new Promise((r) => setTimeout(r, 20));
      after = await metrics(s);
    }
    expect(sample(after.body, 'dure_connections')).toBe(0);
    expect(sample(after.body, 'dure_documents_open')).toBe(0);
    expect(sample(after.body, `dure_connection_closes_total{code="${CLOSE.malformed}"}`)).toBe(1);
    expect(sample(after.body, 'dure_connection_closes_total{code="1000"}')).toBe(1);
    expect(after.body).not.toContain(doc.docId);
    expect(after.body).not.toContain(device);
    // Every non-comment line is `name{labels} number`, each family has HELP and TYPE.
    for (const line of after.body.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) dure_\w+ .+|dure_\w+(\{\w+="[^"]*"\})? \d+)$/);
    }
    expect(after.body.endsWith('\n')).toBe(true);
  });
});

describe('--invite-token', () => {
  it('refuses create without the matching token (invite-required) and accepts the right one', async () => {
    const s = await start(['--invite-token', '초대-token-1']);
    const c = await connect(s);
    const [d1, d2, d3, d4] = [newDoc(), newDoc(), newDoc(), newDoc()];
    expect(await c.create(d1)).toMatchObject({ type: 'reject', reason: 'invite-required' });
    expect(await c.create(d2, bytes('초대-token-2'))).toMatchObject({ type: 'reject', reason: 'invite-required' });
    expect(await c.create(d3, bytes('초대-token-1x'))).toMatchObject({ type: 'reject', reason: 'invite-required' });
    expect(await c.create(d4, bytes('초대-token-1'))).toMatchObject({ type: 'done', op: 'create' });
    // A refused create registered nothing.
    c.send({ type: 'hello', docId: d1.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect(await c.next('reject', (f) => f.docId === d1.docId)).toMatchObject({ reason: 'unknown-doc' });
    expect(s.stdout()).not.toContain('초대-token');
  });

  it('reads DURE_INVITE_TOKEN; without any token anyone may create', async () => {
    const s = await start([], { DURE_INVITE_TOKEN: 'env-token' });
    const c = await connect(s);
    expect(await c.create(newDoc())).toMatchObject({ type: 'reject', reason: 'invite-required' });
    expect(await c.create(newDoc(), bytes('env-token'))).toMatchObject({ type: 'done' });
    const open = await start(['--data-dir', path.join(dir, 'open')]);
    const o = await connect(open);
    expect(await o.create(newDoc())).toMatchObject({ type: 'done' });
  });
});

describe('--retention-days', () => {
  it('deletes documents nobody touched for that long at start, and keeps the others', async () => {
    const first = await start();
    const c = await connect(first);
    const [old, fresh] = [newDoc(), newDoc()];
    expect(await c.create(old)).toMatchObject({ type: 'done' });
    expect(await c.create(fresh)).toMatchObject({ type: 'done' });
    c.ws.terminate();
    await stop(first);

    // Age one document by rewriting its activity time while the server is stopped.
    const db = new Database(path.join(dir, 'data', 'relay.db'));
    const tenDaysAgo = Date.now() - 10 * 24 * 3600 * 1000;
    expect(db.prepare('UPDATE docs SET last_activity = ? WHERE doc_id = ?').run(tenDaysAgo, old.docId).changes).toBe(1);
    db.close();

    const second = await start([], { DURE_RETENTION_DAYS: '7' });
    const d = await connect(second);
    d.send({ type: 'hello', docId: old.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect(await d.next('reject', (f) => f.docId === old.docId)).toMatchObject({ reason: 'unknown-doc' });
    const kept = await d.hello(fresh.docId);
    expect(kept.synced).toMatchObject({ type: 'synced' });
    expect(second.stdout()).toMatch(/"msg":"retention sweep","days":7,"deleted":1/);
    expect(second.stdout()).not.toContain(old.docId);
  });
});

describe('limit flags', () => {
  it('--docs-per-connection closes a connection that opens one more document (4005)', async () => {
    const s = await start(['--docs-per-connection', '1']);
    const c = await connect(s);
    const [a, b] = [newDoc(), newDoc()];
    expect(await c.create(a)).toMatchObject({ type: 'done' });
    expect(await c.create(b)).toMatchObject({ type: 'done' });
    await c.hello(a.docId);
    c.send({ type: 'hello', docId: b.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect((await c.closed).code).toBe(CLOSE.tooManyDocuments);
  });

  it('--devices-per-document refuses a new device past the limit (too-many-devices); known devices go on', async () => {
    const s = await start(['--devices-per-document', '2']);
    const c = await connect(s);
    const keys = newDoc();
    expect(await c.create(keys)).toMatchObject({ type: 'done' });
    await c.prove(keys);
    const put = (deviceId: string, seq: number) => {
      c.send({
        type: 'update',
        docId: keys.docId,
        relaySeq: 0,
        envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, bytes('x')),
      });
      return c.nextWhere((f) => f.docId === keys.docId && (f.type === 'ack' || f.type === 'reject'));
    };
    const [a, b, extra] = [newId(), newId(), newId()];
    expect(await put(a, 1)).toMatchObject({ type: 'ack' });
    expect(await put(b, 1)).toMatchObject({ type: 'ack' });
    expect(await put(extra, 1)).toMatchObject({ type: 'reject', reason: 'too-many-devices' });
    expect(await put(a, 2)).toMatchObject({ type: 'ack', seq: 2 });
  });

  it('--max-frame-bytes refuses a bigger message with 1009; --frames-per-second closes a flood (4003)', async () => {
    const s = await start(['--max-frame-bytes', '2048', '--frames-per-second', '5']);
    const big = await connect(s);
    big.sendRaw(new Uint8Array(4096));
    expect((await big.closed).code).toBe(1009);
    const flood = await connect(s);
    for (let i = 0; i < 20; i++)
      flood.send({ type: 'hello', docId: newDoc().docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect((await flood.closed).code).toBe(CLOSE.rateLimited);
  });

  it('refuses limits out of range with exit code 2', async () => {
    const { runServer } = await import('./helpers');
    for (const args of [
      ['--retention-days', '0'],
      ['--max-frame-bytes', '99999999999'],
      ['--frames-per-second', 'x'],
      ['--devices-per-document', '0'],
    ]) {
      expect((await runServer(args)).code).toBe(2);
    }
    // four processes started one after another: each start takes 1–2 s on a loaded two-core machine
  }, 30_000);
});
