/**
 * `--profile`: where the time goes. Runs one open (and a keystroke / remote-update session) per stack under
 * Chromium's sampling profiler (CDP Profiler domain) and reduces the profile to self time per function,
 * so a goal that is not met comes with the functions that cost it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface HotFunction {
  readonly name: string;
  readonly where: string;
  readonly selfMs: number;
  readonly share: number;
}

/** Where a frame comes from: the package (vite.config.ts makes one chunk per package), else the file. */
export function origin(url: string): string {
  const file = url.split('?')[0]!.split('/').pop() ?? '';
  const chunk = /^(pkg-.+|dure-[a-z]+)-[\w-]{8}\.js$/.exec(file)?.[1];
  if (chunk) return chunk.replace(/^pkg-/, '').replace('__', '/');
  return file.replace(/-[\w-]{8}\.js$/, '.js') || '(native)';
}

/**
 * The most one sample may stand for (µs). Samples come every 100 µs while the renderer runs; on a loaded machine
 * the renderer is descheduled and the next sample comes hundreds of ms later. That gap was not spent in the
 * sampled function (a 351 ms gap once made one y-tiptap function look like half of an open), so it is capped
 * here and reported as unsampled time instead.
 */
export const MAX_SAMPLE_US = 2000;

/** A sample's time is the delta to the NEXT sample, capped at MAX_SAMPLE_US. */
function sampleUs(deltas: readonly number[], i: number): number {
  return Math.min(deltas[i + 1] ?? 0, MAX_SAMPLE_US);
}

/** Time between samples beyond MAX_SAMPLE_US (ms): the renderer was not running (machine load), not busy. */
export function unsampledMs(p: CpuProfile): number {
  const deltas = p.timeDeltas ?? [];
  let us = 0;
  for (let i = 1; i < deltas.length; i++) us += Math.max(0, deltas[i]! - MAX_SAMPLE_US);
  return us / 1000;
}

/** Self time per function (ms), biggest first. Samples are weighted by their (capped) time deltas. */
export function hotFunctions(p: CpuProfile, top = 15): HotFunction[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = sampleUs(deltas, i);
    self.set(samples[i]!, (self.get(samples[i]!) ?? 0) + dt);
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const agg = new Map<string, { name: string; where: string; us: number }>();
  for (const [id, us] of self) {
    const n = byId.get(id);
    if (!n) continue;
    const name = n.callFrame.functionName || '(anonymous)';
    if (name === '(idle)' || name === '(program)') continue;
    const where = origin(n.callFrame.url);
    const k = `${name}@${where}`;
    const a = agg.get(k) ?? { name, where, us: 0 };
    a.us += us;
    agg.set(k, a);
  }
  return [...agg.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((a) => ({ name: a.name, where: a.where, selfMs: a.us / 1000, share: total > 0 ? a.us / total : 0 }));
}

/** Self time per package / file, biggest first. */
export function hotOrigins(p: CpuProfile, top = 8): { where: string; selfMs: number; share: number }[] {
  const all = hotFunctions(p, Number.MAX_SAFE_INTEGER);
  const agg = new Map<string, number>();
  for (const f of all) agg.set(f.where, (agg.get(f.where) ?? 0) + f.selfMs);
  const total = [...agg.values()].reduce((a, b) => a + b, 0);
  return [...agg.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, selfMs]) => ({ where, selfMs, share: total > 0 ? selfMs / total : 0 }));
}

/** Runs `f` under the sampling profiler of `page` (100 µs interval). */
export async function profiled<T>(page: Page, f: () => Promise<T>): Promise<{ value: T; profile: CpuProfile }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
  await cdp.send('Profiler.start');
  const stop = async (): Promise<CpuProfile> => {
    const r = (await cdp.send('Profiler.stop')) as { profile: CpuProfile };
    await cdp.detach();
    return r.profile;
  };
  let value: T;
  try {
    value = await f();
  } catch (e) {
    // stop even on failure, so the page is not left profiling
    await stop();
    throw e;
  }
  return { value, profile: await stop() };
}

export function saveProfile(dir: string, name: string, p: CpuProfile): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(p));
  return file;
}

export function formatHot(title: string, p: CpuProfile): string {
  const lines = [
    `${title}: self time by package/file: ${hotOrigins(p)
      .map((o) => `${o.where} ${o.selfMs.toFixed(1)} ms (${(o.share * 100).toFixed(0)}%)`)
      .join(', ')}`,
  ];
  const gap = unsampledMs(p);
  if (gap >= 1)
    lines.push(`    (${gap.toFixed(1)} ms not sampled: the renderer was descheduled, machine load; left out)`);
  for (const f of hotFunctions(p, 12)) {
    lines.push(
      `    ${f.selfMs.toFixed(1).padStart(8)} ms ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.name} (${f.where})`,
    );
  }
  return lines.join('\n');
}

/** Functions whose inclusive time explains an open: Yjs decode/apply/encode, decryption, the editor. */
export const OPEN_FUNCTIONS = [
  'applyUpdate',
  'applyUpdateV2',
  'decodeUpdateV2',
  'writeUpdateMessageFromTransaction',
  'decrypt',
  'openUpdateRecord',
  'Editor',
  '_forceRerender',
] as const;

/** Inclusive time (ms) of each named function (recursion counted once), and the busy (non-idle) total. */
export function inclusive(p: CpuProfile, names: readonly string[]): { busyMs: number; ms: Record<string, number> } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const wanted = new Set(names);
  const us = new Map<string, number>(names.map((n) => [n, 0]));
  let busy = 0;
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const dt = sampleUs(deltas, i);
    const leaf = byId.get(samples[i]!)?.callFrame.functionName;
    if (leaf === '(idle)' || leaf === '(program)') continue;
    busy += dt;
    const seen = new Set<string>();
    for (let cur: number | undefined = samples[i]; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur)?.callFrame.functionName ?? '';
      if (wanted.has(name) && !seen.has(name)) {
        seen.add(name);
        us.set(name, (us.get(name) ?? 0) + dt);
      }
    }
  }
  return { busyMs: busy / 1000, ms: Object.fromEntries([...us].map(([k, v]) => [k, v / 1000])) };
}

export function formatInclusive(p: CpuProfile, names: readonly string[]): string {
  const r = inclusive(p, names);
  const parts = Object.entries(r.ms)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${v.toFixed(1)}`);
  return `    busy ${r.busyMs.toFixed(1)} ms; inclusive ms: ${parts.join(', ')}`;
}
