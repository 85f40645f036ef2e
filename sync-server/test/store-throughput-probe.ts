/**
 * Durable-ack throughput of the real relay process (SQLite store): N clients, each its own device on one of
 * D documents, send an update as soon as the previous one is acknowledged, for S seconds. Prints updates/s.
 * Not a test (no assertions on speed); run by hand before and after a store change:
 *
 *   cd sync-server && node --import tsx test/store-throughput-probe.ts [clients=32] [docs=4] [seconds=8] [budget=12000]
 *
 * Envelopes are sealed (encrypted + signed, ≈1 ms each in JS) before the clock starts, `budget` in all, so the
 * probe's own CPU does not cap the figure; a client that runs out stops early and the result says so.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import { newId, sealUpdate } from '@dure/shared/protocol/index';
import { startServer } from './helpers';
import { TestClient } from './relay-client';

/** utime + stime of a process in seconds (Linux /proc, 100 ticks/s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const [clients = 32, docs = 4, seconds = 8, budget = 12_000] = process.argv.slice(2).map(Number);
const dir = await mkdtemp(path.join(tmpdir(), 'dure-probe-'));
// the per-connection frame rate limit would close a client that is faster than a human typist
const server = await startServer([
  ...['--port', '0', '--data-dir', path.join(dir, 'data'), '--web-dir', dir],
  ...['--frames-per-second', '1000000', '--devices-per-document', '1000000'],
]);
try {
  const keys = Array.from({ length: docs }, () => deriveDocKeys(newEditCapability()));
  const admin = await TestClient.open(server.port);
  for (const k of keys) await admin.create(k);
  await admin.close();
  const payload = new TextEncoder().encode('x'.repeat(40));
  const conns = await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      const c = await TestClient.open(server.port);
      const k = keys[i % docs]!;
      await c.prove(k);
      const device = newId();
      const envelopes = Array.from({ length: Math.ceil(budget / clients) }, (_, n) =>
        sealUpdate(k, { epoch: 0, deviceId: device, seq: n + 1 }, payload),
      );
      return { c, k, envelopes };
    }),
  );
  let acks = 0;
  let stop = false;
  let exhausted = 0;
  const t0 = performance.now();
  const cpu0 = cpuSeconds(server.child.pid!);
  setTimeout(() => (stop = true), seconds * 1000);
  await Promise.all(
    conns.map(async ({ c, k, envelopes }) => {
      for (const envelope of envelopes) {
        if (stop) return;
        c.send({ type: 'update', docId: k.docId, relaySeq: 0, envelope });
        const f = await c.nextWhere((x) => x.type === 'ack' || x.type === 'reject');
        if (f.type !== 'ack') throw new Error(`unexpected ${f.type}`);
        acks++;
      }
      exhausted++;
    }),
  );
  const s = (performance.now() - t0) / 1000;
  const serverCpu = (cpuSeconds(server.child.pid!) - cpu0) / s;
  console.log(
    `${clients} clients, ${docs} docs: ${acks} acks in ${s.toFixed(1)} s = ${(acks / s).toFixed(0)} updates/s, server CPU ${(serverCpu * 100).toFixed(0)}% of a core` +
      (exhausted ? ` (${exhausted} clients ran out of envelopes: a lower bound)` : ''),
  );
  for (const { c } of conns) c.ws.terminate();
} finally {
  server.child.kill('SIGTERM');
  await server.exited;
  await rm(dir, { recursive: true, force: true });
}
