/** The relay benchmark's results file and its Markdown table. */
import type { FixtureMeta } from '../fixture';
import { median, summarize, type Summary } from '../stats';
import type { Machine } from './proc';
import type { RelayOptions } from './driver';
import type { FanoutRun, IdleRun, JoinRun } from './workloads';

export interface RelayResults {
  readonly kind: 'relay';
  readonly startedAt: string;
  readonly durationS: number;
  readonly command: string;
  readonly machine: Machine & { loadAtStart: number[]; loadAtEnd: number[]; benchAffinity: string };
  readonly options: RelayOptions;
  readonly target: { name: string; durability: string };
  readonly pinning: string;
  readonly fanout: { clients: number; runs: FanoutRun[] }[];
  readonly idle: IdleRun[];
  readonly join?: { fixture: FixtureMeta; runs: JoinRun[] };
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

function fanoutTable(r: RelayResults): string[] {
  const o = r.options;
  const lines = [
    `## 1. One document, ${o.writers} typing one character every ${o.intervalMs} ms for ${o.typingSeconds} s`,
    '',
    'Delivery latency: from the writer’s keystroke (a Yjs insert in its document) to the moment the character is ' +
      'in each other client’s Y.Doc (the receiver’s state vector passes it), after the receiver verified, decrypted ' +
      'and applied the envelope; every (keystroke, receiver) pair counts. Server CPU from /proc over the typing ' +
      'window, divided by the deliveries. Generator CPU is the share of one core each generator used (they share ' +
      'core 1 when pinned): near 100 % means the generator, not the server, limits the figure.',
    '',
    '| clients | p50 ms | p95 ms | p99 ms | server CPU per delivered update µs | server CPU per keystroke µs | server RSS max MiB | generator CPU (each) | generator loop delay p99 ms | deliveries (missing) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const { clients, runs } of r.fanout) {
    const gens = runs.map((x) => Math.max(...x.generators.map((g) => g.utilization)));
    lines.push(
      `| ${clients} | ${fig(
        runs.map((x) => x.latency.p50),
        ms,
      )} | ${fig(
        runs.map((x) => x.latency.p95),
        ms,
      )} | ${fig(
        runs.map((x) => x.latency.p99),
        ms,
      )} | ${fig(
        runs.map((x) => x.serverCpuPerDeliveryUs),
        ms,
      )} | ${fig(
        runs.map((x) => x.serverCpuPerKeystrokeUs),
        (v) => v.toFixed(0),
      )} | ${fig(
        runs.map((x) => x.serverRssMax),
        mib,
      )} | ${fig(gens, (v) => `${(v * 100).toFixed(0)} %`)} (max) | ${fig(
        runs.map((x) => Math.max(...x.generators.map((g) => g.loopDelayP99Ms))),
        ms,
      )} | ${runs.map((x) => `${x.expected - x.missing} (${x.missing})`).join(', ')} |`,
    );
  }
  const problems = r.fanout.flatMap((f) => f.runs.flatMap((x) => x.problems));
  if (problems.length > 0) lines.push('', `Problems reported by clients: ${problems.slice(0, 10).join('; ')}`);
  return lines;
}

function idleTable(r: RelayResults): string[] {
  if (r.idle.length === 0) return [];
  const d = r.idle[0]!.documents;
  return [
    `## 2. ${d.toLocaleString('en')} idle documents, two clients (connections) each`,
    '',
    'Server resident set (VmRSS, median of 5 readings 300 ms apart after 2 s of quiet): idle server, then every ' +
      'document opened and written by one client, then a second client on each. Per connection = the second step ' +
      'divided by the documents; per document = the first step per document minus one connection.',
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
  ];
}

function joinTable(r: RelayResults): string[] {
  if (!r.join || r.join.runs.length === 0) return [];
  const f = r.join.fixture;
  const runs = r.join.runs;
  const per = (g: (s: JoinRun['samples'][number]) => number): number[] => runs.map((x) => median(x.samples.map(g)));
  return [
    `## 3. A new device joins automerge-paper (${f.patches.toLocaleString('en')} edits, ${f.chars.toLocaleString('en')} chars, Yjs v2 ${kib(f.v2Bytes)} KiB, one snapshot on the relay)`,
    '',
    `From opening the WebSocket to synced with the document applied (signature verified, decrypted, applied to a ` +
      `fresh Y.Doc); the text is checked against the trace afterwards. ${r.options.joins} joins per run after one ` +
      'warm-up join, one generator process that never held the document.',
    '',
    '| phase | ms |',
    '| --- | --- |',
    `| connect → synced + applied (total) | ${fig(
      per((s) => s.totalMs),
      ms,
    )} |`,
    `| WebSocket connect | ${fig(
      per((s) => s.connectMs),
      ms,
    )} |`,
    `| server: hello sent → snapshot frame received (read, frame, send) | ${fig(
      per((s) => s.serverMs),
      ms,
    )} |`,
    `| client: verify, decrypt, apply | ${fig(
      per((s) => s.clientMs),
      ms,
    )} |`,
    `| server CPU per join (/proc) | ${fig(
      runs.map((x) => x.serverCpuPerJoinMs),
      ms,
    )} |`,
  ];
}

export function markdown(r: RelayResults): string {
  const m = r.machine;
  const o = r.options;
  return [
    `# Relay benchmark: ${r.target.name} sync server (issue #4)`,
    '',
    `\`${r.command}\` — ${r.startedAt}, ${r.durationS} s. Figures: median over ${o.reps} run(s) (range in ` +
      'parentheses), every run against a fresh server process with SQLite in a fresh temporary folder.',
    '',
    `Machine: ${m.cores} cores, ${m.cpuModel}, ${m.memoryGiB} GiB; Node ${m.node}; ${m.platform}. ` +
      `**Load average (uptime) ${m.loadAtStart.join(' ')} at the start, ${m.loadAtEnd.join(' ')} at the end**: ` +
      'the machine is shared with other work, so absolute figures are noisy; issue #5 compares servers side by side ' +
      'in one run.',
    '',
    `Server: ${r.target.durability}. Pinning: ${r.pinning}. Clients: \`${o.kind}\`, ${o.generators} generator ` +
      `processes, each client its own WebSocket and Y.Doc; verification ${
        o.verify === 'each'
          ? 'by every client'
          : 'once per envelope per generator process (every client still decodes the frame, checks seqs and ' +
            'applies to its own Y.Doc; Ed25519 at ≈1.3 ms per envelope for every one of 200 clients would need ' +
            'several cores)'
      }. Writers seal one envelope per keystroke (encrypted and signed).`,
    '',
    ...fanoutTable(r),
    '',
    ...idleTable(r),
    '',
    ...joinTable(r),
    '',
  ].join('\n');
}
