/**
 * Issue #5's side-by-side table: Dure against the better of the two stock servers measured in the same run,
 * as a ratio (Dure / best stock; lower is better for every figure here), with BRIEF.md's goals marked.
 */
import { median } from '../stats';
import type { SeriesResults } from './driver';
import { hitCeiling, RATE_P99_BOUND_MS } from './rate';
import type { FanoutRun, IdleRun, JoinRun } from './workloads';

export const STOCK_TARGETS = ['ywebsocket', 'hocuspocus'] as const;

interface Row {
  readonly figure: string;
  readonly dure: number | undefined;
  readonly stock: readonly (number | undefined)[];
  readonly show: (v: number) => string;
  /** higher is better (a rate): the best stock is then the highest */
  readonly higherIsBetter?: boolean;
  /** BRIEF.md's goal on the ratio Dure / best stock, when the row carries one */
  readonly goal?: { readonly max?: number; readonly min?: number; readonly text: string };
}

const medianOr = (xs: readonly number[]): number | undefined => (xs.length > 0 ? median(xs) : undefined);

const find = (all: readonly SeriesResults[], target: string, kind?: string): SeriesResults | undefined =>
  all.find((x) => x.target === target && (kind === undefined || x.kind === kind));

function fanoutFig(x: SeriesResults | undefined, clients: number, f: (r: FanoutRun) => number): number | undefined {
  return medianOr(x?.fanout.find((y) => y.clients === clients)?.runs.map(f) ?? []);
}

const idleFig = (x: SeriesResults | undefined, f: (r: IdleRun) => number | undefined): number | undefined =>
  medianOr((x?.idle ?? []).map(f).filter((v): v is number => v !== undefined && Number.isFinite(v)));

const joinFig = (x: SeriesResults | undefined, f: (s: JoinRun['samples'][number]) => number): number | undefined =>
  medianOr((x?.join ?? []).map((r) => median(r.samples.map(f))));

const ms = (x: number): string => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const kib = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;

export function comparisonTable(all: readonly SeriesResults[]): string[] {
  const dure = find(all, 'dure', 'dure-frames');
  const engine = find(all, 'dure', 'dure-engine');
  const stock = STOCK_TARGETS.map((t) => find(all, t));
  if (!dure || stock.every((x) => x === undefined)) return [];
  const rows: Row[] = [];
  const counts = [...new Set(all.flatMap((x) => x.fanout.map((f) => f.clients)))].sort((a, b) => a - b);
  for (const n of counts) {
    for (const [label, f] of [
      ['p50', (r: FanoutRun) => r.latency.p50],
      ['p99', (r: FanoutRun) => r.latency.p99],
    ] as const) {
      rows.push({
        figure: `fan-out, ${n} clients: delivery ${label} (ms)`,
        dure: fanoutFig(dure, n, f),
        stock: stock.map((x) => fanoutFig(x, n, f)),
        show: ms,
      });
    }
    rows.push({
      figure: `fan-out, ${n} clients: server CPU per delivered update (µs)`,
      dure: fanoutFig(dure, n, (r) => r.serverCpuPerDeliveryUs),
      stock: stock.map((x) => fanoutFig(x, n, (r) => r.serverCpuPerDeliveryUs)),
      show: ms,
    });
    rows.push({
      figure: `fan-out, ${n} clients: server RSS max (MiB)`,
      dure: fanoutFig(dure, n, (r) => r.serverRssMax / 2 ** 20),
      stock: stock.map((x) => fanoutFig(x, n, (r) => r.serverRssMax / 2 ** 20)),
      show: (v) => v.toFixed(1),
    });
  }
  if (engine) {
    rows.push({
      figure: 'fan-out, 10 clients: delivery p50 (ms) with Dure’s real engine (40 ms batching window)',
      dure: fanoutFig(engine, 10, (r) => r.latency.p50),
      stock: stock.map((x) => fanoutFig(x, 10, (r) => r.latency.p50)),
      show: ms,
    });
  }
  const allIn = (r: IdleRun): number => r.perTwoClientDocument / 2;
  rows.push({
    figure: 'idle memory per connection, all in (RSS per idle 2-client document ÷ 2)',
    dure: idleFig(dure, allIn),
    stock: stock.map((x) => idleFig(x, allIn)),
    show: kib,
    goal: { max: 0.2, text: '≤ 1/5' },
  });
  const heapAllIn = (r: IdleRun): number | undefined =>
    r.heap ? (r.heap.perDocument + 2 * r.heap.perConnection) / 2 : undefined;
  rows.push({
    figure: 'the same in V8 heap after a full GC ((per document + 2 × per connection) ÷ 2)',
    dure: idleFig(dure, heapAllIn),
    stock: stock.map((x) => idleFig(x, heapAllIn)),
    show: kib,
    goal: { max: 0.2, text: '≤ 1/5' },
  });
  rows.push({
    figure: 'V8 heap per connection alone',
    dure: idleFig(dure, (r) => r.heap?.perConnection),
    stock: stock.map((x) => idleFig(x, (r) => r.heap?.perConnection)),
    show: kib,
  });
  rows.push({
    figure: 'V8 heap per open document (without its connections)',
    dure: idleFig(dure, (r) => r.heap?.perDocument),
    stock: stock.map((x) => idleFig(x, (r) => r.heap?.perDocument)),
    show: kib,
  });
  const sustained = (x: SeriesResults | undefined): number | undefined =>
    medianOr((x?.rate ?? []).map((r) => r.sustained));
  if ((dure.rate ?? []).length > 0) {
    rows.push({
      figure: `highest typing rate, 10 clients, at p99 ≤ ${RATE_P99_BOUND_MS} ms (keystrokes/s, each to 9 others)`,
      dure: sustained(dure),
      stock: stock.map(sustained),
      show: (v) => v.toFixed(0),
      higherIsBetter: true,
      goal: { min: 3, text: '≥ 3×' },
    });
  }
  const joinRows: [string, SeriesResults | undefined][] = [
    ['join automerge-paper, total (ms): Dure’s real engine', engine],
    ['join automerge-paper, total (ms): Dure frame-level client', dure],
  ];
  for (const [figure, x] of joinRows) {
    if (!x || x.join.length === 0) continue;
    rows.push({
      figure,
      dure: joinFig(x, (s) => s.totalMs),
      stock: stock.map((y) => joinFig(y, (s) => s.totalMs)),
      show: ms,
      goal: { max: 1, text: '≤ 1.0×' },
    });
  }
  rows.push({
    figure: 'join: the server’s share, hello → document received (ms)',
    dure: joinFig(dure, (s) => s.serverMs),
    stock: stock.map((y) => joinFig(y, (s) => s.serverMs)),
    show: ms,
  });
  rows.push({
    figure: 'join: server CPU per join (ms, /proc 10 ms ticks)',
    dure: medianOr(dure.join.map((r) => r.serverCpuPerJoinMs)),
    stock: stock.map((y) => medianOr((y?.join ?? []).map((r) => r.serverCpuPerJoinMs))),
    show: ms,
  });

  const cell = (v: number | undefined, show: (v: number) => string): string =>
    v === undefined || !Number.isFinite(v) ? '–' : show(v);
  const lines = [
    '## Dure against the stock servers (issue #5)',
    '',
    'Medians over the runs of the tables below, measured in this one run. Ratio = Dure / the better (lower) of ' +
      'the two stock servers: below 1 Dure is better. Dure here is the frame-level client against the sync ' +
      'server with SQLite (every update committed with fsync before it is acknowledged and fanned out, every ' +
      'envelope encrypted, signed and verified); the stock servers keep everything in memory only and ' +
      'acknowledge nothing durable, and their clients neither encrypt nor verify. BRIEF.md’s goals are marked ' +
      'where a row carries one. For the rate row higher is better and the best stock is the higher one.',
    '',
    `| figure | Dure | ${STOCK_TARGETS.join(' | ')} | ratio (Dure / best stock) | goal |`,
    `| --- | --- | ${STOCK_TARGETS.map(() => '---').join(' | ')} | --- | --- |`,
  ];
  const ceiling = all.filter((x) => (x.rate ?? []).some(hitCeiling)).map((x) => `${x.kind} @ ${x.target}`);
  for (const r of rows) {
    const present = r.stock.filter((v): v is number => v !== undefined && Number.isFinite(v));
    const best = present.length === 0 ? undefined : r.higherIsBetter ? Math.max(...present) : Math.min(...present);
    const ratio = r.dure !== undefined && best !== undefined && best > 0 ? r.dure / best : undefined;
    const met = (g: NonNullable<Row['goal']>, v: number): boolean =>
      (g.max === undefined || v <= g.max) && (g.min === undefined || v >= g.min);
    const goal = !r.goal
      ? '–'
      : ratio === undefined
        ? `${r.goal.text}: not measured`
        : `${r.goal.text}: **${met(r.goal, ratio) ? 'met' : 'not met'}**`;
    lines.push(
      `| ${r.figure} | ${cell(r.dure, r.show)} | ${r.stock.map((v) => cell(v, r.show)).join(' | ')} | ` +
        `${ratio === undefined ? '–' : `${ratio.toFixed(2)}×`} | ${goal} |`,
    );
  }
  if (ceiling.length > 0) {
    lines.push(
      '',
      `Rate search: ${ceiling.join(', ')} had no failing step in at least one run (the search’s ceiling or ` +
        'its time budget came first), so its figure is a lower bound (and the ratio against it an upper bound).',
    );
  }
  const limited = all
    .filter((x) => (x.rate ?? []).some((r) => r.generatorLimited))
    .map((x) => `${x.kind} @ ${x.target}`);
  if (limited.length > 0) {
    lines.push(
      '',
      `Rate search: for ${limited.join(', ')} the first failing step of at least one run had a saturated ` +
        'generator (generator-limited, see section 4): that figure is partly the generators’ limit, not the server’s.',
    );
  }
  return lines;
}
