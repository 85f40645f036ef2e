/**
 * The relay benchmark's arithmetic, kept free of I/O so it can be unit-tested: joining keystroke times
 * recorded by writers with the times receivers saw them (different processes, one clock:
 * performance.timeOrigin + performance.now()), and splitting server memory into per-document and
 * per-connection parts.
 */
import { percentile } from '../stats';

/** One keystroke: the writer's Yjs client id, the clock its one-character insert took, and when it was typed. */
export interface Keystroke {
  readonly client: number;
  readonly clock: number;
  /** ms on the shared clock */
  readonly t: number;
}

/**
 * What one receiver saw: every time its Y.Doc's state vector advanced for some other client,
 * `[client, stateAfter, t]`. A keystroke (client, clock) is visible from the first advance past clock.
 */
export interface ReceiverLog {
  readonly id: string;
  /** the receiver's own Yjs client id (its own keystrokes are not deliveries to itself) */
  readonly ownClient: number;
  readonly advances: readonly (readonly [client: number, state: number, t: number])[];
}

export interface Deliveries {
  /** ms from keystroke to visible, one per (keystroke, other receiver) that arrived */
  readonly latencies: number[];
  readonly expected: number;
  readonly missing: number;
}

/**
 * Every keystroke's delivery to every other receiver. A delivery that never became visible counts as
 * missing (the caller reports it; a latency is never invented for it).
 */
export function joinDeliveries(keystrokes: readonly Keystroke[], receivers: readonly ReceiverLog[]): Deliveries {
  const latencies: number[] = [];
  let expected = 0;
  let missing = 0;
  const byClient = new Map<number, Keystroke[]>();
  for (const k of keystrokes) {
    let list = byClient.get(k.client);
    if (!list) byClient.set(k.client, (list = []));
    list.push(k);
  }
  for (const list of byClient.values()) list.sort((a, b) => a.clock - b.clock);
  for (const r of receivers) {
    const adv = new Map<number, [number, number][]>();
    for (const [client, state, t] of r.advances) {
      let list = adv.get(client);
      if (!list) adv.set(client, (list = []));
      list.push([state, t]);
    }
    for (const [client, ks] of byClient) {
      if (client === r.ownClient) continue;
      // States only grow, but sort anyway: the log may come from several listeners.
      const a = (adv.get(client) ?? []).sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      let i = 0;
      for (const k of ks) {
        expected++;
        while (i < a.length && a[i]![0] <= k.clock) i++;
        const hit = a[i];
        if (hit) latencies.push(hit[1] - k.t);
        else missing++;
      }
    }
  }
  return { latencies, expected, missing };
}

export interface LatencySummary {
  readonly n: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function latencySummary(latencies: readonly number[]): LatencySummary {
  return {
    n: latencies.length,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    max: percentile(latencies, 100),
  };
}

/**
 * Memory per document and per connection from three resident-set readings: the idle server, with D
 * documents open by one connection each, and with a second connection on each of them. The second
 * connection adds only connection state (the document is already open), so
 * perConnection = (two - one) / D and perDocument = (one - base) / D - perConnection.
 */
export function memorySplit(
  base: number,
  oneEach: number,
  twoEach: number,
  documents: number,
): { perDocument: number; perConnection: number; perTwoClientDocument: number } {
  if (!(documents > 0)) throw new Error('documents must be positive');
  const perConnection = (twoEach - oneEach) / documents;
  const perDocument = (oneEach - base) / documents - perConnection;
  return { perDocument, perConnection, perTwoClientDocument: (twoEach - base) / documents };
}

/** The median of readings taken while a process is otherwise idle (one GC more or less moves one reading). */
export function steadyValue(readings: readonly number[]): number {
  return percentile(readings, 50);
}

/**
 * Least-squares line y = intercept + slope·x. Used to split the server's CPU per keystroke into a fixed
 * part (ingest: decode, durable commit, ack) and a part per receiver (fan-out), from runs at several
 * client counts.
 */
export function linearFit(points: readonly (readonly [x: number, y: number])[]): { intercept: number; slope: number } {
  if (points.length < 2) throw new Error('a line needs two points');
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  if (sxx === 0) throw new Error('a line needs two different x');
  const slope = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / sxx;
  return { intercept: my - slope * mx, slope };
}
