/** The retention timer: a sweep at start, one per interval, no overlap, failures logged, stop() ends it. */
import { err, ok, type Result } from '@dure/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Fields, Level } from '../src/log';
import { startRetentionSweep } from '../src/retention';

const HOUR = 3_600_000;

function recorder() {
  const lines: { level: Level; msg: string; fields?: Fields }[] = [];
  return {
    lines,
    logger: { log: (level: Level, msg: string, fields?: Fields) => void lines.push({ level, msg, fields }) },
  };
}

beforeEach(() => void vi.useFakeTimers());
afterEach(() => void vi.useRealTimers());

describe('startRetentionSweep', () => {
  it('sweeps at start and then every interval with the configured days, until stopped', async () => {
    const calls: number[] = [];
    const store = { sweepExpired: async (days: number) => (calls.push(days), ok(2)) };
    const { lines, logger } = recorder();
    const s = startRetentionSweep(store, 30, logger, HOUR);
    await s.first;
    expect(calls).toEqual([30]);
    expect(lines).toEqual([{ level: 'info', msg: 'retention sweep', fields: { days: 30, deleted: 2 } }]);
    await vi.advanceTimersByTimeAsync(HOUR - 1);
    expect(calls).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(calls).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(2 * HOUR);
    expect(calls).toHaveLength(4);
    s.stop();
    await vi.advanceTimersByTimeAsync(5 * HOUR);
    expect(calls).toHaveLength(4);
  });

  it('logs a failed sweep (value or exception) and keeps going; a slow sweep is not run twice at once', async () => {
    let n = 0;
    let release: (() => void) | undefined;
    const store = {
      sweepExpired: async (): Promise<Result<number, 'storage-unavailable'>> => {
        n++;
        if (n === 1) return err('storage-unavailable');
        if (n === 2) throw new TypeError('store closed');
        await new Promise<void>((r) => (release = r));
        return ok(0);
      },
    };
    const { lines, logger } = recorder();
    const s = startRetentionSweep(store, 7, logger, HOUR);
    await s.first;
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(lines.map((l) => [l.level, l.fields?.error])).toEqual([
      ['warn', 'storage-unavailable'],
      ['warn', 'TypeError'],
    ]);
    await vi.advanceTimersByTimeAsync(HOUR); // third sweep starts and hangs
    await vi.advanceTimersByTimeAsync(3 * HOUR); // ticks while it runs are skipped
    expect(n).toBe(3);
    release?.();
    await vi.advanceTimersByTimeAsync(HOUR);
    expect(n).toBe(4);
    s.stop();
  });
});
