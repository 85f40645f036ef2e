/**
 * The three relay workloads of issue #4, each run against a fresh server process (a RelayTarget) driven
 * by generator processes holding clients of one ClientKind; the fan-outs of one series at its client counts
 * share one server process and one fleet (`fanouts`). Issue #5 runs the same functions with the
 * stock servers and their providers.
 */
import type { FixtureMeta } from '../fixture';
import { median } from '../stats';
import { CLIENT_KINDS, now, type DocRef } from './clients';
import { startFleet, stopFleet, type Generator } from './fleet';
import type { ClientSpec, Collected, JoinSample } from './generator';
import { cpuMs, cpuTimes, load, memory } from './proc';
import { joinDeliveries, latencySummary, memorySplit, steadyValue, type Keystroke, type LatencySummary } from './stats';
import type { RelayTarget, RunningRelay } from './targets';

export interface Setup {
  readonly target: RelayTarget;
  readonly kind: string;
  readonly verify: 'each' | 'process';
  /**
   * dure-frames' batching window in the fan-out and rate workloads; undefined: the engine's default
   * (DEFAULT_BATCH_MS, 40 ms), so the figures are what the product sends; 0: one envelope per keystroke
   */
  readonly batchMs?: number;
  /** taskset cores; undefined = not pinned */
  readonly serverCpu?: string;
  readonly generatorCpu?: string;
  readonly generators: number;
  readonly log: (s: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function kindOf(name: string) {
  const k = CLIENT_KINDS[name];
  if (!k) throw new Error(`unknown client kind ${name}`);
  return k;
}

async function withServerAndFleet<T>(
  s: Setup,
  gens: number,
  f: (server: RunningRelay, fleet: readonly Generator[]) => Promise<T>,
  inspect = false,
  /** generators the caller keeps across runs (the rate search: starting them costs seconds per step) */
  given?: Generator[],
): Promise<T> {
  const server = await s.target.start({ cpu: s.serverCpu, inspect });
  const fleet = given ?? (await startFleet(gens, s.generatorCpu));
  try {
    return await f(server, fleet);
  } finally {
    if (!given) await stopFleet(fleet);
    await server.stop();
  }
}

/**
 * The server's memory once quiet: a full GC first where the target offers one (so the reading is live data,
 * not GC timing), then the median of resident-set readings a few hundred ms apart.
 */
async function settledMemory(server: RunningRelay, n = 5, gapMs = 300): Promise<{ rss: number; heap?: number }> {
  const heap = server.gc ? await server.gc() : undefined;
  const xs: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0) await sleep(gapMs);
    xs.push(memory(server.pid).rss);
  }
  return { rss: steadyValue(xs), ...(heap === undefined ? {} : { heap }) };
}

// ---- 1. fan-out: one document, N clients, W of them typing ------------------------------------------

export interface FanoutParams {
  readonly clients: number;
  readonly writers: number;
  readonly intervalMs: number;
  /** timer ticks per writer (with perTick keystrokes each) */
  readonly keystrokesPerWriter: number;
  readonly warmupKeystrokes: number;
  /** keystrokes per writer per timer tick (default 1): the rate search's steps past 1 ms intervals */
  readonly perTick?: number;
  /** how long to wait for the last deliveries at most (default 30 s) */
  readonly drainMaxMs?: number;
  /**
   * a delivery still missing and no client's document moved for this long: stop waiting (default 2 s); the
   * wait ends at once when every client holds every keystroke
   */
  readonly drainQuietMs?: number;
  /** pause after the warm-up's keystrokes have all landed, before the measured typing (default 0) */
  readonly settleMs?: number;
}

export interface GeneratorLoad {
  readonly cpuMs: number;
  readonly wallMs: number;
  /** share of one core */
  readonly utilization: number;
  readonly loopDelayP99Ms: number;
  readonly loopDelayMaxMs: number;
}

export interface FanoutRun {
  readonly latency: LatencySummary;
  readonly keystrokes: number;
  readonly expected: number;
  readonly missing: number;
  readonly serverCpuMs: number;
  /** kernel time (sockets, fsync) as a share of the server's CPU */
  readonly serverSystemShare: number;
  readonly serverCpuPerDeliveryUs: number;
  readonly serverCpuPerKeystrokeUs: number;
  readonly serverRssMax: number;
  readonly serverRssEnd: number;
  readonly generators: GeneratorLoad[];
  readonly problems: string[];
  readonly loadBefore: number[];
}

function spread<T>(items: readonly T[], n: number): T[][] {
  const out: T[][] = Array.from({ length: n }, () => []);
  items.forEach((x, i) => out[i % n]!.push(x));
  return out;
}

const DRAIN_MAX_MS = 30_000;
const DRAIN_QUIET_MS = 2_000;
const DRAIN_POLL_MS = 100;

/** [Yjs client id, its state after its last keystroke] per writer: what every other client must reach. */
export function drainTargets(typed: readonly Keystroke[]): [number, number][] {
  const last = new Map<number, number>();
  for (const k of typed) last.set(k.client, Math.max(last.get(k.client) ?? 0, k.clock + 1));
  return [...last];
}

/**
 * Lets every delivery land: done as soon as every client holds every writer's last keystroke; while some are
 * still missing, waits until nothing has moved for `quietMs` (a starved generator may be seconds behind), at
 * most `maxMs`. What has not landed by then is reported missing. Returns the pairs still behind.
 */
async function drain(
  fleet: readonly Generator[],
  typed: readonly Keystroke[],
  maxMs = DRAIN_MAX_MS,
  quietMs = DRAIN_QUIET_MS,
): Promise<number> {
  const targets = drainTargets(typed);
  const behind = async (): Promise<number> =>
    (await Promise.all(fleet.map((g) => g.send<number>({ cmd: 'behind', targets })))).reduce((a, b) => a + b, 0);
  const until = now() + maxMs;
  let last = await behind();
  let movedAt = now();
  while (last > 0 && now() < until && now() - movedAt < quietMs) {
    await sleep(DRAIN_POLL_MS);
    const n = await behind();
    if (n !== last) movedAt = now();
    last = n;
  }
  return last;
}

/**
 * The 10/50/200-client fan-outs of one series in one repetition against ONE server process and ONE generator
 * fleet (starting them costs seconds per run): a fresh document per run, every client closed after it. Each
 * run's server CPU is still taken over its own typing window, its RSS maximum over that run (the process
 * keeps what earlier runs left it, which the results header says). `each` is called after every run.
 */
export async function fanouts(
  s: Setup,
  runs: readonly FanoutParams[],
  each: (p: FanoutParams, r: FanoutRun, index: number) => void = () => {},
): Promise<FanoutRun[]> {
  return withServerAndFleet(s, s.generators, async (server, fleet) => {
    const out: FanoutRun[] = [];
    for (const [i, p] of runs.entries()) {
      const r = await fanoutOn(s, server, fleet, p);
      each(p, r, i);
      out.push(r);
    }
    return out;
  });
}

/** One fan-out against a fresh server (the rate search's steps); `given` generators are kept across calls. */
export async function fanout(s: Setup, p: FanoutParams, given?: Generator[]): Promise<FanoutRun> {
  return withServerAndFleet(s, s.generators, (server, fleet) => fanoutOn(s, server, fleet, p), false, given);
}

async function fanoutOn(
  s: Setup,
  server: RunningRelay,
  fleet: readonly Generator[],
  p: FanoutParams,
): Promise<FanoutRun> {
  const loadBefore = load();
  // the RSS maximum over the whole run, clients' opening included: with the server shared by the series'
  // runs, the reading starts from what the earlier runs left
  let rssMax = memory(server.pid).rss;
  const sampler = setInterval(() => {
    try {
      rssMax = Math.max(rssMax, memory(server.pid).rss);
    } catch {
      /* the server exited; the run fails below */
    }
  }, 500);
  try {
    return await measureFanout(s, server, fleet, p, loadBefore, () => rssMax);
  } finally {
    clearInterval(sampler);
  }
}

async function measureFanout(
  s: Setup,
  server: RunningRelay,
  fleet: readonly Generator[],
  p: FanoutParams,
  loadBefore: number[],
  rssMaxNow: () => number,
): Promise<FanoutRun> {
  const kind = kindOf(s.kind);
  const ref = kind.newDoc('fanout');
  const specs: ClientSpec[] = Array.from({ length: p.clients }, (_, i) => ({
    id: `c${i}`,
    ref,
    write: true,
    create: i === 0,
  }));
  // The first client registers the document and writes one paragraph per writer; the rest join after.
  const g0 = fleet[0]!;
  await g0.send({
    cmd: 'open',
    kind: s.kind,
    url: server.wsUrl,
    clients: [specs[0]!],
    verify: s.verify,
    concurrency: 1,
    batchMs: s.batchMs,
  });
  await g0.send({ cmd: 'seed', kind: s.kind, ids: ['c0'], paragraphs: p.writers, text: '', persist: false });
  // client i lives in generator i % G, so writers are spread over the generators too
  const byGen = spread(specs, fleet.length);
  byGen[0]!.shift();
  await Promise.all(
    fleet.map((g, gi) =>
      g.send({
        cmd: 'open',
        kind: s.kind,
        url: server.wsUrl,
        clients: byGen[gi]!,
        verify: s.verify,
        concurrency: 16,
        batchMs: s.batchMs,
      }),
    ),
  );
  const writers = specs.slice(0, p.writers).map((c, w) => ({
    id: c.id,
    paragraph: w,
    // writers evenly out of phase, as independent typists would be
    offsetMs: (w * p.intervalMs) / p.writers,
    gen: w % fleet.length,
  }));
  const typeAll = (count: number, startAt: number): Promise<Keystroke[][]> =>
    Promise.all(
      fleet.map((g, gi) =>
        g.send<Keystroke[]>({
          cmd: 'type',
          writers: writers.filter((w) => w.gen === gi),
          intervalMs: p.intervalMs,
          count,
          perTick: p.perTick ?? 1,
          startAt,
        }),
      ),
    );
  s.log(`  ${p.clients} clients open; warming up`);
  // the warm-up's keystrokes all landed (or stopped moving) before the measured ones start
  await drain(fleet, (await typeAll(p.warmupKeystrokes, now() + 200)).flat(), p.drainMaxMs, p.drainQuietMs);
  if (p.settleMs) await sleep(p.settleMs);

  await Promise.all(fleet.map((g) => g.send({ cmd: 'record', on: true })));
  const cpu0 = cpuTimes(server.pid);
  const typed = (await typeAll(p.keystrokesPerWriter, now() + 200)).flat();
  await drain(fleet, typed, p.drainMaxMs, p.drainQuietMs);
  const collected = await Promise.all(fleet.map((g) => g.send<Collected>({ cmd: 'collect' })));
  const cpu1 = cpuTimes(server.pid);
  const serverCpuMs = cpu1.user + cpu1.system - cpu0.user - cpu0.system;
  const serverRssEnd = memory(server.pid).rss;
  const rssMax = Math.max(rssMaxNow(), serverRssEnd);
  await Promise.all(fleet.map((g) => g.send({ cmd: 'record', on: false })));
  await Promise.all(fleet.map((g) => g.send({ cmd: 'closeAll' })));

  const d = joinDeliveries(
    typed,
    collected.flatMap((c) => c.receivers),
  );
  return {
    latency: latencySummary(d.latencies),
    keystrokes: typed.length,
    expected: d.expected,
    missing: d.missing,
    serverCpuMs,
    serverSystemShare: serverCpuMs > 0 ? (cpu1.system - cpu0.system) / serverCpuMs : 0,
    serverCpuPerDeliveryUs: (serverCpuMs * 1000) / Math.max(1, d.latencies.length),
    serverCpuPerKeystrokeUs: (serverCpuMs * 1000) / Math.max(1, typed.length),
    serverRssMax: rssMax,
    serverRssEnd,
    generators: collected.map((c) => ({
      cpuMs: c.cpuMs,
      wallMs: c.wallMs,
      utilization: c.cpuMs / c.wallMs,
      loopDelayP99Ms: c.loopDelayP99Ms,
      loopDelayMaxMs: c.loopDelayMaxMs,
    })),
    problems: collected.flatMap((c) => c.problems),
    loadBefore,
  };
}

// ---- 2. many idle documents ---------------------------------------------------------------------------

export interface IdleRun {
  readonly documents: number;
  /** paragraphs written into each document before it sits idle (`--idle-paragraphs`; absent in older files: 1) */
  readonly paragraphs?: number;
  /** bytes of text in each document */
  readonly textBytes?: number;
  /** V8 used heap after a full GC at the same three points (undefined when the target offers no GC) */
  readonly heap?: {
    base: number;
    oneClientEach: number;
    twoClientsEach: number;
    perConnection: number;
    perDocument: number;
  };
  readonly rssBase: number;
  readonly rssOneClientEach: number;
  readonly rssTwoClientsEach: number;
  readonly rssAfterClose: number;
  readonly perDocument: number;
  readonly perConnection: number;
  readonly perTwoClientDocument: number;
  readonly loadBefore: number[];
}

/**
 * The idle workload's waits (issue #5's time budget: 2,000 documents per server and repetition): every
 * reading follows a full GC in the server, so a second of quiet and three RSS readings are as steady as the
 * earlier 2 s and five (the connections are idle; nothing arrives between readings).
 */
const IDLE_SETTLE_MS = 1000;
const IDLE_READINGS = 3;
const IDLE_GAP_MS = 200;

/** the text of every idle paragraph: Korean and English, ≈ 100 bytes of UTF-8 */
export const IDLE_TEXT = 'idle 문서: 회의록 초안과 다음 모임 준비 (minutes draft, plans for the next meeting).';

export async function idle(s: Setup, documents: number, paragraphs = 1): Promise<IdleRun> {
  const kind = kindOf(s.kind);
  const loadBefore = load();
  return withServerAndFleet(
    s,
    s.generators,
    async (server, fleet) => {
      const refs: DocRef[] = Array.from({ length: documents }, (_, i) => kind.newDoc(`idle-${i}`));
      await sleep(500);
      const m0 = await settledMemory(server, IDLE_READINGS, IDLE_GAP_MS);
      const first = spread(
        refs.map((ref, i) => ({ id: `a${i}`, ref, write: true, create: true })),
        fleet.length,
      );
      await Promise.all(
        fleet.map(async (g, gi) => {
          await g.send({
            cmd: 'open',
            kind: s.kind,
            url: server.wsUrl,
            clients: first[gi]!,
            verify: s.verify,
            concurrency: 32,
          });
          // a few words in every document, stored by the relay
          await g.send({
            cmd: 'seed',
            kind: s.kind,
            ids: first[gi]!.map((c) => c.id),
            paragraphs,
            text: IDLE_TEXT,
            persist: false,
          });
        }),
      );
      s.log(`  ${documents} documents, one client each`);
      await sleep(IDLE_SETTLE_MS);
      const m1 = await settledMemory(server, IDLE_READINGS, IDLE_GAP_MS);
      // the second client of each document lives in another generator than the first, like another device
      const second = spread(
        refs.map((ref, i) => ({ id: `b${i}`, ref, write: true })),
        fleet.length,
      );
      second.push(second.shift()!);
      await Promise.all(
        fleet.map((g, gi) =>
          g.send({
            cmd: 'open',
            kind: s.kind,
            url: server.wsUrl,
            clients: second[gi]!,
            verify: s.verify,
            concurrency: 32,
          }),
        ),
      );
      s.log(`  ${documents} documents, two clients each`);
      await sleep(IDLE_SETTLE_MS);
      const m2 = await settledMemory(server, IDLE_READINGS, IDLE_GAP_MS);
      await Promise.all(fleet.map((g) => g.send({ cmd: 'closeAll' })));
      await sleep(IDLE_SETTLE_MS);
      const m3 = await settledMemory(server, IDLE_READINGS, IDLE_GAP_MS);
      const heap =
        m0.heap !== undefined && m1.heap !== undefined && m2.heap !== undefined
          ? {
              base: m0.heap,
              oneClientEach: m1.heap,
              twoClientsEach: m2.heap,
              ...memorySplit(m0.heap, m1.heap, m2.heap, documents),
            }
          : undefined;
      return {
        documents,
        paragraphs,
        textBytes: paragraphs * new TextEncoder().encode(IDLE_TEXT).length,
        rssBase: m0.rss,
        rssOneClientEach: m1.rss,
        rssTwoClientsEach: m2.rss,
        rssAfterClose: m3.rss,
        ...memorySplit(m0.rss, m1.rss, m2.rss, documents),
        ...(heap ? { heap } : {}),
        loadBefore,
      };
    },
    true,
  );
}

// ---- 3. a new device joins a large document -------------------------------------------------------------

export interface JoinRun {
  readonly samples: {
    readonly totalMs: number;
    readonly connectMs: number;
    /** hello sent → the snapshot frame fully received: the relay reading and sending it */
    readonly serverMs: number;
    /** snapshot frame received → verified, decrypted, applied */
    readonly clientMs: number;
  }[];
  /** server CPU over the measured joins, per join */
  readonly serverCpuPerJoinMs: number;
  readonly loadBefore: number[];
}

export async function join(s: Setup, fixture: { meta: FixtureMeta; v2Path: string }, reps: number): Promise<JoinRun> {
  const kind = kindOf(s.kind);
  const loadBefore = load();
  return withServerAndFleet(s, 2, async (server, fleet) => {
    const ref = kind.newDoc(fixture.meta.name);
    const [uploader, joiner] = fleet as readonly [Generator, Generator];
    const upKind = kind.uploader ?? s.kind;
    await uploader.send({
      cmd: 'open',
      kind: upKind,
      url: server.wsUrl,
      clients: [{ id: 'up', ref, write: true, create: true }],
      verify: 'each',
      concurrency: 1,
    });
    await uploader.send({ cmd: 'load', kind: upKind, id: 'up', file: fixture.v2Path });
    // Hocuspocus without extensions would unload (lose) the document with its last client
    if (!s.target.dropsUnusedDocs) await uploader.send({ cmd: 'closeAll' });
    const joinOnce = (n: number): Promise<JoinSample[]> =>
      joiner.send<JoinSample[]>({
        cmd: 'join',
        kind: s.kind,
        url: server.wsUrl,
        ref,
        reps: n,
        textSha256: fixture.meta.textSha256,
        write: false,
      });
    await joinOnce(1); // warm-up: the first join of a process also compiles the code paths
    const cpu0 = cpuMs(server.pid);
    const samples = await joinOnce(reps);
    const serverCpu = cpuMs(server.pid) - cpu0;
    for (const x of samples) {
      if (!x.textOk) throw new Error('a joining device did not end up with the fixture text');
      if (x.problems.length > 0) throw new Error(`join problems: ${x.problems.join('; ')}`);
    }
    return {
      samples: samples.map(({ marks: m }) => {
        const done = Math.max(m.synced ?? NaN, m.applied ?? NaN);
        const data = m.snapshotFrame ?? m.firstUpdate ?? NaN;
        return {
          totalMs: done - m.start!,
          connectMs: m.open! - m.start!,
          serverMs: data - m.hello!,
          clientMs: (m.applied ?? NaN) - data,
        };
      }),
      serverCpuPerJoinMs: serverCpu / reps,
      loadBefore,
    };
  });
}

export const medianOf = <T>(xs: readonly T[], f: (x: T) => number): number => median(xs.map(f));
