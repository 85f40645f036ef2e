/** The relay benchmark's results file and its Markdown table. */
import type { FixtureMeta } from '../fixture';
import { median, summarize, type Summary } from '../stats';
import type { Machine } from './proc';
import { linearFit } from './stats';
import type { RelayOptions, SeriesResults } from './driver';
import type { FanoutRun, JoinRun } from './workloads';
import { comparisonTable } from './compare';
import { DEFAULT_BATCH_MS } from '@dure/shared/sync/session';
import { GENERATOR_SATURATED, hitCeiling, RATE_MIN_PER_S, RATE_P99_BOUND_MS, RATE_START_PER_S } from './rate';

export interface RelayResults {
  readonly kind: 'relay';
  readonly startedAt: string;
  readonly durationS: number;
  readonly command: string;
  readonly machine: Machine & { loadAtStart: number[]; loadAtEnd: number[]; benchAffinity: string };
  readonly options: RelayOptions;
  readonly pinning: string;
  readonly fixture?: FixtureMeta;
  readonly series: readonly SeriesResults[];
}

/**
 * What each client kind sends: its batching and its presence traffic (issue #5: "say what batching window
 * Dure uses"). dure-frames' window is the run's `--batch` (default the engine's DEFAULT_BATCH_MS).
 */
export function kindNote(kind: string, batchMs: number = DEFAULT_BATCH_MS): string {
  switch (kind) {
    case 'dure-frames':
      return (
        'frame-level Dure clients (test/bench/relay/dure-frames.ts): each its own WebSocket and Y.Doc; writers ' +
        (batchMs > 0
          ? `batch as the engine does (DEFAULT_BATCH_MS of shared/src/sync/session.ts, ${batchMs} ms, counted from ` +
            'the last seal: an update after a pause is sealed at once, the ones within the window after a seal are ' +
            'merged and sealed as one envelope at its end), so each keystroke’s latency includes any wait for the ' +
            'window; '
          : 'seal (encrypt + sign) one envelope per keystroke, sent at once (`--batch=0`, not what the engine does); ') +
        'receivers decode the frame, check (device, seq), verify + decrypt, decode the update fully and apply it; ' +
        'presence as the engine: its PresenceChannel sends one encrypted presence envelope once synced and renews ' +
        'it every 15 s, and opens every presence envelope it receives'
      );
    case 'dure-engine':
      return (
        'the real engine (shared/src/sync/session.ts + ws-transport, in-memory storage): batching window ' +
        `${DEFAULT_BATCH_MS} ms while synced, outbox stored before sending, presence (one envelope once synced, ` +
        'renewed every 15 s), compaction past 100 updates / 256 KiB'
      );
    case 'y-websocket':
      return (
        'y-websocket 3.1.0 `WebsocketProvider` (the `ws` package as its WebSocket, BroadcastChannel off), ' +
        'defaults kept: one message per Yjs update (no batching), awareness on (its state at connect, renewed ' +
        'every 15 s; no cursor is set, so nothing per keystroke), nothing encrypted or signed'
      );
    case 'hocuspocus':
      return (
        '@hocuspocus/provider 4.7.0, one `HocuspocusProviderWebsocket` (own socket) per client, defaults kept: ' +
        'no flushDelay batching (one message per Yjs update), awareness on (its state at connect, renewed every ' +
        '15 s; no cursor, so nothing per keystroke), nothing encrypted or signed'
      );
    default:
      return kind;
  }
}

const STOCK_KINDS = new Set(['y-websocket', 'hocuspocus']);

function verifyNote(kind: string, v: 'each' | 'process'): string {
  if (STOCK_KINDS.has(kind)) return 'plain Yjs updates: nothing to verify or decrypt';
  // generators install node:crypto's Ed25519 (installNodeEd25519), as the CLI and the server do
  const how = 'Ed25519 through node:crypto, as Node devices sign and verify';
  return v === 'each'
    ? `every client verifies every envelope (${how})`
    : 'signature + decryption once per envelope per generator process, reused by the clients in it ' +
        `(${how}; real devices each verify only their own copy, while one generator holds many clients)`;
}

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kib = (b: number): string => (b / 1024).toFixed(1);
const mib = (b: number): string => (b / 2 ** 20).toFixed(1);

/** "median (min–max)" over runs, or just the value for one run. */
function fig(values: readonly number[], f: (x: number) => string): string {
  if (values.length === 0) return '–';
  const s: Summary = summarize(values);
  return s.n === 1 ? f(s.median) : `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
}

/**
 * A generator that used most of a core, or whose event loop ran late, delayed deliveries itself: the
 * figure is then partly the generator's (or the machine's load), not the server's.
 */
export const LIMITED_UTILIZATION = 0.8;
export const LIMITED_LOOP_DELAY_MS = 20;
function generatorLimited(x: FanoutRun): boolean {
  return x.generators.some((g) => g.utilization > LIMITED_UTILIZATION || g.loopDelayP99Ms > LIMITED_LOOP_DELAY_MS);
}

function fanoutTable(r: RelayResults): string[] {
  const o = r.options;
  const rows = r.series.flatMap((x) => x.fanout.map((f) => ({ kind: `${x.kind} @ ${x.target}`, ...f })));
  if (rows.length === 0) return [];
  const lines = [
    `## 1. One document, ${o.writers} clients typing one character every ${o.intervalMs} ms for ${o.typingSeconds} s`,
    '',
    'Delivery latency: from the writer’s keystroke (a Yjs insert in its document) to the moment the character is ' +
      'in each other client’s Y.Doc (the receiver’s state vector passes it), after the receiver verified, decrypted ' +
      'and applied the envelope; every (keystroke, receiver) pair counts. Server CPU from /proc over the typing ' +
      'window, divided by the deliveries. Generator CPU is the share of one core each generator process used; its ' +
      'event-loop delay p99 shows when a generator was starved or saturated (then the latency is partly the ' +
      'generator’s, not the server’s).',
    '',
    '| client @ server | clients | p50 ms | p95 ms | p99 ms | server CPU per delivered update µs | server CPU per keystroke µs | of it in the kernel | server RSS max MiB | generator CPU (busiest) | generator loop delay p99 ms | load avg (1 min) before | deliveries (missing) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { kind, clients, runs } of rows) {
    if (runs.length === 0) continue;
    const col = (f: (x: (typeof runs)[number]) => number, show: (v: number) => string): string =>
      fig(runs.map(f), show);
    lines.push(
      '| ' +
        [
          kind,
          clients,
          col((x) => x.latency.p50, ms),
          col((x) => x.latency.p95, ms),
          col((x) => x.latency.p99, ms),
          col((x) => x.serverCpuPerDeliveryUs, ms),
          col(
            (x) => x.serverCpuPerKeystrokeUs,
            (v) => v.toFixed(0),
          ),
          col(
            (x) => x.serverSystemShare,
            (v) => `${(v * 100).toFixed(0)} %`,
          ),
          col((x) => x.serverRssMax, mib),
          col(
            (x) => Math.max(...x.generators.map((g) => g.utilization)),
            (v) => `${(v * 100).toFixed(0)} %`,
          ),
          col((x) => Math.max(...x.generators.map((g) => g.loopDelayP99Ms)), ms) +
            (runs.some(generatorLimited) ? ' ⚠' : ''),
          col(
            (x) => x.loadBefore[0] ?? NaN,
            (v) => v.toFixed(1),
          ),
          runs.map((x) => `${x.expected - x.missing} (${x.missing})`).join(', '),
        ].join(' | ') +
        ' |',
    );
  }
  for (const x of r.series) {
    const pts = x.fanout
      .filter((f) => f.runs.length > 0)
      .map((f) => [f.clients - 1, median(f.runs.map((y) => y.serverCpuPerKeystrokeUs))] as const);
    if (new Set(pts.map(([n]) => n)).size < 2) continue;
    const fit = linearFit(pts);
    lines.push(
      '',
      `Server CPU per keystroke against receivers (${x.kind} @ ${x.target}, least squares over the medians): ≈ ` +
        `${fit.intercept.toFixed(0)} µs fixed per keystroke (decode, store, ack) + ` +
        `${fit.slope.toFixed(1)} µs per receiver (fan-out of one frame).`,
    );
  }
  if (rows.some((f) => f.runs.some(generatorLimited))) {
    lines.push(
      '',
      `⚠: in at least one run a generator used more than ${LIMITED_UTILIZATION * 100} % of a core or its event ` +
        `loop ran more than ${LIMITED_LOOP_DELAY_MS} ms late at p99: those latencies include the generator’s own ` +
        'queueing (CPU-starved by the machine’s load, or busy verifying), not only the server’s.',
    );
  }
  const problems = rows.flatMap((f) => f.runs.flatMap((x) => x.problems));
  if (problems.length > 0) lines.push('', `Problems reported by clients: ${problems.slice(0, 10).join('; ')}`);
  return lines;
}

function idleTable(r: RelayResults): string[] {
  return r.series.filter((x) => x.idle.length > 0).flatMap((x) => [...idleSeries(x), '']);
}

function idleContent(run: { paragraphs?: number; textBytes?: number }): string {
  const p = run.paragraphs ?? 1;
  return p === 1 && run.textBytes === undefined
    ? 'one short paragraph'
    : `${p.toLocaleString('en')} paragraph${p === 1 ? '' : 's'} (${(run.textBytes ?? 0).toLocaleString('en')} bytes of text)`;
}

function idleSeries(x: SeriesResults): string[] {
  const r = { idle: x.idle };
  const d = r.idle[0]!.documents;
  return [
    `## 2. ${d.toLocaleString('en')} idle documents, two clients (connections) each (${x.kind} @ ${x.target})`,
    '',
    `Each document holds ${idleContent(r.idle[0]!)}, written by its first client in one transaction. ` +
      'Server resident set (VmRSS, after quiet and a full GC through the ' +
      'Node inspector): idle server, then every ' +
      'document opened and written by one client, then a second client on each. Per connection = the second step ' +
      'divided by the documents; per document = the first step per document minus one connection. The RSS steps ' +
      'of a few MiB are within the noise of page reuse (V8 and malloc keep freed pages, so memory freed after the ' +
      'first step is reused by the second, which can even come out negative); the V8 heap after a full GC is the ' +
      'stable per-connection and per-document figure, and the all-in RSS per 2-client document spans both steps.',
    '',
    '| figure | value |',
    '| --- | --- |',
    `| RSS, idle server | ${fig(
      r.idle.map((x) => x.rssBase),
      mib,
    )} MiB |`,
    `| RSS, ${d} documents × 1 client | ${fig(
      r.idle.map((x) => x.rssOneClientEach),
      mib,
    )} MiB |`,
    `| RSS, ${d} documents × 2 clients | ${fig(
      r.idle.map((x) => x.rssTwoClientsEach),
      mib,
    )} MiB |`,
    `| RSS after every client left | ${fig(
      r.idle.map((x) => x.rssAfterClose),
      mib,
    )} MiB |`,
    `| memory per connection | ${fig(
      r.idle.map((x) => x.perConnection),
      kib,
    )} KiB |`,
    `| memory per open document (without its connections) | ${fig(
      r.idle.map((x) => x.perDocument),
      kib,
    )} KiB |`,
    `| memory per idle 2-client document (all in) | ${fig(
      r.idle.map((x) => x.perTwoClientDocument),
      kib,
    )} KiB |`,
    ...(r.idle.every((x) => x.heap)
      ? [
          `| V8 heap after a full GC: idle → ${d} × 1 → ${d} × 2 | ${fig(
            r.idle.map((x) => x.heap!.base),
            mib,
          )} → ${fig(
            r.idle.map((x) => x.heap!.oneClientEach),
            mib,
          )} → ${fig(
            r.idle.map((x) => x.heap!.twoClientsEach),
            mib,
          )} MiB |`,
          `| V8 heap per connection | ${fig(
            r.idle.map((x) => x.heap!.perConnection),
            kib,
          )} KiB |`,
          `| V8 heap per open document (without its connections) | ${fig(
            r.idle.map((x) => x.heap!.perDocument),
            kib,
          )} KiB |`,
        ]
      : []),
  ];
}

function joinTable(r: RelayResults): string[] {
  const f = r.fixture;
  const withJoin = r.series.filter((x) => x.join.length > 0);
  if (!f || withJoin.length === 0) return [];
  const per = (runs: readonly JoinRun[], g: (s: JoinRun['samples'][number]) => number): number[] =>
    runs.map((x) => median(x.samples.map(g)));
  const row = (label: string, g: (runs: readonly JoinRun[]) => number[]): string =>
    `| ${label} | ${withJoin.map((x) => fig(g(x.join), ms)).join(' | ')} |`;
  return [
    `## 3. A new device joins automerge-paper (${f.patches.toLocaleString('en')} edits, ${f.chars.toLocaleString('en')} chars, Yjs v2 ${kib(f.v2Bytes)} KiB, one snapshot on the relay)`,
    '',
    'From opening the WebSocket to synced with the document applied (Dure: signature verified, decrypted, ' +
      `decoded, applied to a fresh Y.Doc); the text is checked against the trace afterwards. ${r.options.joins} ` +
      'joins per run after one warm-up join, in a generator process that never held the document. Dure: the ' +
      'snapshot was uploaded once by a dure-frames client (the engine’s snapshot plaintext is the same Yjs v2 ' +
      'state). Stock servers: the fixture applied in one client as one update, sent by its provider, and held ' +
      'in the server’s Y.Doc; their "document received" is the first message of ≥ 4 KiB (the sync step 2).',
    '',
    `| ms | ${withJoin.map((x) => `${x.kind} @ ${x.target}`).join(' | ')} |`,
    `| --- | ${withJoin.map(() => '---').join(' | ')} |`,
    row('connect → synced + applied (total)', (runs) => per(runs, (s) => s.totalMs)),
    row('WebSocket connect', (runs) => per(runs, (s) => s.connectMs)),
    row('server: hello sent → snapshot frame / document received (read, frame, send)', (runs) =>
      per(runs, (s) => s.serverMs),
    ),
    row('client: (Dure: verify, decrypt,) decode, apply', (runs) => per(runs, (s) => s.clientMs)),
    row('server CPU per join (/proc, 10 ms ticks)', (runs) => runs.map((x) => x.serverCpuPerJoinMs)),
  ];
}

function rateTable(r: RelayResults): string[] {
  const withRate = r.series.filter((x) => (x.rate ?? []).length > 0);
  if (withRate.length === 0) return [];
  const batch = batchOf(r.options);
  const lines = [
    `## 4. Highest typing rate one document with 10 clients sustains at p99 ≤ ${RATE_P99_BOUND_MS} ms`,
    '',
    `Steps of the fan-out workload (fresh server each, the same generator processes throughout, ` +
      `${r.options.rateSeconds} s of typing per step): the total rate doubles from ${RATE_START_PER_S} ` +
      `keystrokes/s (halving down to ${RATE_MIN_PER_S} while even that fails) until the p99 passes the bound ` +
      'or a delivery goes missing, then the interval between the ' +
      'last good and the first bad step is bisected twice; the sustained rate is the fastest good step below the ' +
      'first bad one. Writers type one character per keystroke on timers, one keystroke per tick down to 1 ms ' +
      'per writer, then several per tick (each its own transaction). ' +
      (batch > 0
        ? `Dure’s frame-level writers merge what they type in ${batch} ms (the engine’s window) into one envelope; `
        : 'Dure’s frame-level writers seal one envelope per keystroke (no batching window); ') +
      'y-websocket and Hocuspocus send one message per update (their defaults). Rates are the schedule’s ' +
      '(keystrokes are typed at absolute times, so a late timer catches up); shares of a core are over the whole ' +
      'recorded window, the wait for the last deliveries included. A step that failed was tried once more; the ' +
      'figures shown are the last attempt’s. "≥": no step failed (the search’s ceiling or its time budget came ' +
      `first). ⚠: a generator was saturated in that step (> ${GENERATOR_SATURATED.utilization * 100} % of a core ` +
      `or its event loop > ${GENERATOR_SATURATED.loopDelayP99Ms} ms late at p99); a figure marked ` +
      '"generator-limited" failed at such a step, so it measures the generators as much as the server.',
    '',
    '| client @ server | run | keystrokes/s: p50 / p99 ms (missing) [server % of a core; each generator %, its loop p99 ms] | sustained keystrokes/s |',
    '| --- | --- | --- | --- |',
  ];
  for (const x of withRate) {
    for (const [i, run] of x.rate.entries()) {
      const steps = run.steps
        .map((s) => {
          const gens = s.generators ?? [
            { utilization: s.generatorUtilization, loopDelayP99Ms: s.generatorLoopDelayP99Ms },
          ];
          return (
            `${s.keystrokesPerS.toFixed(0)}: ${ms(s.p50)} / ${ms(s.p99)} (${s.missing}) ` +
            `[${(s.serverCpuShare * 100).toFixed(0)} %; ` +
            gens.map((g) => `${(g.utilization * 100).toFixed(0)} %, ${ms(g.loopDelayP99Ms)}`).join('; ') +
            `]${s.generatorLimited ? ' ⚠' : ''}`
          );
        })
        .join('; ');
      const sustained =
        `${hitCeiling(run) ? '≥ ' : ''}${run.sustained.toFixed(0)}` +
        (run.generatorLimited ? ' (generator-limited)' : '') +
        (run.outOfTime ? ' (time budget spent)' : '');
      lines.push(`| ${x.kind} @ ${x.target} | ${i + 1} | ${steps} | ${sustained} |`);
    }
  }
  return lines;
}

/**
 * The run's dure-frames batching window. Results written before the window existed (runs 1–5 of
 * 2026-11-23) carry none: their writers sealed one envelope per keystroke.
 */
function batchOf(o: object): number {
  return 'batchMs' in o && typeof o.batchMs === 'number' ? o.batchMs : 0;
}

/** Workloads run in fewer repetitions than the rest (the combined run's time budget), and the servers' rotation. */
export function repsNote(o: Pick<RelayOptions, 'reps' | 'workloadReps' | 'engineReps'>): string {
  const fewer = Object.entries(o.workloadReps ?? {}).filter(([, n]) => n !== undefined && n < o.reps);
  if (o.engineReps !== undefined && o.engineReps < o.reps) fewer.push(['the dure-engine series', o.engineReps]);
  const text = fewer.map(([w, n]) => (n === 0 ? `${w} left out` : `${w} in the first ${n}`)).join(', ');
  return (
    (fewer.length > 0 ? ` Fewer runs, to fit the time budget: ${text}.` : '') +
    (o.reps > 1 ? " The servers' order rotates one place per repetition (the load drifts)." : '')
  );
}

/** One line per repetition: the order the series ran in and the load average before each. */
function passesNote(series: readonly SeriesResults[]): string[] {
  const all = series.flatMap((x) => (x.passes ?? []).map((p) => ({ ...p, name: `${x.kind}@${x.target}` })));
  if (all.length === 0) return [];
  const reps = [...new Set(all.map((p) => p.rep))].sort((a, b) => a - b);
  return [
    'Order and load average (1 min) before each series:',
    '',
    ...reps.map(
      (rep) =>
        `- rep ${rep}: ` +
        all
          .filter((p) => p.rep === rep)
          .sort((a, b) => a.position - b.position)
          .map((p) => `${p.name} ${p.loadBefore[0]?.toFixed(1) ?? '?'} (${p.durationS.toFixed(0)} s)`)
          .join(', '),
    ),
    '',
  ];
}

export function markdown(r: RelayResults): string {
  const m = r.machine;
  const o = r.options;
  return [
    '# Relay benchmark: the Dure sync server (issue #4) against the stock servers (issue #5)',
    '',
    `\`${r.command}\` — ${r.startedAt}, ${r.durationS} s. Figures: median over ${o.reps} run(s) (range in ` +
      'parentheses), ' +
      (o.fanoutServerShared
        ? 'the fan-outs of one series at its client counts one after another against one server process per ' +
          'repetition (a fresh document each, every client closed in between: the server CPU is per run over its ' +
          'typing window, the RSS the maximum during that run, starting from what the earlier counts left), every ' +
          'other run against a fresh server process'
        : 'every run against a fresh server process') +
      ' (Dure: with SQLite in a fresh temporary folder).' +
      repsNote(o),
    '',
    ...passesNote(r.series),
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB; Node ${m.node}; ${m.platform}. ` +
      `**Load average (uptime) ${m.loadAtStart.join(' ')} at the start, ${m.loadAtEnd.join(' ')} at the end**: ` +
      'the machine is shared with other work, so absolute figures are noisy; issue #5 compares servers side by side ' +
      'in one run.',
    '',
    'Servers: ' +
      [...new Map(r.series.map((x) => [x.target, x.durability]))].map(([t, d]) => `\`${t}\`: ${d}`).join('; ') +
      `. Pinning: ${r.pinning}. ${o.generators} generator processes (clients spread ` +
      'round-robin, writers too), each client with its own WebSocket connection and Y.Doc. Client kinds:',
    '',
    ...[...new Map(r.series.map((x) => [`${x.kind}/${x.verify}`, x]))].map(
      ([, x]) => `- \`${x.kind}\`: ${kindNote(x.kind, batchOf(o))}; ${verifyNote(x.kind, x.verify)}.`,
    ),
    '',
    ...comparisonTable(r.series),
    '',
    ...fanoutTable(r),
    '',
    ...idleTable(r),
    '',
    ...joinTable(r),
    '',
    ...rateTable(r),
    '',
  ].join('\n');
}
