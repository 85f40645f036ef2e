/**
 * `kill -9` on the real server process while updates stream in: every update the relay acknowledged is
 * there after a restart on the same data folder, byte for byte. The moment of the kill is seeded (the k-th
 * ack of a pipelined burst), so several writes are always in flight when the process dies.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import { newId, sealUpdate } from '@dure/shared/protocol/index';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

/** mulberry32: a small seeded generator, so a failing iteration can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SEED = 0x5eed;
const ITERATIONS = 20;
const BURST = 120;
const IN_FLIGHT = 8;

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

let dir: string | undefined;
let server: Running | undefined;
afterAll(async () => {
  if (server && server.child.exitCode === null && server.child.signalCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function start(dataDir: string, webDir: string): Promise<Running> {
  server = await startServer(['--port', '0', '--data-dir', dataDir, '--web-dir', webDir]);
  return server;
}

describe('kill -9 while updates stream in', () => {
  it(`keeps every acknowledged update across ${ITERATIONS} SIGKILLs (seed ${SEED})`, async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'dure-faults-kill-'));
    const dataDir = path.join(dir, 'data');
    const webDir = path.join(dir, 'none');
    const random = rng(SEED);
    const keys = deriveDocKeys(newEditCapability());
    /** "deviceId:seq" → the envelope bytes (hex) of every update the relay acknowledged. */
    const acked = new Map<string, string>();
    let killedWithInFlight = 0;

    for (let iter = 0; iter < ITERATIONS; iter++) {
      const s = await start(dataDir, webDir);
      const w = await TestClient.open(s.port);
      if (iter === 0) expect(await w.create(keys)).toMatchObject({ type: 'done', op: 'create' });
      await w.prove(keys);

      // A fresh device per iteration: whatever of the last burst died unacknowledged cannot leave a seq gap.
      const device = newId();
      const sent = new Map<number, Uint8Array>();
      const killAt = 1 + Math.floor(random() * (BURST - IN_FLIGHT));
      let next = 1;
      let acks = 0;
      const send = (): void => {
        if (next > BURST) return;
        const env = sealUpdate(
          keys,
          { epoch: 0, deviceId: device, seq: next },
          new TextEncoder().encode(`i${iter}-${next}-글`),
        );
        sent.set(next, env.bytes);
        w.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env });
        next++;
      };
      for (let k = 0; k < IN_FLIGHT; k++) send();
      // Record acks as they arrive; at the seeded ack, kill the process with writes still in flight.
      await new Promise<void>((resolve, reject) => {
        const onAck = (): void => {
          void w
            .nextWhere((f) => f.docId === keys.docId && (f.type === 'ack' || f.type === 'reject'))
            .then((f) => {
              if (f.type !== 'ack') return reject(new Error(`iteration ${iter}: unexpected ${JSON.stringify(f)}`));
              const env = sent.get(f.seq);
              if (f.deviceId !== device || !env)
                return reject(new Error(`iteration ${iter}: ack for ${f.seq} not sent`));
              acked.set(`${f.deviceId}:${f.seq}`, hex(env));
              acks++;
              if (acks === killAt) {
                if (next - 1 > acks) killedWithInFlight++;
                s.child.kill('SIGKILL');
                return resolve();
              }
              send();
              onAck();
            }, reject);
        };
        onAck();
      });
      expect(await s.exited).toBe('SIGKILL');
      w.ws.terminate();
    }

    // Restart once more and read everything back from a second, fresh connection.
    const s = await start(dataDir, webDir);
    const r = await TestClient.open(s.port);
    const { frames } = await r.hello(keys.docId, 0);
    const held = new Map<string, string>();
    for (const f of frames) {
      if (f.type !== 'update') continue;
      held.set(`${f.envelope.deviceId}:${f.envelope.seq}`, hex(f.envelope.bytes));
    }
    const missing = [...acked.keys()].filter((k) => held.get(k) !== acked.get(k));
    expect(missing).toEqual([]);
    expect(acked.size).toBeGreaterThanOrEqual(ITERATIONS);
    // The kill really hit a stream: in nearly every iteration writes were still unacknowledged.
    expect(killedWithInFlight).toBeGreaterThanOrEqual(ITERATIONS / 2);
    r.ws.terminate();
    s.child.kill('SIGTERM');
    await s.exited;
  }, 90_000);
});
