/**
 * The join workload's Dure client, alone, for profiling: a real sync server (memory store) on a free
 * port, the automerge-paper fixture uploaded once as a snapshot (frame-level client), then N joins through
 * Dure's real engine (dure-engine.ts) with their phases; and, in process, what the join's client work costs
 * piece by piece (verify, decrypt, decode, apply; Yjs v1 against v2). Not a test:
 *   node --import tsx test/bench/relay/join-profile.ts [--joins=10] [--node-ed25519] [--client=dure-engine|dure-frames]
 * `--compare[=client@target,...]`: instead of the above, the same joins through each stack's own server and client
 * (default dure-engine@dure, y-websocket@ywebsocket, hocuspocus@hocuspocus), `--rounds=N` rounds in turn, with this
 * process's CPU per join: on a loaded machine the CPU figures compare where wall times cannot.
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
import { CLIENT_KINDS, now, type BenchClient } from './clients';
import { DureEngineClient } from './dure-engine';
import { DureFramesClient } from './dure-frames';
import { TARGETS, type RunningRelay } from './targets';

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

// ---- several stacks, in turn, CPU per join ----------------------------------------------------------------
async function compare(spec: string): Promise<void> {
  const rounds = Number(arg('rounds') ?? 3);
  const stacks = spec.split(',').map((x) => {
    const [kind, target] = x.split('@') as [string, string];
    if (!CLIENT_KINDS[kind] || !TARGETS[target]) throw new Error(`unknown stack ${x}`);
    return { name: x, kind: CLIENT_KINDS[kind], target: TARGETS[target] };
  });
  const running: RunningRelay[] = [];
  const prepared: { name: string; join: () => Promise<{ ms: number; cpuMs: number }> }[] = [];
  try {
    for (const st of stacks) {
      const server = await st.target.start({});
      running.push(server);
      const ref = st.kind.newDoc('automerge-paper');
      const up = CLIENT_KINDS[st.kind.uploader ?? st.kind.name]!;
      const uploader = up.open(server.wsUrl, ref, { write: true, create: true, verify: 'each' });
      await uploader.synced;
      Y.applyUpdateV2(uploader.doc, v2);
      await up.persist(uploader);
      if (!st.target.dropsUnusedDocs) uploader.close();
      const expected = uploader.doc.getXmlFragment('default').toString();
      prepared.push({
        name: st.name,
        async join() {
          const cpu0 = process.cpuUsage();
          const t0 = performance.now();
          const c = st.kind.open(server.wsUrl, ref, { write: false, verify: 'each' });
          if (process.argv.includes('--listen-updates') && st.name.startsWith('dure')) c.doc.on('updateV2', () => {});
          await c.synced;
          const ms = performance.now() - t0;
          const cpu = process.cpuUsage(cpu0);
          if (c.doc.getXmlFragment('default').toString() !== expected) throw new Error(`${st.name}: wrong document`);
          if (c.problems.length) throw new Error(`${st.name}: ${c.problems.join('; ')}`);
          c.close();
          c.doc.destroy();
          return { ms, cpuMs: (cpu.user + cpu.system) / 1000 };
        },
      });
    }
    const out = new Map<string, { ms: number[]; cpuMs: number[] }>(
      prepared.map((p) => [p.name, { ms: [], cpuMs: [] }]),
    );
    for (const p of prepared) await p.join(); // warm-up
    for (let r = 0; r < rounds; r++) {
      for (const p of prepared) {
        for (let i = 0; i < joins; i++) {
          const x = await p.join();
          out.get(p.name)!.ms.push(x.ms);
          out.get(p.name)!.cpuMs.push(x.cpuMs);
        }
      }
    }
    console.log(`${rounds} rounds × ${joins} joins per stack (median, min–max ms):`);
    for (const [name, x] of out) {
      const f = (xs: number[]): string =>
        `${median(xs).toFixed(1)} (${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)})`;
      console.log(`  ${name.padEnd(26)} wall ${f(x.ms).padEnd(24)} CPU of the joining process ${f(x.cpuMs)}`);
    }
  } finally {
    for (const s of running) await s.stop();
  }
}

const compareArg = process.argv.find((a) => a === '--compare' || a.startsWith('--compare='));
if (compareArg) {
  await compare(arg('compare') ?? 'dure-engine@dure,y-websocket@ywebsocket,hocuspocus@hocuspocus');
  console.log(
    `load after ${loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  process.exit(0);
}

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
