/**
 * RelayConnection without a network: a fake socket and the memory store, so time (the prove deadline) and
 * socket state (a reader that stopped reading) can be controlled. The wire itself is covered by relay.test.ts.
 */
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import {
  CLOSE,
  decodeFrame,
  encodeFrame,
  newId,
  sealPresence,
  sealUpdate,
  signCreate,
  signProve,
  type Frame,
} from '@dure/shared/protocol/index';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../src/log';
import { DEFAULT_RELAY_LIMITS } from '../src/relay/index';
import { newRelayCounters, RelayConnection, type FrameSocket, type RelayLimits } from '../src/relay/connection';
import { Hub } from '../src/relay/hub';
import { openRelayStore, type RelayStore } from '../src/store/index';

class FakeSocket implements FrameSocket {
  readyState = 1;
  bufferedAmount = 0;
  readonly received: Frame[] = [];
  closeCode: number | undefined;
  send(data: Uint8Array): void {
    const r = decodeFrame(data);
    if (!r.ok) throw new Error(`relay sent an undecodable frame: ${r.error}`);
    this.received.push(r.value);
  }
  close(code: number): void {
    this.closeCode = code;
    this.readyState = 3;
  }
  last(): Frame | undefined {
    return this.received.at(-1);
  }
}

async function setup(limits: Partial<RelayLimits> = {}, store?: RelayStore) {
  const s = store ?? (await openRelayStore({ kind: 'memory' }));
  const ctx = {
    store: s,
    hub: new Hub(),
    logger: silentLogger,
    limits: { ...DEFAULT_RELAY_LIMITS, ...limits },
    counters: newRelayCounters(),
  };
  const open = () => {
    const socket = new FakeSocket();
    const conn = new RelayConnection(socket, ctx);
    const send = async (f: Frame) => {
      conn.receive(encodeFrame(f), true);
      await conn.idle;
    };
    return { socket, conn, send };
  };
  return { store: s, open };
}

const hello = (docId: string, write = false): Frame => ({
  type: 'hello',
  docId,
  write,
  knownSnapId: null,
  sinceRelaySeq: 0,
});
const create = (keys: DocKeys): Frame => ({
  type: 'create',
  docId: keys.docId,
  writePub: keys.writePub,
  signature: signCreate(keys),
  inviteToken: new Uint8Array(0),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('RelayConnection', () => {
  it('closes with proveTimeout when a challenge is not answered, and traffic does not move the deadline', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { open } = await setup({ proveDeadlineMs: 30_000 });
    const keys = deriveDocKeys(newEditCapability());
    const c = open();
    await c.send(create(keys));
    await c.send(hello(keys.docId, true));
    expect(c.socket.last()).toMatchObject({ type: 'challenge' });
    for (let i = 0; i < 5; i++) {
      vi.advanceTimersByTime(5_000);
      // A fresh challenge and other traffic keep coming; the deadline stays where the first challenge put it.
      await c.send(hello(keys.docId, true));
    }
    expect(c.socket.closeCode).toBeUndefined();
    vi.advanceTimersByTime(5_000);
    expect(c.socket.closeCode).toBe(CLOSE.proveTimeout);
  });

  it('does not close a connection that proved in time', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const { open } = await setup({ proveDeadlineMs: 30_000 });
    const keys = deriveDocKeys(newEditCapability());
    const c = open();
    await c.send(create(keys));
    await c.send(hello(keys.docId, true));
    const ch = c.socket.last();
    if (ch?.type !== 'challenge') throw new Error('no challenge');
    await c.send({ type: 'prove', docId: keys.docId, nonce: ch.nonce, signature: signProve(keys, ch) });
    expect(c.socket.last()).toMatchObject({ type: 'done', op: 'prove' });
    vi.advanceTimersByTime(60_000);
    expect(c.socket.closeCode).toBeUndefined();
  });

  it('closes with tooManyDocuments past the per-connection document limit', async () => {
    const { open } = await setup({ documentsPerConnection: 2 });
    const c = open();
    const docs = [0, 1, 2].map(() => deriveDocKeys(newEditCapability()));
    for (const d of docs) await c.send(create(d));
    await c.send(hello(docs[0]!.docId));
    await c.send(hello(docs[1]!.docId));
    expect(c.socket.closeCode).toBeUndefined();
    await c.send(hello(docs[2]!.docId));
    expect(c.socket.closeCode).toBe(CLOSE.tooManyDocuments);
  });

  it('closes a subscriber that stopped reading instead of buffering without bound', async () => {
    const { open } = await setup({ maxBufferedBytes: 1024 });
    const keys = deriveDocKeys(newEditCapability());
    const writer = open();
    const reader = open();
    await writer.send(create(keys));
    await writer.send(hello(keys.docId, true));
    const ch = writer.socket.last();
    if (ch?.type !== 'challenge') throw new Error('no challenge');
    await writer.send({ type: 'prove', docId: keys.docId, nonce: ch.nonce, signature: signProve(keys, ch) });
    await reader.send(hello(keys.docId));
    reader.socket.bufferedAmount = 4096;
    const env = sealUpdate(keys, { epoch: 0, deviceId: newId(), seq: 1 }, new Uint8Array(10));
    await writer.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env });
    expect(writer.socket.last()).toMatchObject({ type: 'ack', seq: 1 });
    expect(reader.socket.closeCode).toBe(CLOSE.rateLimited);
    expect(writer.socket.closeCode).toBeUndefined();
  });

  it('a store that throws closes only that connection with internal', async () => {
    const broken = await openRelayStore({ kind: 'memory' });
    broken.getBlob = () => Promise.reject(new Error('disk on fire'));
    const { open } = await setup({}, broken);
    const a = open();
    const b = open();
    await a.send({ type: 'blob-get', docId: newId(), blobId: newId() });
    expect(a.socket.closeCode).toBe(CLOSE.internal);
    const keys = deriveDocKeys(newEditCapability());
    await b.send(create(keys));
    expect(b.socket.last()).toMatchObject({ type: 'done', op: 'create' });
  });

  it('catch-up and live delivery meet without a gap or a duplicate while the read is in flight', async () => {
    const store = await openRelayStore({ kind: 'memory' });
    const realRead = store.readSince.bind(store);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    let reads = 0;
    store.readSince = async (docId, since) => {
      // The reader's read sees the document as it was before the writer's second update...
      if (reads++ === 0) {
        const snapshotOfThen = await realRead(docId, since);
        await gate;
        return snapshotOfThen;
      }
      return realRead(docId, since);
    };
    const { open } = await setup({}, store);
    const keys = deriveDocKeys(newEditCapability());
    const writer = open();
    await writer.send(create(keys));
    const device = newId();
    const put = (seq: number) =>
      store.appendUpdate(
        keys.docId,
        device,
        seq,
        sealUpdate(keys, { epoch: 0, deviceId: device, seq }, new Uint8Array(1)).bytes,
      );
    await put(1);
    const reader = open();
    reader.conn.receive(encodeFrame(hello(keys.docId)), true);
    await vi.waitFor(() => expect(reads).toBe(1));
    // ...while the writer commits two more, which reach the reader through fan-out during the read.
    await writer.send(hello(keys.docId, true));
    const ch = writer.socket.received.find((f) => f.type === 'challenge');
    if (ch?.type !== 'challenge') throw new Error('no challenge');
    await writer.send({ type: 'prove', docId: keys.docId, nonce: ch.nonce, signature: signProve(keys, ch) });
    for (const seq of [2, 3]) {
      const env = sealUpdate(keys, { epoch: 0, deviceId: device, seq }, new Uint8Array(1));
      await writer.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env });
    }
    release();
    await reader.conn.idle;
    const seen = reader.socket.received.map((f) => (f.type === 'update' ? `u${f.relaySeq}` : f.type));
    expect(seen).toEqual(['u1', 'synced', 'u2', 'u3']);
  });

  it('a store that cannot commit gets a storage-unavailable reject, never an ack or a fan-out', async () => {
    const store = await openRelayStore({ kind: 'memory' });
    store.appendUpdate = () => Promise.resolve({ ok: false, error: 'storage-unavailable' } as const);
    const { open } = await setup({}, store);
    const keys = deriveDocKeys(newEditCapability());
    const writer = open();
    const reader = open();
    await writer.send(create(keys));
    await writer.send(hello(keys.docId, true));
    const ch = writer.socket.last();
    if (ch?.type !== 'challenge') throw new Error('no challenge');
    await writer.send({ type: 'prove', docId: keys.docId, nonce: ch.nonce, signature: signProve(keys, ch) });
    await reader.send(hello(keys.docId));
    const device = newId();
    const env = sealUpdate(keys, { epoch: 0, deviceId: device, seq: 1 }, new Uint8Array(1));
    await writer.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env });
    expect(writer.socket.last()).toMatchObject({
      type: 'reject',
      reason: 'storage-unavailable',
      deviceId: device,
      seq: 1,
    });
    expect(writer.socket.received.some((f) => f.type === 'ack')).toBe(false);
    expect(reader.socket.received.some((f) => f.type === 'update')).toBe(false);
    expect(writer.socket.closeCode).toBeUndefined();
  });

  it('drops presence beyond its per-document rate instead of relaying it', async () => {
    const { open } = await setup({ presencePerSecond: 3 });
    const keys = deriveDocKeys(newEditCapability());
    const a = open();
    const b = open();
    await a.send(create(keys));
    await a.send(hello(keys.docId));
    await b.send(hello(keys.docId));
    for (let i = 1; i <= 10; i++) {
      const envelope = sealPresence(keys, { epoch: 0, sessionId: newId(), counter: i }, new Uint8Array(2));
      await a.send({ type: 'presence', docId: keys.docId, envelope });
    }
    // One window at most (the test runs well inside a second, or spans one boundary).
    const relayed = b.socket.received.filter((f) => f.type === 'presence').length;
    expect(relayed).toBeGreaterThanOrEqual(3);
    expect(relayed).toBeLessThanOrEqual(6);
    expect(a.socket.received.some((f) => f.type === 'presence')).toBe(false);
  });

  it('presence for a document the connection did not subscribe to goes nowhere', async () => {
    const { open } = await setup();
    const keys = deriveDocKeys(newEditCapability());
    const a = open();
    const b = open();
    await a.send(create(keys));
    await b.send(hello(keys.docId));
    const envelope = sealPresence(keys, { epoch: 0, sessionId: newId(), counter: 1 }, new Uint8Array(2));
    await a.send({ type: 'presence', docId: keys.docId, envelope });
    expect(b.socket.received.some((f) => f.type === 'presence')).toBe(false);
  });
});
