/**
 * Issue #5's capacity figure: the highest typing rate one document with 10 clients sustains at p99 ≤ 100 ms.
 * A step search: the fan-out workload (fresh server each step) with every writer typing faster, doubling the
 * rate until the delivery p99 passes the bound or deliveries go missing; the last step within it is the
 * sustained rate. A step that fails is tried a second time (the machine is shared: see rateSearch). The same
 * steps for every server.
 */
import { fanout, type Setup } from './workloads';

export const RATE_P99_BOUND_MS = 100;
/** per-writer intervals: with 10 writers, 50 → 3,333 keystrokes/s in total */
export const RATE_INTERVALS_MS = [200, 100, 50, 25, 12, 6, 3] as const;

export interface RateStep {
  readonly intervalMs: number;
  /** keystrokes typed per second, all writers together */
  readonly keystrokesPerS: number;
  readonly p50: number;
  readonly p99: number;
  readonly missing: number;
  readonly serverCpuShare: number;
  /** busiest generator's share of a core, and its event-loop delay p99 */
  readonly generatorUtilization: number;
  readonly generatorLoopDelayP99Ms: number;
}

export interface RateRun {
  readonly clients: number;
  readonly steps: RateStep[];
  /** keystrokes/s of the fastest step within the bound (0 when even the first was not) */
  readonly sustained: number;
}

/** the search never found this run's limit: its fastest step was still within the bound */
export const hitCeiling = (r: RateRun): boolean =>
  r.steps.length === RATE_INTERVALS_MS.length && r.sustained === r.steps[r.steps.length - 1]!.keystrokesPerS;

export async function rateSearch(s: Setup, p: { clients: number; writers: number; seconds: number }): Promise<RateRun> {
  const steps: RateStep[] = [];
  let sustained = 0;
  for (const intervalMs of RATE_INTERVALS_MS) {
    const keystrokesPerS = (p.writers * 1000) / intervalMs;
    const attempt = (): ReturnType<typeof fanout> =>
      fanout(s, {
        clients: p.clients,
        writers: p.writers,
        intervalMs,
        keystrokesPerWriter: Math.round((p.seconds * 1000) / intervalMs),
        warmupKeystrokes: 5,
      });
    // On a machine shared with other work one stall of another process's making decides a p99 of a few
    // thousand deliveries; a step that fails is tried once more, the same for every server.
    let r = await attempt();
    if (r.latency.p99 > RATE_P99_BOUND_MS || r.missing > 0) r = await attempt();
    const wall = Math.max(...r.generators.map((g) => g.wallMs));
    const step: RateStep = {
      intervalMs,
      keystrokesPerS,
      p50: r.latency.p50,
      p99: r.latency.p99,
      missing: r.missing,
      serverCpuShare: r.serverCpuMs / wall,
      generatorUtilization: Math.max(...r.generators.map((g) => g.utilization)),
      generatorLoopDelayP99Ms: Math.max(...r.generators.map((g) => g.loopDelayP99Ms)),
    };
    steps.push(step);
    s.log(
      `  rate ${keystrokesPerS.toFixed(0)} keystrokes/s: p50 ${step.p50.toFixed(1)} p99 ${step.p99.toFixed(1)} ms, ` +
        `missing ${step.missing}, server ${(step.serverCpuShare * 100).toFixed(0)} % of a core, generator ` +
        `${(step.generatorUtilization * 100).toFixed(0)} % (loop p99 ${step.generatorLoopDelayP99Ms.toFixed(0)} ms)`,
    );
    if (step.p99 > RATE_P99_BOUND_MS || step.missing > 0) break;
    sustained = keystrokesPerS;
  }
  return { clients: p.clients, steps, sustained };
}
