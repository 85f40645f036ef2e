/**
 * The relay benchmark (issue #4): `npm run bench -- --relay [--quick]`. Starts the real sync server as a
 * separate process on a free port (one per series and repetition for the fan-outs at every client count, one
 * per run for the other workloads), drives it from generator processes, samples the server's
 * CPU and memory from /proc, and writes results/relay-latest.json + .md (relay-quick.* with --quick).
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { getFixture } from '../fixture';
import { summarize, type Summary } from '../stats';
import { affinity, load, machine } from './proc';
import { markdown, type RelayResults } from './report';
import { RATE_P99_BOUND_MS, rateSearch, type RateRun } from './rate';
import { parseBatchArg } from './clients';
import { TARGETS } from './targets';
import {
  fanouts,
  idle,
  join as joinWorkload,
  type FanoutRun,
  type IdleRun,
  type JoinRun,
  type Setup,
} from './workloads';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));

type Workload = 'fanout' | 'idle' | 'join' | 'rate';

/** One client kind against one server: which client counts and workloads it runs. */
export interface Series {
  readonly target: string;
  readonly kind: string;
  readonly verify: 'each' | 'process';
  readonly clients: readonly number[];
  readonly workloads: readonly Workload[];
}

export interface RelayOptions {
  readonly quick: boolean;
  readonly reps: number;
  readonly writers: number;
  readonly intervalMs: number;
  readonly typingSeconds: number;
  readonly idleDocs: number;
  /** paragraphs of ≈ 100 bytes written into each idle document (the stock servers keep a Y.Doc of it) */
  readonly idleParagraphs: number;
  readonly joins: number;
  /** typing time of each step of the rate search */
  readonly rateSeconds: number;
  /** dure-frames' batching window (`--batch=MS`, default the engine's DEFAULT_BATCH_MS) */
  readonly batchMs: number;
  readonly generators: number;
  readonly pin: boolean;
  readonly series: readonly Series[];
  /**
   * A workload runs in the first N repetitions only (`--idle-reps=N`, `--rate-reps=N`, ...; default: all of
   * them): how the combined run fits its time budget. The results say how many runs each figure rests on.
   */
  readonly workloadReps: Readonly<Partial<Record<Workload, number>>>;
  /** the real engine's series (`dure-engine`) runs in the first N repetitions only (`--engine-reps=N`) */
  readonly engineReps?: number;
  /** the rate search's time per server and repetition (`--rate-budget=S`; default rate.ts's RATE_BUDGET_MS) */
  readonly rateBudgetS?: number;
  /** results/<out>.json and .md; default relay-latest (relay-quick with --quick) */
  readonly out: string;
  /**
   * A series' fan-outs at every client count ran one after another against one server process and one
   * generator fleet per repetition (absent in results from before: a fresh server for every run)
   */
  readonly fanoutServerShared?: boolean;
}

const WORKLOADS: readonly Workload[] = ['fanout', 'idle', 'join', 'rate'];
/**
 * Warm-up keystrokes per writer before each measured fan-out (compiles the paths; the measured typing starts
 * once they have all landed). Three at 200 ms: the server and generators are shared by a series' runs, so
 * only the first run of a pass starts cold.
 */
export const FANOUT_WARMUP_KEYSTROKES = 3;
/** the default series' workloads: the rate search (issue #5) runs where `--workloads` or the series asks */
const BASE_WORKLOADS: readonly Workload[] = ['fanout', 'idle', 'join'];

/**
 * Default series: the relay at 10/50/200 clients with frame-level clients that verify once per process
 * (the server is what is measured), and the real engine where one machine can run it: 10 clients, every
 * one verifying every envelope, plus the join. `--client=K --clients=a,b --verify=V --workloads=w,x`
 * replaces them with one series.
 */
export function parseRelayArgs(argv: readonly string[]): RelayOptions {
  const quick = argv.includes('--quick');
  const val = (name: string): string | undefined =>
    argv.find((x) => x.startsWith(`--${name}=`))?.slice(name.length + 3);
  const num = (name: string, dflt: number, least = 1): number => {
    const v = val(name) === undefined ? dflt : Number(val(name));
    if (!Number.isInteger(v) || v < least) throw new Error(`--${name} must be an integer ≥ ${least}`);
    return v;
  };
  const writers = num('writers', 10);
  const list = (name: string): string[] | undefined => val(name)?.split(',');
  const clients = list('clients')?.map(Number);
  if (clients?.some((n) => !Number.isInteger(n) || n < writers)) {
    throw new Error('--clients: a list of counts, each ≥ --writers');
  }
  const workloads = list('workloads') as Workload[] | undefined;
  for (const w of workloads ?? []) if (!WORKLOADS.includes(w)) throw new Error(`unknown workload ${w}`);
  const verify = val('verify');
  if (verify !== undefined && verify !== 'each' && verify !== 'process') throw new Error('--verify=each|process');
  const kind = val('client');
  const target = val('target');
  // `--targets=a,b`: the default series of these servers only (the combined run leaves out dure-memory)
  const targets = list('targets');
  for (const t of targets ?? []) if (!TARGETS[t]) throw new Error(`unknown target ${t}`);
  const series: Series[] =
    kind || clients || workloads || verify || target
      ? [
          {
            target: target ?? 'dure',
            // a stock target's own provider; Dure's targets default to the frame-level client
            kind: kind ?? (target && TARGETS[target]?.client !== 'dure' ? TARGETS[target]!.client : 'dure-frames'),
            verify: (verify ?? 'process') as Series['verify'],
            clients: clients ?? (quick ? [10, 50] : [10, 50, 200]),
            workloads: workloads ?? BASE_WORKLOADS,
          },
        ]
      : [
          {
            target: 'dure',
            kind: 'dure-frames',
            verify: 'process',
            clients: quick ? [10, 50] : [10, 50, 200],
            workloads: quick ? BASE_WORKLOADS : WORKLOADS,
          },
          { target: 'dure', kind: 'dure-engine', verify: 'each', clients: [10], workloads: ['fanout', 'join'] },
          // how much of the latency and server CPU is the durable commit (the stock servers keep nothing on disk)
          {
            target: 'dure-memory',
            kind: 'dure-frames',
            verify: 'process',
            clients: quick ? [10] : [10, 200],
            workloads: ['fanout'],
          },
          // issue #5: the stock servers, each with its own provider, on the same workloads
          ...(['ywebsocket', 'hocuspocus'] as const).map((t) => ({
            target: t,
            kind: TARGETS[t]!.client,
            verify: 'each' as const,
            clients: quick ? [10, 50] : [10, 50, 200],
            workloads: quick ? BASE_WORKLOADS : WORKLOADS,
          })),
        ];
  for (const x of series) if (!TARGETS[x.target]) throw new Error(`unknown target ${x.target}`);
  const reps = num('reps', quick ? 1 : 3);
  const workloadReps: Partial<Record<Workload, number>> = {};
  for (const w of WORKLOADS)
    if (val(`${w}-reps`) !== undefined) workloadReps[w] = Math.min(reps, num(`${w}-reps`, reps, 0));
  const engineReps = val('engine-reps') === undefined ? undefined : Math.min(reps, num('engine-reps', reps, 0));
  const rateBudgetS = val('rate-budget') === undefined ? undefined : num('rate-budget', 60);
  const out = val('out') ?? (quick ? 'relay-quick' : 'relay-latest');
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(out)) throw new Error('--out: a file name under results/, without extension');
  return {
    quick,
    reps,
    writers,
    intervalMs: num('interval', 200),
    typingSeconds: num('seconds', quick ? 5 : 20),
    // issue #5: 2,000 mostly idle documents with 2 clients each
    idleDocs: num('docs', quick ? 200 : 2000),
    idleParagraphs: num('idle-paragraphs', 1),
    joins: num('joins', quick ? 3 : 5),
    rateSeconds: num('rate-seconds', 3),
    batchMs: parseBatchArg(argv),
    generators: num('generators', 2),
    // opt-in: on a machine shared with other work, a pinned process cannot escape a busy core (README)
    pin: argv.includes('--pin'),
    series: targets ? targets.flatMap((t) => series.filter((x) => x.target === t)) : series,
    workloadReps,
    ...(engineReps === undefined ? {} : { engineReps }),
    ...(rateBudgetS === undefined ? {} : { rateBudgetS }),
    out: out.replace(/\.(json|md)$/, ''),
    fanoutServerShared: true,
  };
}

/**
 * The order of the series in repetition `rep` (1-based): series grouped by server, in the order the servers
 * first appear, and the servers rotated one place per repetition (rep 1: dure, ywebsocket, hocuspocus; rep 2:
 * ywebsocket, hocuspocus, dure; ...), so that no server always runs first, at the load the others leave.
 * Returns indices into `series`.
 */
export function seriesOrder(series: readonly Pick<Series, 'target'>[], rep: number): number[] {
  const targets = [...new Set(series.map((x) => x.target))];
  const shift = targets.length === 0 ? 0 : (rep - 1) % targets.length;
  const rotated = [...targets.slice(shift), ...targets.slice(0, shift)];
  return rotated.flatMap((t) => series.flatMap((x, i) => (x.target === t ? [i] : [])));
}

/** Whether workload `w` runs in repetition `rep` (1-based). */
export const runsIn = (o: Pick<RelayOptions, 'workloadReps'>, w: Workload, rep: number): boolean =>
  rep <= (o.workloadReps[w] ?? Infinity);

/** Whether series `x` runs at all in repetition `rep` (the engine's series may run in fewer). */
export const seriesRunsIn = (o: Pick<RelayOptions, 'engineReps'>, x: Pick<Series, 'kind'>, rep: number): boolean =>
  x.kind !== 'dure-engine' || rep <= (o.engineReps ?? Infinity);

/** One series in one repetition: when it ran, in which place, at which load (the figures drift with it). */
export interface SeriesPass {
  readonly rep: number;
  /** 1 = this repetition's first series */
  readonly position: number;
  readonly startedAt: string;
  readonly durationS: number;
  readonly loadBefore: number[];
  readonly loadAfter: number[];
}

export interface SeriesResults {
  readonly target: string;
  readonly durability: string;
  readonly kind: string;
  readonly verify: 'each' | 'process';
  readonly fanout: { clients: number; runs: FanoutRun[] }[];
  readonly idle: IdleRun[];
  readonly join: JoinRun[];
  readonly rate: RateRun[];
  /** when and at which load each repetition of this series ran (results before issue #5's budget lack it) */
  readonly passes?: SeriesPass[];
  /** written into the JSON (`seriesSummary`): every figure's median, min, max and n over its runs */
  readonly summary?: Record<string, Summary | undefined>;
}

/** Median, min, max and n over a figure's runs; undefined when it has none. */
const over = <T>(runs: readonly T[], f: (x: T) => number): Summary | undefined =>
  runs.length === 0 ? undefined : summarize(runs.map(f));

/**
 * Issue #5: every figure with median, min, max and n over its runs, in the JSON itself (the raw runs stay
 * beside it). Latencies per run are that run's percentiles of all its deliveries.
 */
export function seriesSummary(x: SeriesResults): Record<string, Summary | undefined> {
  const out: Record<string, Summary | undefined> = {};
  for (const f of x.fanout) {
    const k = `fanout ${f.clients} clients`;
    out[`${k}: p50 ms`] = over(f.runs, (r) => r.latency.p50);
    out[`${k}: p95 ms`] = over(f.runs, (r) => r.latency.p95);
    out[`${k}: p99 ms`] = over(f.runs, (r) => r.latency.p99);
    out[`${k}: server CPU µs per delivery`] = over(f.runs, (r) => r.serverCpuPerDeliveryUs);
    out[`${k}: server RSS max bytes`] = over(f.runs, (r) => r.serverRssMax);
    out[`${k}: missing deliveries`] = over(f.runs, (r) => r.missing);
  }
  if (x.idle.length > 0) {
    out['idle: bytes per connection (RSS)'] = over(x.idle, (r) => r.perConnection);
    out['idle: bytes per document (RSS)'] = over(x.idle, (r) => r.perDocument);
    out['idle: bytes per 2-client document (RSS)'] = over(x.idle, (r) => r.perTwoClientDocument);
    const heaps = x.idle.flatMap((r) => (r.heap ? [r.heap] : []));
    out['idle: bytes per connection (V8 heap)'] = over(heaps, (h) => h.perConnection);
  }
  if (x.join.length > 0) {
    const samples = x.join.flatMap((r) => r.samples);
    out['join: total ms (every join)'] = over(samples, (y) => y.totalMs);
    out['join: server ms (every join)'] = over(samples, (y) => y.serverMs);
    out['join: server CPU ms per join'] = over(x.join, (r) => r.serverCpuPerJoinMs);
  }
  if (x.rate.length > 0) out['rate: sustained keystrokes/s'] = over(x.rate, (r) => r.sustained);
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** Writes the Markdown table for a results file (after a change to the report, without measuring again). */
async function writeMarkdown(all: RelayResults, base: string): Promise<void> {
  const mdPath = join(RESULTS, `${base}.md`);
  const md = await format(markdown(all), { ...(await resolveConfig(mdPath)), filepath: mdPath });
  writeFileSync(mdPath, md);
}

export async function main(argv: readonly string[]): Promise<void> {
  const from = argv.find((a) => a.startsWith('--report-from='))?.slice('--report-from='.length);
  if (from) {
    const base = basename(from).replace(/\.json$/, '');
    await writeMarkdown(JSON.parse(readFileSync(join(RESULTS, `${base}.json`), 'utf8')) as RelayResults, base);
    console.log(`wrote results/${base}.md from results/${base}.json`);
    return;
  }
  const o = parseRelayArgs(argv);
  const started = Date.now();
  const log = (s: string): void => console.log(`[relay ${((Date.now() - started) / 1000).toFixed(0)}s] ${s}`);
  const loadAtStart = load();
  log(`machine load ${loadAtStart.join(' ')}; ${JSON.stringify(o)}`);
  const fixture = o.series.some((x) => x.workloads.includes('join')) ? getFixture('automerge-paper') : undefined;
  const results: SeriesResults[] = o.series.map((x) => ({
    target: x.target,
    durability: TARGETS[x.target]!.durability,
    kind: x.kind,
    verify: x.verify,
    fanout: x.workloads.includes('fanout') ? x.clients.map((clients) => ({ clients, runs: [] })) : [],
    idle: [],
    join: [],
    rate: [],
    passes: [],
  }));

  const base = o.out;
  const write = async (reps: number): Promise<void> => {
    const all: RelayResults = {
      kind: 'relay',
      startedAt: new Date(started).toISOString(),
      durationS: Math.round((Date.now() - started) / 1000),
      command: `npm run bench -- --relay ${argv.join(' ')}`.trim(),
      machine: { ...machine(), loadAtStart, loadAtEnd: load(), benchAffinity: affinity(process.pid) },
      options: { ...o, reps },
      pinning: o.pin
        ? 'server: taskset -c 0; generators: taskset -c 1; orchestrator unpinned (idle while measuring)'
        : 'none (see README: pinning on this shared machine starved the pinned processes)',
      fixture: fixture?.meta,
      series: results.map((x) => ({ ...x, summary: seriesSummary(x) })),
    };
    mkdirSync(dirname(join(RESULTS, `${base}.json`)), { recursive: true });
    const jsonPath = join(RESULTS, `${base}.json`);
    // formatted as the repository's `prettier --check .` expects
    writeFileSync(
      jsonPath,
      await format(JSON.stringify(all), { ...(await resolveConfig(jsonPath)), filepath: jsonPath }),
    );
    await writeMarkdown(all, base);
  };

  // repetitions outermost and the servers' order rotated, so every series sees the machine's load drift alike
  for (let rep = 1; rep <= o.reps; rep++) {
    const order = seriesOrder(o.series, rep).filter((i) => seriesRunsIn(o, o.series[i]!, rep));
    for (const [position, i] of order.entries()) {
      const x = o.series[i]!;
      const out = results[i]!;
      const passStart = Date.now();
      const loadBefore = load();
      const setup: Setup = {
        target: TARGETS[x.target]!,
        kind: x.kind,
        verify: x.verify,
        serverCpu: o.pin ? '0' : undefined,
        generatorCpu: o.pin ? '1' : undefined,
        generators: o.generators,
        batchMs: o.batchMs,
        log,
      };
      const counts = runsIn(o, 'fanout', rep) ? out.fanout : [];
      if (counts.length > 0) {
        log(
          `rep ${rep} ${x.kind}@${x.target}: fan-out, ${counts.map((f) => f.clients).join('/')} clients on one ` +
            `server, ${o.writers} typing`,
        );
        const params = counts.map((f) => ({
          clients: f.clients,
          writers: o.writers,
          intervalMs: o.intervalMs,
          keystrokesPerWriter: Math.round((o.typingSeconds * 1000) / o.intervalMs),
          warmupKeystrokes: FANOUT_WARMUP_KEYSTROKES,
        }));
        await fanouts(setup, params, (p, r, i) => {
          log(
            `  ${p.clients} clients: p50 ${r.latency.p50.toFixed(1)} p95 ${r.latency.p95.toFixed(1)} p99 ` +
              `${r.latency.p99.toFixed(1)} ms; server ${r.serverCpuPerDeliveryUs.toFixed(1)} µs/delivery; generators ` +
              r.generators
                .map((g) => `${(g.utilization * 100).toFixed(0)}% (loop p99 ${g.loopDelayP99Ms.toFixed(0)} ms)`)
                .join(' ') +
              `; missing ${r.missing}/${r.expected}; load ${load().join(' ')}`,
          );
          counts[i]!.runs.push(r);
        });
      }
      if (x.workloads.includes('idle') && runsIn(o, 'idle', rep)) {
        log(
          `rep ${rep} ${x.kind}@${x.target}: ${o.idleDocs} idle documents × 2 clients, ${o.idleParagraphs} paragraphs each`,
        );
        const r = await idle(setup, o.idleDocs, o.idleParagraphs);
        log(
          `  ${(r.perConnection / 1024).toFixed(1)} KiB/connection, ${(r.perDocument / 1024).toFixed(1)} KiB/document`,
        );
        out.idle.push(r);
      }
      if (fixture && x.workloads.includes('join') && runsIn(o, 'join', rep)) {
        log(`rep ${rep} ${x.kind}@${x.target}: a new device joins automerge-paper (${o.joins} joins)`);
        const r = await joinWorkload(setup, fixture, o.joins);
        log(`  total ${summarize(r.samples.map((y) => y.totalMs)).median.toFixed(1)} ms`);
        out.join.push(r);
      }
      if (x.workloads.includes('rate') && runsIn(o, 'rate', rep)) {
        log(`rep ${rep} ${x.kind}@${x.target}: highest rate at p99 ≤ ${RATE_P99_BOUND_MS} ms, 10 clients`);
        const r = await rateSearch(setup, {
          clients: 10,
          writers: o.writers,
          seconds: o.rateSeconds,
          ...(o.rateBudgetS === undefined ? {} : { budgetMs: o.rateBudgetS * 1000 }),
        });
        log(`  sustained ${r.sustained} keystrokes/s`);
        out.rate.push(r);
      }
      const durationS = Math.round((Date.now() - passStart) / 100) / 10;
      out.passes!.push({
        rep,
        position: position + 1,
        startedAt: new Date(passStart).toISOString(),
        durationS,
        loadBefore,
        loadAfter: load(),
      });
      log(`rep ${rep} ${x.kind}@${x.target}: ${durationS} s`);
    }
    // a run cut short keeps the repetitions it finished (options.reps says how many)
    if (rep < o.reps) await write(rep);
  }

  await write(o.reps);
  log(`wrote test/bench/results/${base}.json and .md`);
}
