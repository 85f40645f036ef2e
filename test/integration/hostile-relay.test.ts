/**
 * The hostile relay harness itself, with raw protocol clients: each attack does to the frame stream
 * exactly what it claims (so a session test that passes is not passing because the attack never ran).
 */
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { decodeFrame, newId, openUpdate, sealUpdate, type Frame } from '@dure/shared/protocol/index';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../sync-server/test/relay-client';
import { duplicate, reorder, startHostileRelay, tamper, withhold, type HostileRelay } from './hostile-relay';
import { startTestServer, type TestServer } from './server';

let server: TestServer;
let relay: HostileRelay;
const open: TestClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
  relay = await startHostileRelay(server.url);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await relay?.close();
  await server?.stop();
});

async function client(port: number): Promise<TestClient> {
  const c = await TestClient.open(port);
  open.push(c);
  return c;
}

/** A document on the real relay with `n` updates from one device, written directly (not through the proxy). */
async function docWithUpdates(n: number): Promise<{ keys: DocKeys; deviceId: string }> {
  const keys = deriveDocKeys(newEditCapability());
  const w = await client(server.port);
  expect((await w.create(keys)).type).toBe('done');
  await w.prove(keys);
  const deviceId = newId();
  for (let seq = 1; seq <= n; seq++) {
    w.send({
      type: 'update',
      docId: keys.docId,
      relaySeq: 0,
      envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, Uint8Array.of(seq)),
    });
    await w.next('ack', (f) => f.seq === seq);
  }
  return { keys, deviceId };
}

type UpdateFrame = Extract<Frame, { type: 'update' }>;
const seqs = (frames: readonly Frame[]): number[] => frames.map((f) => (f as UpdateFrame).envelope.seq);

describe('hostile relay harness', () => {
  it('passes everything through unchanged when no attack is installed', async () => {
    const { keys } = await docWithUpdates(3);
    const v = await client(relay.port);
    const { frames } = await v.hello(keys.docId);
    expect(seqs(frames)).toEqual([1, 2, 3]);
    for (const f of frames) expect(openUpdate(keys, (f as UpdateFrame).envelope).ok).toBe(true);
  });

  it('tamper: the chosen update still decodes as a frame but no longer verifies', async () => {
    const { keys, deviceId } = await docWithUpdates(3);
    for (const part of ['ciphertext', 'seq', 'epoch', 'nonce', 'signature'] as const) {
      const a = tamper({ deviceId, seq: 2 }, part);
      const remove = relay.attack(a);
      const v = await client(relay.port);
      const { frames } = await v.hello(keys.docId);
      remove();
      expect(a.hits, part).toBe(1);
      expect(frames).toHaveLength(3);
      const opened = frames.map((f) => openUpdate(keys, (f as UpdateFrame).envelope));
      expect(
        opened.map((r) => (r.ok ? 'ok' : r.error)),
        part,
      ).toEqual(['ok', 'bad-signature', 'ok']);
    }
  });

  it('withhold: the chosen update never arrives, the rest do', async () => {
    const { keys, deviceId } = await docWithUpdates(3);
    const remove = relay.attack(withhold({ deviceId, seq: 2 }));
    const v = await client(relay.port);
    expect(seqs((await v.hello(keys.docId)).frames)).toEqual([1, 3]);
    remove();
    const again = await client(relay.port);
    expect(seqs((await again.hello(keys.docId)).frames)).toEqual([1, 2, 3]);
  });

  it('reorder: seq 2 arrives after seq 3', async () => {
    const { keys, deviceId } = await docWithUpdates(3);
    const a = reorder({ deviceId, seq: 2 }, (raw, conn) => relay.inject(raw, conn));
    const remove = relay.attack(a);
    const v = await client(relay.port);
    const { frames } = await v.hello(keys.docId);
    remove();
    expect(a.done).toBe(true);
    expect(seqs(frames)).toEqual([1, 3, 2]);
  });

  it('replay: an update is delivered twice, and inject can send any earlier frame again', async () => {
    const { keys, deviceId } = await docWithUpdates(2);
    const remove = relay.attack(duplicate({ deviceId, seq: 1 }));
    const v = await client(relay.port);
    const { frames } = await v.hello(keys.docId);
    remove();
    expect(seqs(frames)).toEqual([1, 1, 2]);
    const first = relay.log.find(
      (s) => s.dir === 'down' && s.frame?.type === 'update' && s.frame.docId === keys.docId,
    )!;
    const [conn] = relay.connections().slice(-1);
    relay.inject(first.raw, conn);
    const again = await v.next('update');
    expect(again.envelope.seq).toBe(1);
    expect(decodeFrame(first.raw).ok).toBe(true);
  });
});
