/**
 * Reading the editing traces in test/fixtures/traces (format: see the README there).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';

/** [position in code points, code points deleted, text inserted] */
export type Patch = readonly [number, number, string];

export interface Trace {
  readonly startContent: string;
  readonly endContent: string;
  readonly txns: readonly { readonly patches: readonly Patch[] }[];
}

export const TRACE_NAMES = ['automerge-paper', 'seph-blog1'] as const;
export type TraceName = (typeof TRACE_NAMES)[number];

export const TRACES_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'traces');

export function tracePath(name: TraceName): string {
  return join(TRACES_DIR, `${name}.json.gz`);
}

export function loadTrace(name: TraceName): Trace {
  return JSON.parse(gunzipSync(readFileSync(tracePath(name))).toString('utf8')) as Trace;
}

/** The reference replay on a plain array of code points: what every other replay must equal. */
export function replayPlain(trace: Trace): string {
  const chars = [...trace.startContent];
  for (const txn of trace.txns) {
    for (const [pos, del, ins] of txn.patches) chars.splice(pos, del, ...ins);
  }
  return chars.join('');
}

export function countPatches(trace: Trace): number {
  let n = 0;
  for (const txn of trace.txns) n += txn.patches.length;
  return n;
}
