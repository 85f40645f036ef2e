/**
 * Seeded fuzz of the relay's handlers on the real process: valid frames of every kind, mutated (bit flips,
 * truncation, extension, type and length bytes), sent over many connections. Required outcome: the
 * process never crashes or hangs, each connection either answers or closes with a named code, and a
 * well-behaved client on the same server still works afterwards. The seed is in the test name.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import {
  CLOSE,
  encodeFrame,
  newId,
  sealPresence,
  sealSnapshot,
  sealUpdate,
  signCreate,
  type Frame,
} from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

const SEED = Number(process.env.RELAY_FUZZ_SEED ?? 0x5eed_0003);
const CONNECTIONS = 40;
const FRAMES_PER_CONNECTION = 12;

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function samples(): Uint8Array[] {
  const keys = deriveDocKeys(newEditCapability());
  const d = keys.docId;
  const device = newId();
  const frames: Frame[] = [
    { type: 'hello', docId: d, write: true, knownSnapId: null, sinceRelaySeq: 0 },
    { type: 'create', docId: d, writePub: keys.writePub, signature: signCreate(keys), inviteToken: new Uint8Array(0) },
    { type: 'prove', docId: d, nonce: new Uint8Array(32).fill(1), signature: new Uint8Array(64).fill(2) },
    {
      type: 'update',
      docId: d,
      relaySeq: 0,
      envelope: sealUpdate(keys, { epoch: 0, deviceId: device, seq: 1 }, new Uint8Array(20)),
    },
    {
      type: 'snapshot',
      docId: d,
      relaySeq: 0,
      envelope: sealSnapshot(
        keys,
        { epoch: 0, parent: null, covers: [{ deviceId: device, through: 1 }] },
        new Uint8Array(8),
      ),
    },
    {
      type: 'presence',
      docId: d,
      envelope: sealPresence(keys, { epoch: 0, sessionId: newId(), counter: 1 }, new Uint8Array(4)),
    },
    { type: 'delete', docId: d, nonce: new Uint8Array(32).fill(3), signature: new Uint8Array(64).fill(4) },
    { type: 'blob-put', docId: d, blobId: newId(), data: new Uint8Array(16) },
    { type: 'blob-get', docId: d, blobId: newId() },
    { type: 'ack', docId: d, deviceId: device, seq: 1, relaySeq: 1 },
  ];
  return frames.map(encodeFrame);
}

function mutate(rand: () => number, src: Uint8Array): Uint8Array {
  const pick = Math.floor(rand() * 6);
  const b = new Uint8Array(src);
  const at = Math.floor(rand() * b.length);
  switch (pick) {
    case 0:
      b[at]! ^= 1 << Math.floor(rand() * 8);
      return b;
    case 1:
      return b.subarray(0, at);
    case 2:
      return Uint8Array.of(...b, ...Array.from({ length: 1 + Math.floor(rand() * 8) }, () => Math.floor(rand() * 256)));
    case 3:
      b[1] = Math.floor(rand() * 256);
      return b;
    case 4:
      // A length or counter field somewhere in the header.
      for (let i = 0; i < 4 && 18 + i < b.length; i++) b[18 + i] = 0xff;
      return b;
    default:
      return src; // unmodified: valid frames in between keep the handlers busy
  }
}

let dir: string;
let server: Running;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-relay-fuzz-'));
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
  server?.child.kill('SIGTERM');
  await server?.exited;
  await rm(dir, { recursive: true, force: true });
});

describe('relay fuzz', () => {
  it(`mutated frames never crash or hang the relay (seed ${SEED})`, async () => {
    const rand = mulberry32(SEED);
    const named = new Set<number>([...Object.values(CLOSE), 1005]);
    for (let c = 0; c < CONNECTIONS; c++) {
      const base = samples();
      const client = await TestClient.open(server.port);
      for (let i = 0; i < FRAMES_PER_CONNECTION; i++) {
        client.sendRaw(mutate(rand, base[Math.floor(rand() * base.length)]!));
      }
      // A probe the relay must answer if the connection is still open; otherwise it closed with a named code.
      const probeDoc = newId();
      client.send({ type: 'hello', docId: probeDoc, write: false, knownSnapId: null, sinceRelaySeq: 0 });
      const outcome = await Promise.race([
        client.next('reject', (f) => f.docId === probeDoc).then(() => 'answered' as const),
        client.closed,
      ]);
      if (outcome !== 'answered') expect(named, `close code ${outcome.code}`).toContain(outcome.code);
      client.ws.terminate();
    }
    expect(server.child.exitCode).toBeNull();
    // The relay still serves a well-behaved client.
    const keys = deriveDocKeys(newEditCapability());
    const ok = await TestClient.open(server.port);
    expect(await ok.create(keys)).toMatchObject({ type: 'done', op: 'create' });
    await ok.prove(keys);
    ok.send({
      type: 'update',
      docId: keys.docId,
      relaySeq: 0,
      envelope: sealUpdate(keys, { epoch: 0, deviceId: newId(), seq: 1 }, new Uint8Array(3)),
    });
    expect(await ok.next('ack')).toMatchObject({ relaySeq: 1 });
    ok.ws.terminate();
  });
});
