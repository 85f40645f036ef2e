/**
 * The relay benchmark (issue #4): `npm run bench -- --relay [--quick]`. Starts the real sync server as a
 * separate process on a free port for every run, drives it from generator processes, samples the server's
 * CPU and memory from /proc, and writes results/relay-latest.json + .md (relay-quick.* with --quick).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { getFixture } from '../fixture';
import { summarize } from '../stats';
import { affinity, load, machine } from './proc';
import { markdown, type RelayResults } from './report';
import { TARGETS } from './targets';
import { fanout, idle, join as joinWorkload, type FanoutRun, type IdleRun, type JoinRun, type Setup } from './workloads';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

export interface RelayOptions {
  readonly quick: boolean;
  readonly reps: number;
  readonly clients: readonly number[];
  readonly writers: number;
  readonly intervalMs: number;
  readonly typingSeconds: number;
  readonly idleDocs: number;
  readonly joins: number;
  readonly generators: number;
  readonly pin: boolean;
  readonly kind: string;
  readonly verify: 'each' | 'process';
  readonly target: string;
  readonly workloads: readonly ('fanout' | 'idle' | 'join')[];
}

export function parseRelayArgs(argv: readonly string[]): RelayOptions {
  const quick = argv.includes('--quick');
  const val = (name: string): string | undefined =>
    argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string, dflt: number): number => {
    const v = val(name) === undefined ? dflt : Number(val(name));
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer`);
    return v;
  };
  const clients = (val('clients') ?? (quick ? '10,50' : '10,50,200')).split(',').map(Number);
  if (clients.some((n) => !Number.isInteger(n) || n < 2)) throw new Error('--clients: a list of counts ≥ 2');
  const workloads = (val('workloads') ?? 'fanout,idle,join').split(',');
  for (const w of workloads) if (!['fanout', 'idle', 'join'].includes(w)) throw new Error(`unknown workload ${w}`);
  const verify = val('verify') ?? 'process';
  if (verify !== 'each' && verify !== 'process') throw new Error('--verify=each|process');
  const writers = num('writers', 10);
  if (clients.some((n) => n < writers)) throw new Error('every --clients count must be ≥ --writers');
  return {
    quick,
    reps: num('reps', quick ? 1 : 3),
    clients,
    writers,
    intervalMs: num('interval', 200),
    typingSeconds: num('seconds', quick ? 5 : 20),
    idleDocs: num('docs', quick ? 200 : 1000),
    joins: num('joins', quick ? 3 : 5),
    generators: num('generators', 2),
    // opt-in: on a machine shared with other work, a pinned process cannot escape a busy core (see README)
    pin: argv.includes('--pin'),
    kind: val('client') ?? 'dure-frames',
    verify,
    target: val('target') ?? 'dure',
    workloads: workloads as RelayOptions['workloads'],
  };
}

export async function main(argv: readonly string[]): Promise<void> {
  const o = parseRelayArgs(argv);
  const target = TARGETS[o.target];
  if (!target) throw new Error(`unknown target ${o.target}`);
  const started = Date.now();
  const log = (s: string): void => console.log(`[relay ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
  const setup: Setup = {
    target,
    kind: o.kind,
    verify: o.verify,
    serverCpu: o.pin ? '0' : undefined,
    generatorCpu: o.pin ? '1' : undefined,
    generators: o.generators,
    log,
  };
  const loadAtStart = load();
  log(`machine load ${loadAtStart.join(' ')}; ${JSON.stringify(o)}`);

  const fanoutRuns = new Map<number, FanoutRun[]>(o.clients.map((n) => [n, []]));
  const idleRuns: IdleRun[] = [];
  const joinRuns: JoinRun[] = [];
  const fixture = o.workloads.includes('join') ? getFixture('automerge-paper') : undefined;
  for (let rep = 1; rep <= o.reps; rep++) {
    if (o.workloads.includes('fanout')) {
      for (const n of o.clients) {
        log(`rep ${rep}: fan-out, ${n} clients, ${o.writers} typing`);
        const r = await fanout(setup, {
          clients: n,
          writers: o.writers,
          intervalMs: o.intervalMs,
          keystrokesPerWriter: Math.round((o.typingSeconds * 1000) / o.intervalMs),
          warmupKeystrokes: 5,
        });
        log(
          `  p50 ${r.latency.p50.toFixed(1)} p95 ${r.latency.p95.toFixed(1)} p99 ${r.latency.p99.toFixed(1)} ms; ` +
            `server ${r.serverCpuPerDeliveryUs.toFixed(1)} µs/delivery; generators ` +
            r.generators.map((g) => `${(g.utilization * 100).toFixed(0)}%`).join(' ') +
            `; missing ${r.missing}/${r.expected}`,
        );
        fanoutRuns.get(n)!.push(r);
      }
    }
    if (o.workloads.includes('idle')) {
      log(`rep ${rep}: ${o.idleDocs} idle documents × 2 clients`);
      const r = await idle(setup, o.idleDocs);
      log(`  ${(r.perConnection / 1024).toFixed(1)} KiB/connection, ${(r.perDocument / 1024).toFixed(1)} KiB/document`);
      idleRuns.push(r);
    }
    if (fixture && o.workloads.includes('join')) {
      log(`rep ${rep}: a new device joins automerge-paper (${o.joins} joins)`);
      const r = await joinWorkload(setup, fixture, o.joins);
      log(`  total ${summarize(r.samples.map((x) => x.totalMs)).median.toFixed(1)} ms`);
      joinRuns.push(r);
    }
  }

  const results: RelayResults = {
    kind: 'relay',
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    command: `npm run bench -- ${argv.join(' ')}`.trim(),
    machine: { ...machine(), loadAtStart, loadAtEnd: load(), benchAffinity: affinity(process.pid) },
    options: o,
    target: { name: target.name, durability: target.durability },
    pinning: o.pin
      ? 'server: taskset -c 0; generators: taskset -c 1; orchestrator unpinned (idle while measuring)'
      : 'none',
    fanout: [...fanoutRuns].filter(([, runs]) => runs.length > 0).map(([clients, runs]) => ({ clients, runs })),
    idle: idleRuns,
    join: fixture ? { fixture: fixture.meta, runs: joinRuns } : undefined,
  };
  mkdirSync(RESULTS, { recursive: true });
  const base = o.quick ? 'relay-quick' : 'relay-latest';
  writeFileSync(join(RESULTS, `${base}.json`), JSON.stringify(results, null, 2) + '\n');
  const mdPath = join(RESULTS, `${base}.md`);
  const md = await format(markdown(results), { ...(await resolveConfig(mdPath)), filepath: mdPath });
  writeFileSync(mdPath, md);
  log(`wrote results/${base}.json and .md`);
}
