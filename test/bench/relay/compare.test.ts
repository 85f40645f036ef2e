import { describe, expect, it } from 'vitest';
import { comparisonTable } from './compare';
import type { SeriesResults } from './driver';
import type { IdleRun, JoinRun } from './workloads';
import { type RateRun, type RateStep } from './rate';

function series(
  target: string,
  kind: string,
  o: { perTwo?: number; joinMs?: number; sustained?: number },
): SeriesResults {
  const idle = o.perTwo === undefined ? [] : [{ perTwoClientDocument: o.perTwo } as IdleRun];
  const join =
    o.joinMs === undefined
      ? []
      : [
          {
            samples: [{ totalMs: o.joinMs, connectMs: 1, serverMs: 1, clientMs: 1 }],
            serverCpuPerJoinMs: 1,
          } as JoinRun,
        ];
  const rate: RateRun[] = o.sustained === undefined ? [] : [{ clients: 10, steps: [], sustained: o.sustained }];
  return { target, kind, durability: '', verify: 'process', fanout: [], idle, join, rate };
}

const row = (lines: readonly string[], start: string): string => {
  const l = lines.find((x) => x.startsWith(`| ${start}`));
  if (!l) throw new Error(`no row ${start}`);
  return l;
};

describe('comparisonTable', () => {
  it('divides by the better stock server and marks the memory goal (≤ 1/5)', () => {
    const t = comparisonTable([
      series('dure', 'dure-frames', { perTwo: 10 * 1024 }),
      series('ywebsocket', 'y-websocket', { perTwo: 80 * 1024 }),
      series('hocuspocus', 'hocuspocus', { perTwo: 100 * 1024 }),
    ]);
    // 5 KiB per connection against 40: 0.125×, within 1/5
    expect(row(t, 'idle memory per connection, all in')).toContain('| 0.13× | ≤ 1/5: **met** |');
    const worse = comparisonTable([
      series('dure', 'dure-frames', { perTwo: 20 * 1024 }),
      series('ywebsocket', 'y-websocket', { perTwo: 80 * 1024 }),
      series('hocuspocus', 'hocuspocus', { perTwo: 60 * 1024 }),
    ]);
    expect(row(worse, 'idle memory per connection, all in')).toContain('| 0.33× | ≤ 1/5: **not met** |');
  });

  it('takes the higher stock rate as the best and needs ≥ 3× of it', () => {
    const t = comparisonTable([
      series('dure', 'dure-frames', { sustained: 400 }),
      series('ywebsocket', 'y-websocket', { sustained: 100 }),
      series('hocuspocus', 'hocuspocus', { sustained: 200 }),
    ]);
    expect(row(t, 'highest typing rate')).toContain('| 2.00× | ≥ 3×: **not met** |');
  });

  it('marks the join goal on the engine and says when a figure is missing', () => {
    const t = comparisonTable([
      series('dure', 'dure-frames', { joinMs: 50 }),
      series('dure', 'dure-engine', { joinMs: 90 }),
      series('ywebsocket', 'y-websocket', { joinMs: 80 }),
      series('hocuspocus', 'hocuspocus', {}),
    ]);
    expect(row(t, 'join automerge-paper, total (ms): Dure’s real engine')).toContain(
      '| 90.0 | 80.0 | – | 1.13× | ≤ 1.0×: **not met** |',
    );
    expect(row(t, 'join automerge-paper, total (ms): Dure frame-level')).toContain('| 0.63× | ≤ 1.0×: **met** |');
    expect(row(t, 'idle memory per connection, all in')).toContain('≤ 1/5: not measured');
  });

  it('says when a server had no failing step (a lower bound)', () => {
    const steps = [50, 100, 200].map((keystrokesPerS) => ({ keystrokesPerS, ok: true }) as RateStep);
    const top = steps[steps.length - 1]!.keystrokesPerS;
    const t = comparisonTable([
      series('dure', 'dure-frames', { sustained: 100 }),
      { ...series('hocuspocus', 'hocuspocus', {}), rate: [{ clients: 10, steps, sustained: top }] },
    ]);
    expect(t.join('\n')).toContain('hocuspocus @ hocuspocus had no failing step');
    const below = comparisonTable([
      series('dure', 'dure-frames', { sustained: 100 }),
      {
        ...series('hocuspocus', 'hocuspocus', {}),
        rate: [{ clients: 10, steps: [...steps, { keystrokesPerS: 400, ok: false } as RateStep], sustained: 200 }],
      },
    ]);
    expect(below.join('\n')).not.toContain('no failing step');
  });

  it('says when a figure was limited by a saturated generator', () => {
    const run = (generatorLimited: boolean): RateRun => ({ clients: 10, steps: [], sustained: 800, generatorLimited });
    const t = comparisonTable([
      { ...series('dure', 'dure-frames', {}), rate: [run(true)] },
      { ...series('hocuspocus', 'hocuspocus', {}), rate: [run(false)] },
    ]);
    expect(t.join('\n')).toContain('for dure-frames @ dure the first failing step of at least one run had a saturated');
    expect(t.join('\n')).not.toContain('hocuspocus @ hocuspocus the first failing');
  });

  it('is empty without a stock server in the run', () => {
    expect(comparisonTable([series('dure', 'dure-frames', { perTwo: 1 })])).toEqual([]);
  });
});
