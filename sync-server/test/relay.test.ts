/**
 * The sync endpoint end to end: the real server process (SQLite store in a temporary data folder), the
 * real `ws` client, frames and envelopes made by shared/protocol with real capability keys.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import {
  CLOSE,
  MAX_FRAME_BYTES,
  decodeEnvelope,
  newId,
  openSnapshot,
  openUpdate,
  sealPresence,
  sealSnapshot,
  sealUpdate,
  type Frame,
  type SnapshotEnvelope,
} from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
/** Distinctive plaintext, so the data folder and logs can be scanned for it afterwards. */
const SECRET_WORDS = ['plaintext-canary-한글-문서', 'second-canary-줄'];

function newDoc(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

function update(keys: DocKeys, deviceId: string, seq: number, body: string): Frame {
  return {
    type: 'update',
    docId: keys.docId,
    relaySeq: 0,
    envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, bytes(body)),
  };
}

async function write(c: TestClient, keys: DocKeys, deviceId: string, seq: number, body: string) {
  c.send(update(keys, deviceId, seq, body));
  return c.nextWhere((f) => f.docId === keys.docId && (f.type === 'ack' || f.type === 'reject'));
}

function bodies(keys: DocKeys, frames: readonly Frame[]): string[] {
  return frames.map((f) => {
    if (f.type === 'update') {
      const r = openUpdate(keys, f.envelope);
      if (!r.ok) throw new Error(`update did not open: ${r.error}`);
      return text(r.value);
    }
    if (f.type === 'snapshot') {
      const r = openSnapshot(keys, f.envelope);
      if (!r.ok) throw new Error(`snapshot did not open: ${r.error}`);
      return `snapshot:${text(r.value)}`;
    }
    throw new Error(`unexpected ${f.type}`);
  });
}

let dir: string;
let server: Running;
const clients: TestClient[] = [];
async function connect(): Promise<TestClient> {
  const c = await TestClient.open(server.port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-relay-'));
  server = await startServer([
    '--port',
    '0',
    '--data-dir',
    path.join(dir, 'data'),
    '--web-dir',
    path.join(dir, 'none'),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe('relay over WebSocket', () => {
  it('creates a document, acks a write, and a second (view-only) connection reads it live and on catch-up', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    expect(await a.create(edit)).toMatchObject({ type: 'done', op: 'create' });
    await a.prove(edit);
    const device = newId();
    expect(await write(a, edit, device, 1, SECRET_WORDS[0]!)).toMatchObject({
      type: 'ack',
      deviceId: device,
      seq: 1,
      relaySeq: 1,
    });

    const b = await connect();
    const caught = await b.hello(view.docId);
    expect(bodies(view, caught.frames)).toEqual([SECRET_WORDS[0]]);
    expect(caught.synced.relaySeq).toBe(1);

    expect(await write(a, edit, device, 2, '둘째 줄')).toMatchObject({ type: 'ack', seq: 2, relaySeq: 2 });
    const live = await b.next('update', (f) => f.docId === view.docId);
    expect(live.relaySeq).toBe(2);
    expect(bodies(view, [live])).toEqual(['둘째 줄']);
    // The writer gets its ack, not its own update back.
    expect(a.unread().filter((f) => f.type === 'update')).toEqual([]);
  });

  it('refuses a second registration of the same document id and a create with a bad signature', async () => {
    const { edit } = newDoc();
    const a = await connect();
    expect(await a.create(edit)).toMatchObject({ type: 'done' });
    const other = newDoc().edit;
    // Someone else's key for this docId: the first registration wins.
    a.send({
      type: 'create',
      docId: edit.docId,
      writePub: other.writePub,
      signature: new Uint8Array(64).fill(1),
      inviteToken: new Uint8Array(0),
    });
    expect(await a.outcome(edit.docId, 'create')).toMatchObject({ type: 'reject', reason: 'bad-signature' });
    expect(await a.create(edit)).toMatchObject({ type: 'reject', reason: 'doc-exists' });
  });

  it('refuses writes before prove and from a view-only connection, and stores none of them', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    // An edit-capable connection that has not proved yet.
    a.send({ type: 'hello', docId: edit.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    await a.next('synced');
    const device = newId();
    expect(await write(a, edit, device, 1, 'before prove')).toMatchObject({
      type: 'reject',
      reason: 'not-proven',
      deviceId: device,
      seq: 1,
    });

    // A viewer replays a writer's signed envelope and then tries to prove with a signature it cannot make.
    const v = await connect();
    await v.hello(view.docId, 0, true);
    const c = await v.next('challenge');
    v.send({ type: 'prove', docId: view.docId, nonce: c.nonce, signature: new Uint8Array(64).fill(7) });
    expect(await v.outcome(view.docId, 'prove')).toMatchObject({ type: 'reject', reason: 'bad-signature' });
    v.send(update(edit, device, 1, 'replayed by a viewer'));
    expect(await v.next('reject', (f) => f.reason === 'not-proven')).toMatchObject({ deviceId: device, seq: 1 });
    v.send({ type: 'blob-put', docId: view.docId, blobId: newId(), data: bytes('blob') });
    expect(await v.next('reject', (f) => f.reason === 'not-proven')).toMatchObject({ docId: view.docId });

    const reader = await connect();
    expect((await reader.hello(view.docId)).frames).toEqual([]);
  });

  it('a prove nonce is single-use and bound to its connection', async () => {
    const { edit } = newDoc();
    const a = await connect();
    await a.create(edit);
    a.send({ type: 'hello', docId: edit.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const ca = await a.next('challenge');
    const { signProve } = await import('@dure/shared/protocol/index');
    // Another connection presents a's nonce and signature: bound to a's connection id, so stale here.
    const b = await connect();
    b.send({ type: 'hello', docId: edit.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    await b.next('challenge');
    b.send({ type: 'prove', docId: edit.docId, nonce: ca.nonce, signature: signProve(edit, ca) });
    expect(await b.outcome(edit.docId, 'prove')).toMatchObject({ type: 'reject', reason: 'stale-challenge' });
    a.send({ type: 'prove', docId: edit.docId, nonce: ca.nonce, signature: signProve(edit, ca) });
    expect(await a.outcome(edit.docId, 'prove')).toMatchObject({ type: 'done' });
    a.send({ type: 'prove', docId: edit.docId, nonce: ca.nonce, signature: signProve(edit, ca) });
    expect(await a.outcome(edit.docId, 'prove')).toMatchObject({ type: 'reject', reason: 'stale-challenge' });
  });

  it('catches up after a reconnect with exactly what was written while away', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    const device = newId();
    for (let i = 1; i <= 3; i++) await write(a, edit, device, i, `u${i}`);
    const b = await connect();
    const first = await b.hello(view.docId);
    expect(bodies(view, first.frames)).toEqual(['u1', 'u2', 'u3']);
    await b.close();
    for (let i = 4; i <= 5; i++) await write(a, edit, device, i, `u${i}`);
    // A retransmission after a lost ack is a duplicate (treat as acknowledged), not stored twice.
    expect(await write(a, edit, device, 5, 'u5')).toMatchObject({ type: 'reject', reason: 'duplicate', seq: 5 });
    const b2 = await connect();
    const again = await b2.hello(view.docId, first.synced.relaySeq);
    expect(bodies(view, again.frames)).toEqual(['u4', 'u5']);
    expect(again.synced.relaySeq).toBe(5);
  });

  it('snapshot compaction keeps the updates it does not cover; a bad snapshot signature is refused', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    const d1 = newId();
    const d2 = newId();
    for (let i = 1; i <= 3; i++) await write(a, edit, d1, i, `d1-${i}`);
    await write(a, edit, d2, 1, 'd2-1');

    const snap = sealSnapshot(
      edit,
      { epoch: 0, parent: null, covers: [{ deviceId: d1, through: 2 }] },
      bytes('state d1..2'),
    );
    const forged = new Uint8Array(snap.bytes);
    forged[forged.length - 1]! ^= 1;
    const bad = decodeEnvelope(forged);
    if (!bad.ok) throw new Error('forged snapshot did not decode');
    a.send({ type: 'snapshot', docId: edit.docId, relaySeq: 0, envelope: bad.value as SnapshotEnvelope });
    expect(await a.outcome(edit.docId, 'snapshot')).toMatchObject({ type: 'reject', reason: 'bad-signature' });

    const watcher = await connect();
    await watcher.hello(view.docId, 4);
    a.send({ type: 'snapshot', docId: edit.docId, relaySeq: 0, envelope: snap });
    expect(await a.outcome(edit.docId, 'snapshot')).toMatchObject({ type: 'done', op: 'snapshot' });
    const pushed = await watcher.next('snapshot');
    expect(bodies(view, [pushed])).toEqual(['snapshot:state d1..2']);

    const reader = await connect();
    const caught = await reader.hello(view.docId);
    expect(bodies(view, caught.frames)).toEqual(['snapshot:state d1..2', 'd1-3', 'd2-1']);

    // A snapshot naming an update the relay never received is refused.
    const ahead = sealSnapshot(edit, { epoch: 0, parent: null, covers: [{ deviceId: d1, through: 9 }] }, bytes('x'));
    a.send({ type: 'snapshot', docId: edit.docId, relaySeq: 0, envelope: ahead });
    expect(await a.outcome(edit.docId, 'snapshot')).toMatchObject({ type: 'reject', reason: 'snapshot-not-covered' });
  });

  it('relays presence to the other subscribers only', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    const b = await connect();
    await b.hello(view.docId);
    const env = sealPresence(view, { epoch: 0, sessionId: newId(), counter: 1 }, bytes('cursor'));
    b.send({ type: 'presence', docId: view.docId, envelope: env });
    const got = await a.next('presence');
    expect(got.envelope.bytes).toEqual(env.bytes);
    expect(b.unread().some((f) => f.type === 'presence')).toBe(false);
  });

  it('stores and returns a blob, and refuses an unknown one', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    const blobId = newId();
    a.send({ type: 'blob-put', docId: edit.docId, blobId, data: bytes('encrypted image') });
    expect(await a.outcome(edit.docId, 'blob-put')).toMatchObject({ type: 'done', blobId });
    const b = await connect();
    b.send({ type: 'blob-get', docId: view.docId, blobId });
    expect(text((await b.next('blob')).data)).toBe('encrypted image');
    b.send({ type: 'blob-get', docId: view.docId, blobId: newId() });
    expect(await b.next('reject')).toMatchObject({ reason: 'not-found' });
  });

  it('delete with a fresh challenge removes the document and tells its other subscribers', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    await write(a, edit, newId(), 1, 'to be deleted');
    const b = await connect();
    await b.hello(view.docId);
    expect(await a.deleteDoc(edit)).toMatchObject({ type: 'done', op: 'delete' });
    expect(await b.next('reject')).toMatchObject({ docId: view.docId, reason: 'unknown-doc' });
    const c = await connect();
    c.send({ type: 'hello', docId: view.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect(await c.next('reject')).toMatchObject({ reason: 'unknown-doc' });
  });

  it('a delete before prove, for a stale nonce, or with a bad signature is refused', async () => {
    const { edit, view } = newDoc();
    const a = await connect();
    await a.create(edit);
    const { signDelete } = await import('@dure/shared/protocol/index');
    // A viewer cannot prove, so its delete is refused before any signature is looked at.
    const v = await connect();
    v.send({ type: 'hello', docId: view.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const cv = await v.next('challenge');
    v.send({ type: 'delete', docId: view.docId, nonce: cv.nonce, signature: new Uint8Array(64).fill(3) });
    expect(await v.outcome(view.docId, 'delete')).toMatchObject({ type: 'reject', reason: 'not-proven' });

    await a.prove(edit);
    a.send({ type: 'hello', docId: edit.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const c1 = await a.next('challenge');
    a.send({ type: 'hello', docId: edit.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const c2 = await a.next('challenge');
    a.send({ type: 'delete', docId: edit.docId, nonce: c1.nonce, signature: signDelete(edit, c1) });
    expect(await a.outcome(edit.docId, 'delete')).toMatchObject({ type: 'reject', reason: 'stale-challenge' });
    a.send({ type: 'hello', docId: edit.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const c3 = await a.next('challenge');
    // A prove signature over the right nonce is not a delete signature (its own domain).
    const { signProve } = await import('@dure/shared/protocol/index');
    a.send({ type: 'delete', docId: edit.docId, nonce: c3.nonce, signature: signProve(edit, c3) });
    expect(await a.outcome(edit.docId, 'delete')).toMatchObject({ type: 'reject', reason: 'bad-signature' });
    expect(c2.nonce).not.toEqual(c3.nonce);
    // The document is still there.
    expect((await connect().then((r) => r.hello(view.docId))).synced.docId).toBe(view.docId);
  });

  it('a malformed frame, an unknown type, a wrong version or a relay-only frame closes only that connection', async () => {
    const { edit } = newDoc();
    const a = await connect();
    await a.create(edit);
    await a.prove(edit);
    const cases: [Uint8Array, number][] = [
      [Uint8Array.of(1, 0x05, 1, 2, 3), CLOSE.malformed],
      [Uint8Array.of(1, 0x7f), CLOSE.malformed],
      [Uint8Array.of(2, 0x01, ...new Uint8Array(40)), CLOSE.unsupportedVersion],
    ];
    for (const [frame, code] of cases) {
      const bad = await connect();
      bad.sendRaw(frame);
      expect((await bad.closed).code).toBe(code);
    }
    const relayOnly = await connect();
    relayOnly.send({ type: 'synced', docId: edit.docId, relaySeq: 1 });
    expect((await relayOnly.closed).code).toBe(CLOSE.malformed);
    const textFrame = await connect();
    textFrame.ws.send('hello');
    expect((await textFrame.closed).code).toBe(CLOSE.malformed);
    // The bystander's connection is untouched.
    expect(await write(a, edit, newId(), 1, 'still here')).toMatchObject({ type: 'ack' });
  });

  it('an oversized frame closes that connection with 1009 (message too big) before it is buffered', async () => {
    const c = await connect();
    c.sendRaw(new Uint8Array(MAX_FRAME_BYTES + 1));
    expect((await c.closed).code).toBe(1009);
    const ok = await connect();
    ok.sendRaw(Uint8Array.of(1, 0x7f));
    expect((await ok.closed).code).toBe(CLOSE.malformed);
  });

  it('a frame flood closes the connection with rate-limited', async () => {
    const c = await connect();
    const frame = { type: 'blob-get', docId: newId(), blobId: newId() } as const;
    for (let i = 0; i < 1000; i++) c.send(frame);
    expect((await c.closed).code).toBe(CLOSE.rateLimited);
  });

  it('the data folder and the logs hold none of the plaintext the tests wrote', async () => {
    const data = path.join(dir, 'data');
    const files = await readdir(data);
    expect(files).toContain('relay.db');
    // Blob bytes are ciphertext made by clients; the test's stand-in blob is deliberately not scanned for.
    const haystacks = [server.stdout(), server.stderr()];
    for (const f of files) haystacks.push((await readFile(path.join(data, f))).toString('latin1'));
    for (const word of [...SECRET_WORDS, 'state d1..2', 'to be deleted', 'replayed by a viewer']) {
      const utf8 = Buffer.from(word, 'utf8').toString('latin1');
      for (const h of haystacks) expect(h.includes(utf8), word).toBe(false);
    }
  });
});

describe('relay restart', () => {
  it('every acknowledged update is there after the process is killed (SQLite)', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'dure-relay-restart-'));
    const args = ['--port', '0', '--data-dir', path.join(d, 'data'), '--web-dir', path.join(d, 'none')];
    try {
      const { edit, view } = newDoc();
      const s1 = await startServer(args);
      const a = await TestClient.open(s1.port);
      await a.create(edit);
      await a.prove(edit);
      const device = newId();
      for (let i = 1; i <= 5; i++) expect(await write(a, edit, device, i, `kept ${i}`)).toMatchObject({ type: 'ack' });
      s1.child.kill('SIGKILL');
      await s1.exited;
      a.ws.terminate();

      const s2 = await startServer(args);
      try {
        const b = await TestClient.open(s2.port);
        const caught = await b.hello(view.docId);
        expect(bodies(view, caught.frames)).toEqual([1, 2, 3, 4, 5].map((i) => `kept ${i}`));
        // The registered key survived too: the writer can prove again and continue.
        await b.prove(edit, caught.synced.relaySeq);
        expect(await write(b, edit, device, 6, 'kept 6')).toMatchObject({ type: 'ack', relaySeq: 6 });
        b.ws.terminate();
      } finally {
        s2.child.kill('SIGTERM');
        await s2.exited;
      }
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  it('--store memory keeps nothing across a restart and writes no relay.db; SIGTERM closes clients with 1001', async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'dure-relay-mem-'));
    const args = [
      '--port',
      '0',
      '--store',
      'memory',
      '--data-dir',
      path.join(d, 'data'),
      '--web-dir',
      path.join(d, 'none'),
    ];
    try {
      const { edit } = newDoc();
      const s1 = await startServer(args);
      const a = await TestClient.open(s1.port);
      expect(await a.create(edit)).toMatchObject({ type: 'done' });
      // SIGTERM with a client still connected: it is told the server is going away, and the exit is clean.
      s1.child.kill('SIGTERM');
      expect((await a.closed).code).toBe(1001);
      expect(await s1.exited).toBe(0);
      const s2 = await startServer(args);
      const b = await TestClient.open(s2.port);
      b.send({ type: 'hello', docId: edit.docId, write: false, knownSnapId: null, sinceRelaySeq: 0 });
      expect(await b.next('reject')).toMatchObject({ reason: 'unknown-doc' });
      b.ws.terminate();
      s2.child.kill('SIGTERM');
      await s2.exited;
      // the memory store does not even create the data folder (nothing on disk: a LAN meeting relies on it)
      expect(existsSync(path.join(d, 'data'))).toBe(false);
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });
});
