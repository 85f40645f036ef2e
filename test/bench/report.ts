/**
 * The results file's shape and the Markdown table printed at the end of `npm run bench`.
 * Goals are BRIEF.md's Performance table, as ratios to the bare stack measured in the same run.
 */
import type { FixtureMeta } from './fixture';
import type { OpenResult, StoredResult } from './pages/common';
import { median, ratio, type Summary } from './stats';

export type StackName = 'baseline' | 'dure';

export interface StackFigures {
  /** over the repetitions' opens and the extra open-only sessions */
  readonly openReadyMs: Summary;
  readonly openPaintedMs: Summary;
  /** per repetition: the p50 / p95 of that repetition's keystrokes; summarized over repetitions */
  readonly keystrokeP50Ms: Summary;
  readonly keystrokeP95Ms: Summary;
  readonly keystrokesPerRep: number;
  readonly remoteP50Ms: Summary;
  readonly remoteP95Ms: Summary;
  readonly remotePerRep: number;
  /** `burst` remote updates back to back, total */
  readonly burstMs: Summary;
  readonly burst: number;
  readonly asyncKeystrokes: number;
  /** after storing the fixture the stack's own way (Dure: compacted, encrypted snapshot) */
  readonly storedBytes: Summary;
  readonly storedRecords: Summary;
  /** after one measured session on top of that (open, keystrokes, close) */
  readonly storedAfterSessionBytes: Summary;
  readonly storedAfterSessionRecords: Summary;
  /** Y.encodeStateAsUpdateV2 of the opened document */
  readonly v2Bytes: number;
}

export interface CycleFigures {
  readonly cycles: number;
  readonly checkpoints: readonly { cycle: number; bytes: number; records: number }[];
  readonly bytes: number;
  readonly records: number;
  readonly v2Bytes: number;
  /** open of the last 5 cycles: median and range */
  readonly openAfterMs: Summary;
}

export interface Results {
  readonly date: string;
  readonly durationS: number;
  readonly command: string;
  readonly options: unknown;
  readonly machine: {
    readonly cpuModel: string;
    /** 1/5/15-minute load averages at the end (and start) of the run: other work on the machine skews figures */
    readonly loadAverage: readonly number[];
    readonly loadAverageAtStart: readonly number[];
    readonly cores: number;
    readonly memoryGB: number;
    readonly node: string;
    /** the launched browser's own version */
    readonly chromium: string;
    /** `/usr/bin/chromium --version` */
    readonly chromiumBinary?: string;
    /** distribution and kernel (results before issue #5's budget lack it) */
    readonly os?: string;
    readonly platform: string;
  };
  /** wall seconds per "<trace> <stack>" (or "run") and phase: where the run's time went */
  readonly phaseSeconds?: Record<string, Record<string, number>>;
  readonly fixtures: readonly {
    readonly name: string;
    readonly meta: FixtureMeta;
    readonly stacks: Record<StackName, StackFigures>;
    readonly cycles: Partial<Record<StackName, CycleFigures>>;
    readonly raw: Record<
      StackName,
      readonly { open: OpenResult; keystrokeMs: readonly number[]; remoteMs: readonly number[]; stored: StoredResult }[]
    >;
    /** readyMs of the open-only sessions */
    readonly extraOpens: Record<StackName, readonly number[]>;
  }[];
}

/** "a small fixed overhead" of BRIEF.md's storage goal: the key and meta records, record framing */
export const STORAGE_OVERHEAD_BYTES = 4096;
export const STORAGE_FACTOR = 1.5;

const ms = (s: Summary): string =>
  `${s.median.toFixed(s.median < 10 ? 2 : 1)} ms (${s.min.toFixed(1)}–${s.max.toFixed(1)})`;
const kb = (b: number): string => `${(b / 1024).toFixed(1)} KiB`;
const fmtRatio = (r: number | undefined): string => (r === undefined ? '–' : `${r.toFixed(2)}×`);
const verdict = (ok: boolean | undefined): string => (ok === undefined ? '–' : ok ? 'met' : 'NOT met');

interface Row {
  metric: string;
  dure: string;
  baseline: string;
  ratio: string;
  goal: string;
  met: string;
}

function timeRow(metric: string, d: Summary, b: Summary, goal?: number): Row {
  const r = ratio(d.median, b.median);
  return {
    metric,
    dure: ms(d),
    baseline: ms(b),
    ratio: fmtRatio(r),
    goal: goal === undefined ? '(orientation)' : `≤ ${goal.toFixed(1)}×`,
    met: goal === undefined ? '–' : verdict(r === undefined ? undefined : r <= goal),
  };
}

/** " (a–b KiB)" when the repetitions differ: the storage figures are nearly deterministic */
const kbRange = (s?: Summary): string =>
  s && s.min !== s.max ? ` (${(s.min / 1024).toFixed(1)}–${(s.max / 1024).toFixed(1)})` : '';

function storageRow(
  metric: string,
  dureBytes: number,
  baseBytes: number,
  v2: number,
  records: [number, number],
  ranges?: [Summary, Summary],
): Row {
  const limit = STORAGE_FACTOR * v2 + STORAGE_OVERHEAD_BYTES;
  return {
    metric,
    dure: `${kb(dureBytes)}${kbRange(ranges?.[0])} in ${records[0]} records = ${(dureBytes / v2).toFixed(2)}× v2`,
    baseline: `${kb(baseBytes)}${kbRange(ranges?.[1])} in ${records[1]} records = ${(baseBytes / v2).toFixed(2)}× v2`,
    ratio: fmtRatio(ratio(dureBytes, baseBytes)),
    goal: `Dure ≤ ${STORAGE_FACTOR}× v2 (${kb(v2)}) + ${kb(STORAGE_OVERHEAD_BYTES)}`,
    met: verdict(dureBytes <= limit),
  };
}

export function fixtureRows(f: Results['fixtures'][number]): Row[] {
  const d = f.stacks.dure;
  const b = f.stacks.baseline;
  const rows: Row[] = [
    timeRow('open from IndexedDB → editable editor', d.openReadyMs, b.openReadyMs, 1.0),
    timeRow('open → first frame painted', d.openPaintedMs, b.openPaintedMs),
    timeRow(`keystroke → local Yjs update, p50 (${d.keystrokesPerRep}/rep)`, d.keystrokeP50Ms, b.keystrokeP50Ms, 0.5),
    timeRow('keystroke → local Yjs update, p95', d.keystrokeP95Ms, b.keystrokeP95Ms, 0.5),
    storageRow(
      'stored after writing the fixture',
      d.storedBytes.median,
      b.storedBytes.median,
      d.v2Bytes,
      [d.storedRecords.median, b.storedRecords.median],
      [d.storedBytes, b.storedBytes],
    ),
    storageRow(
      'stored after one session (open, type, close)',
      d.storedAfterSessionBytes.median,
      b.storedAfterSessionBytes.median,
      d.v2Bytes,
      [d.storedAfterSessionRecords.median, b.storedAfterSessionRecords.median],
      [d.storedAfterSessionBytes, b.storedAfterSessionBytes],
    ),
  ];
  const cd = f.cycles.dure;
  const cb = f.cycles.baseline;
  if (cd && cb) {
    rows.push(
      storageRow(`stored after ${cd.cycles} open/type/close sessions`, cd.bytes, cb.bytes, cd.v2Bytes, [
        cd.records,
        cb.records,
      ]),
    );
    rows.push(timeRow(`open after ${cd.cycles} sessions (the last 5)`, cd.openAfterMs, cb.openAfterMs, 1.0));
  }
  rows.push(
    timeRow(`apply one remote 1-char update, p50 (${d.remotePerRep}/rep)`, d.remoteP50Ms, b.remoteP50Ms, 0.1),
    timeRow('apply one remote 1-char update, p95', d.remoteP95Ms, b.remoteP95Ms, 0.1),
  );
  // the full run times the burst on automerge-paper only (issue #5's time budget: driver.ts `burstFixtures`)
  if (d.burst > 0) rows.push(timeRow(`${d.burst} remote updates back to back`, d.burstMs, b.burstMs, 0.1));
  return rows;
}

/** BRIEF.md's client goal rows, one line each, with the ratio per fixture: the verdict at a glance. */
export function goalSummary(r: Results): string[] {
  const goals: [string, (m: string) => boolean][] = [
    [
      'open the document from local storage to an editable editor: ≤ 1.0× the bare stack',
      (m) => m.startsWith('open from') || m.startsWith('open after'),
    ],
    [
      'keystroke → local Yjs update p50: ≤ 0.5× the bare stack',
      (m) => m.startsWith('keystroke → local Yjs update, p50'),
    ],
    [
      'apply one remote single-character update (one at a time, and back to back): ≤ 0.1× the bare stack',
      (m) => m.includes('remote'),
    ],
    ['local storage ≤ 1.5× Yjs v2 + a small fixed overhead, bounded record count', (m) => m.startsWith('stored')],
  ];
  const out = ['| BRIEF.md goal | ' + r.fixtures.map((f) => f.name).join(' | ') + ' | |'];
  out.push('|---|' + r.fixtures.map(() => '---|').join('') + '---|');
  for (const [goal, match] of goals) {
    let all = true;
    const cells = r.fixtures.map((f) => {
      const rows = fixtureRows(f).filter((x) => match(x.metric));
      if (rows.length === 0) return '–';
      const met = rows.every((x) => x.met === 'met');
      all &&= met;
      return `${rows.map((x) => x.ratio).join(', ')} ${met ? 'met' : 'NOT met'}`;
    });
    out.push(`| ${goal} | ${cells.join(' | ')} | ${all ? 'met' : 'NOT met'} |`);
  }
  return out;
}

/** Median of each open phase over the repetitions, in the order the phases ran. */
export function phaseMedians(opens: readonly OpenResult[]): [string, number][] {
  const names = opens[0]?.phases.map(([n]) => n) ?? [];
  return names.map((n) => [n, median(opens.map((o) => o.phases.find(([m]) => m === n)?.[1] ?? 0))]);
}

export function markdownReport(r: Results): string {
  const out: string[] = [];
  out.push(`# Client benchmark: Dure vs bare TipTap 3 + y-indexeddb 9.0.12 (Chromium)`, '');
  out.push(
    `\`${r.command}\` — ${r.date}, ${r.durationS} s. Medians over the repetitions (range in parentheses); the stacks ` +
      `alternate repetition by repetition in the same browser. Goals: BRIEF.md "Performance goals".`,
    '',
  );
  out.push(
    `Machine: ${r.machine.cores} cores, ${r.machine.cpuModel}, ${r.machine.memoryGB} GB; ${/^\d/.test(r.machine.chromium) ? 'Chromium ' : ''}${r.machine.chromium} (headless); ` +
      `Node ${r.machine.node}; ${r.machine.os ?? r.machine.platform}. Load average (1/5/15 min) ${r.machine.loadAverageAtStart.join(' ')} at the ` +
      `start, ${r.machine.loadAverage.join(' ')} at the end (other work on the machine inflates the absolute figures; the ratios are taken side by side).`,
    '',
  );
  out.push(...goalSummary(r), '');
  out.push(
    'Ratios are Dure / bare stack (medians of the same run); a goal row is met only when every figure under it is ' +
      '(storage: the bytes against the limit; records are shown). Per fixture below.',
    '',
  );
  for (const f of r.fixtures) {
    const m = f.meta;
    const d = f.stacks.dure;
    out.push(
      `## ${f.name}: ${m.patches.toLocaleString('en')} edits → ${m.chars.toLocaleString('en')} chars, ${m.paragraphs} paragraphs ` +
        `(Yjs v2 ${kb(m.v2Bytes)}, v1 ${kb(m.v1Bytes)}), ${f.raw.dure.length} repetitions, ${d.openReadyMs.n} opens per stack`,
      '',
    );
    out.push('| metric | Dure | baseline | Dure/baseline | goal | |', '|---|---|---|---|---|---|');
    for (const row of fixtureRows(f))
      out.push(`| ${row.metric} | ${row.dure} | ${row.baseline} | ${row.ratio} | ${row.goal} | ${row.met} |`);
    out.push('');
    out.push('Where the open goes (median ms per phase):', '');
    for (const stack of ['dure', 'baseline'] as const) {
      out.push(
        `- ${stack}: ${phaseMedians(f.raw[stack].map((x) => x.open))
          .map(([n, v]) => `${n} ${v.toFixed(1)}`)
          .join('; ')}`,
      );
    }
    out.push('');
    const async = f.stacks.dure.asyncKeystrokes + f.stacks.baseline.asyncKeystrokes;
    if (async > 0)
      out.push(`(${async} keystrokes produced their Yjs update only after dispatch returned; they were awaited.)`, '');
  }
  out.push(
    'Open = storage opened, document read (Dure: key unwrapped, records decrypted), applied, editor created and editable. ' +
      'Keystroke = one ProseMirror insert transaction dispatched → the Y.Doc has emitted its update and every update handler ' +
      '(the persistence layer included) has returned. Remote = Y.applyUpdate of another client’s one-character insert, the ' +
      'editor updated synchronously inside it (the remote-update goal is for a later issue: both stacks use y-tiptap today). Stored = bytes of every IndexedDB value of the origin.',
    '',
  );
  return out.join('\n');
}
