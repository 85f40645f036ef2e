import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseStat } from './relay/proc';
import {
  joinDeliveries,
  latencySummary,
  linearFit,
  memorySplit,
  type Keystroke,
  type ReceiverLog,
} from './relay/stats';

describe('joinDeliveries', () => {
  const keys: Keystroke[] = [
    { client: 7, clock: 0, t: 1000 },
    { client: 7, clock: 1, t: 1200 },
    { client: 9, clock: 5, t: 1100 },
  ];

  it('a keystroke is visible from the first state advance past its clock', () => {
    const r: ReceiverLog = {
      id: 'a',
      ownClient: 1,
      advances: [
        [7, 1, 1003],
        [9, 6, 1110],
        [7, 2, 1205],
      ],
    };
    const d = joinDeliveries(keys, [r]);
    expect(d.expected).toBe(3);
    expect(d.missing).toBe(0);
    expect(d.latencies.sort((a, b) => a - b)).toEqual([3, 5, 10]);
  });

  it('one advance can deliver several keystrokes at once (batching)', () => {
    const r: ReceiverLog = { id: 'a', ownClient: 1, advances: [[7, 2, 1250]] };
    const d = joinDeliveries(
      keys.filter((k) => k.client === 7),
      [r],
    );
    expect(d.latencies).toEqual([250, 50]);
  });

  it('a writer does not receive its own keystrokes; what never arrived is missing, not a latency', () => {
    const writer: ReceiverLog = { id: 'w', ownClient: 7, advances: [[9, 6, 1120]] };
    const late: ReceiverLog = { id: 'b', ownClient: 2, advances: [[7, 1, 1010]] };
    const d = joinDeliveries(keys, [writer, late]);
    // writer 7 expects only client 9's keystroke; receiver b expects all three and got one
    expect(d.expected).toBe(4);
    expect(d.missing).toBe(2);
    expect(d.latencies.sort((a, b) => a - b)).toEqual([10, 20]);
  });

  it('an advance that does not reach past the clock does not count', () => {
    const r: ReceiverLog = { id: 'a', ownClient: 1, advances: [[9, 5, 1105]] };
    const d = joinDeliveries(
      keys.filter((k) => k.client === 9),
      [r],
    );
    expect(d.missing).toBe(1);
    expect(d.latencies).toEqual([]);
  });
});

describe('latencySummary', () => {
  it('nearest-rank percentiles of measured values', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(latencySummary(xs)).toEqual({ n: 100, p50: 50, p95: 95, p99: 99, max: 100 });
  });
  it('refuses an empty sample (no deliveries is an error, not a 0 ms latency)', () => {
    expect(() => latencySummary([])).toThrow();
  });
});

describe('memorySplit', () => {
  it('separates per-connection from per-document memory', () => {
    // 100 documents: 3 units each for the document, 2 per connection
    const base = 1000;
    const one = base + 100 * (3 + 2);
    const two = one + 100 * 2;
    expect(memorySplit(base, one, two, 100)).toEqual({ perDocument: 3, perConnection: 2, perTwoClientDocument: 7 });
  });
  it('refuses zero documents', () => {
    expect(() => memorySplit(1, 2, 3, 0)).toThrow();
  });
});

describe('linearFit', () => {
  it('recovers a fixed cost and a cost per receiver', () => {
    // 1400 µs per keystroke plus 8 µs per receiver
    const pts = [9, 49, 199].map((r) => [r, 1400 + 8 * r] as const);
    const f = linearFit(pts);
    expect(f.intercept).toBeCloseTo(1400, 9);
    expect(f.slope).toBeCloseTo(8, 9);
  });
  it('least squares through noisy points', () => {
    expect(
      linearFit([
        [0, 1],
        [1, 3],
        [2, 2],
      ]),
    ).toEqual({ intercept: 1.5, slope: 0.5 });
  });
  it('refuses fewer than two distinct x', () => {
    expect(() => linearFit([[1, 1]])).toThrow();
    expect(() =>
      linearFit([
        [1, 1],
        [1, 2],
      ]),
    ).toThrow();
  });
});

describe('parseStat (/proc/<pid>/stat)', () => {
  it('reads utime and stime after a command name with spaces and parentheses', () => {
    const stat = '4242 (node (gen) x) S 1 4242 4242 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 11 0 9 0 0';
    expect(parseStat(stat)).toEqual({ utime: 1234, stime: 567 });
  });
  it('refuses what is not a stat line', () => {
    expect(() => parseStat('garbage')).toThrow();
    expect(() => parseStat('1 (x) S 1 2')).toThrow();
  });
  it('this process has used some CPU', () => {
    const own = parseStat(readFileSync('/proc/self/stat', 'utf8'));
    expect(own.utime + own.stime).toBeGreaterThan(0);
  });
});
