/**
 * The join workload's Dure client, alone, for profiling: a real sync server (memory store) on a free
 * port, the automerge-paper fixture uploaded once as a snapshot (frame-level client), then N joins through
 * Dure's real engine (dure-engine.ts) with their phases; and, in process, what the join's client work costs
 * piece by piece (verify, decrypt, decode, apply; Yjs v1 against v2). Not a test:
 *   node --import tsx test/bench/relay/join-profile.ts [--joins=10] [--node-ed25519] [--client=dure-engine|dure-frames]
 * `--joins-only` skips the pieces; `--listen-updates` puts another updateV2 listener on the joining doc. With `node --cpu-prof --cpu-prof-dir=DIR --import tsx ...` the profile covers the joins.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import { installNodeEd25519 } from '@dure/shared/crypto/ed25519-node';
import { checkUpdate } from '@dure/shared/local/records';
import {
  decodeEnvelope,
  openSnapshot,
  sealSnapshot,
  snapshotProof,
  verifyEnvelopeSignature,
} from '@dure/shared/protocol/index';
import * as Y from 'yjs';
import { getFixture } from '../fixture';
import { now, type BenchClient } from './clients';
import { DureEngineClient } from './dure-engine';
import { DureFramesClient } from './dure-frames';

const arg = (name: string): string | undefined =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const joins = Number(arg('joins') ?? 10);
const client = arg('client') ?? 'dure-engine';
if (process.argv.includes('--node-ed25519')) installNodeEd25519();

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

async function startServer(): Promise<{ url: string; stop(): void }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--store', 'memory'], {
    cwd: path.join(root, 'sync-server'),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(new URL('sync', m[1].replace(/^http/, 'ws')).href);
    });
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Fastest of `reps` runs after a warm-up, and the median CPU time: on a shared machine the wall median mostly measures the neighbours. */
function time<T>(fn: () => T, reps = 11): { ms: number; cpuMs: number; value: T } {
  let value = fn();
  const ms: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < reps; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    value = fn();
    ms.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { ms: Math.min(...ms), cpuMs: median(cpu), value };
}

const fixture = getFixture('automerge-paper');
const v2 = new Uint8Array(readFileSync(fixture.v2Path));
const v1 = new Uint8Array(readFileSync(fixture.v1Path));
console.log(
  `load before ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);

// ---- in-process pieces ----------------------------------------------------------------------------------
if (!process.argv.includes('--joins-only')) {
  const keys = deriveDocKeys(newEditCapability());
  const env = sealSnapshot(keys, { epoch: 0, parent: null, covers: [] }, v2);
  const fresh = (): Y.Doc => {
    const d = new Y.Doc();
    Y.applyUpdateV2(d, v2);
    return d;
  };
  const joined = fresh();
  const rows: [string, { ms: number; cpuMs: number }][] = [
    ['decodeEnvelope (bytes → envelope, one copy)', time(() => decodeEnvelope(env.bytes))],
    ['verify signature (SHA-512 over the envelope)', time(() => verifyEnvelopeSignature(keys.writePub, env))],
    ['openSnapshot (verify + decrypt)', time(() => openSnapshot(keys, env))],
    ['snapshotProof (SHA-256 over the envelope)', time(() => snapshotProof(env))],
    ['decode v2 in full (checkUpdate)', time(() => checkUpdate(v2))],
    ['decode v1 in full', time(() => Y.decodeUpdate(v1))],
    ['apply v2 to a fresh Y.Doc', time(() => Y.applyUpdateV2(new Y.Doc(), v2))],
    ['apply v1 to a fresh Y.Doc', time(() => Y.applyUpdate(new Y.Doc(), v1))],
    [
      'apply v2, an updateV2 listener on the doc',
      time(() => {
        const d = new Y.Doc();
        d.on('updateV2', () => {});
        Y.applyUpdateV2(d, v2);
      }),
    ],
    [
      'apply v1, an update listener on the doc',
      time(() => {
        const d = new Y.Doc();
        d.on('update', () => {});
        Y.applyUpdate(d, v1);
      }),
    ],
    ['encodeStateAsUpdateV2 of the joined doc', time(() => Y.encodeStateAsUpdateV2(joined))],
    ['Y.snapshot + encodeSnapshotV2 of the joined doc', time(() => Y.encodeSnapshotV2(Y.snapshot(joined)))],
  ];
  console.log(`fixture: v2 ${v2.length} B, v1 ${v1.length} B; envelope ${env.bytes.length} B`);
  console.log(`  ${''.padEnd(50)} ${'fastest'.padStart(8)} ${'CPU med'.padStart(8)}`);
  for (const [k, v] of rows) {
    console.log(`  ${k.padEnd(50)} ${v.ms.toFixed(2).padStart(8)} ${v.cpuMs.toFixed(2).padStart(8)} ms`);
  }
}

// ---- joins through a real server ------------------------------------------------------------------------
const server = await startServer();
try {
  const keys = deriveDocKeys(newEditCapability());
  void keys.writePub;
  const up = new DureFramesClient({ url: server.url, keys, write: true, create: true, now });
  await up.synced;
  Y.applyUpdateV2(up.doc, v2);
  await up.uploadSnapshot();
  up.close();
  const rows: Record<string, number[]> = {
    total: [],
    connect: [],
    server: [],
    client: [],
    appliedToSynced: [],
    cpuOfThisProcess: [],
  };
  for (let i = 0; i < joins + 1; i++) {
    // CPU time of this process over the join: on a loaded machine it says more than wall time
    const cpu0 = process.cpuUsage();
    const c: BenchClient =
      client === 'dure-frames'
        ? new DureFramesClient({ url: server.url, keys, write: false, now })
        : new DureEngineClient(server.url, keys, now);
    // --listen-updates: another updateV2 listener on the joining doc (as LocalDoc in the app, or the engine
    // before it took its own listener off for remote transactions): Yjs then encodes the applied snapshot
    if (process.argv.includes('--listen-updates')) c.doc.on('updateV2', () => {});
    await c.synced;
    const cpu = process.cpuUsage(cpu0);
    const m = c.marks;
    const text = c.doc.getXmlFragment('default').length;
    if (text === 0) throw new Error('joined an empty document');
    if (c.problems.length) throw new Error(c.problems.join('; '));
    c.close();
    c.doc.destroy();
    if (i === 0) continue; // warm-up
    const done = Math.max(m.synced ?? NaN, m.applied ?? NaN);
    const data = m.snapshotFrame ?? NaN;
    rows.total!.push(done - m.start!);
    rows.connect!.push(m.open! - m.start!);
    rows.server!.push(data - m.hello!);
    rows.client!.push((m.applied ?? NaN) - data);
    rows.appliedToSynced!.push((m.synced ?? NaN) - (m.applied ?? NaN));
    rows.cpuOfThisProcess!.push((cpu.user + cpu.system) / 1000);
  }
  console.log(
    `${client}, ${joins} joins (median, min–max ms), ed25519 ${process.argv.includes('--node-ed25519') ? 'node' : 'noble'}:`,
  );
  for (const [k, xs] of Object.entries(rows)) {
    console.log(
      `  ${k.padEnd(16)} ${median(xs).toFixed(1).padStart(7)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`,
    );
  }
} finally {
  server.stop();
}
console.log(
  `load after ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
