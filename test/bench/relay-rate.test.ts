import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { DEFAULT_BATCH_MS } from '@dure/shared/sync/session';
import { UpdateBatcher } from './relay/dure-frames';
import {
  hitCeiling,
  nextRate,
  RATE_MAX_PER_S,
  RATE_MIN_PER_S,
  RATE_START_PER_S,
  saturated,
  stepShape,
  sustainedOf,
  type RateRun,
  type RateStep,
  type Verdict,
} from './relay/rate';
import { joinDeliveries, type Keystroke, type ReceiverLog } from './relay/stats';

describe('the rate search’s steps', () => {
  it('keeps the total rate exact: one keystroke per tick down to 1 ms, then several per tick', () => {
    expect(stepShape(50, 10)).toEqual({ intervalMs: 200, perTick: 1 });
    expect(stepShape(10_000, 10)).toEqual({ intervalMs: 1, perTick: 1 });
    expect(stepShape(12_800, 10)).toEqual({ intervalMs: 1.5625, perTick: 2 });
    for (const rate of [50, 3_200, 12_800, 51_200, RATE_MAX_PER_S, 1_400]) {
      const { intervalMs, perTick } = stepShape(rate, 10);
      expect(intervalMs).toBeGreaterThanOrEqual(1);
      expect((10 * perTick * 1000) / intervalMs).toBeCloseTo(rate, 6);
    }
    expect(() => stepShape(0, 10)).toThrow();
  });

  /** runs the planner against a server that holds up to `limit` keystrokes/s */
  const search = (limit: number): Verdict[] => {
    const tried: Verdict[] = [];
    for (let r = nextRate(tried), i = 0; r !== undefined && i < 100; r = nextRate(tried), i++) {
      tried.push({ keystrokesPerS: r, ok: r <= limit });
    }
    return tried;
  };

  it('doubles from the first rate until a step fails, then bisects twice', () => {
    const tried = search(1_500);
    expect(tried.map((v) => v.keystrokesPerS)).toEqual([200, 400, 800, 1_600, 1_200, 1_400]);
    expect(tried.map((v) => v.ok)).toEqual([true, true, true, false, true, true]);
    expect(sustainedOf(tried)).toBe(1_400);
    // the second bisection goes down when the first one failed
    expect(search(900).map((v) => v.keystrokesPerS)).toEqual([200, 400, 800, 1_600, 1_200, 1_000]);
    expect(sustainedOf(search(900))).toBe(800);
  });

  it('halves while even the first rate fails, then bisects upwards', () => {
    const tried = search(120);
    expect(tried.map((v) => v.keystrokesPerS)).toEqual([200, 100, 150, 125]);
    expect(sustainedOf(tried)).toBe(100);
  });

  it('stops at its ceiling when nothing fails, and at its floor when everything fails', () => {
    const all = search(Infinity);
    expect(all[0]!.keystrokesPerS).toBe(RATE_START_PER_S);
    expect(all.at(-1)!.keystrokesPerS).toBe(RATE_MAX_PER_S);
    expect(all).toHaveLength(11);
    expect(sustainedOf(all)).toBe(RATE_MAX_PER_S);
    const none = search(10);
    expect(none.map((v) => v.keystrokesPerS)).toEqual([200, 100, RATE_MIN_PER_S]);
    expect(none.every((v) => !v.ok)).toBe(true);
    expect(sustainedOf(none)).toBe(0);
  });

  it('a good step above a bad one does not count (a retry that passed by luck is not the figure)', () => {
    const tried: Verdict[] = [
      { keystrokesPerS: 400, ok: true },
      { keystrokesPerS: 800, ok: false },
      { keystrokesPerS: 600, ok: false },
      { keystrokesPerS: 700, ok: true },
    ];
    expect(sustainedOf(tried)).toBe(400);
    expect(nextRate(tried)).toBeUndefined();
  });

  it('hitCeiling: no step failed, so the figure is a lower bound', () => {
    const step = (keystrokesPerS: number, ok: boolean): RateStep => ({ keystrokesPerS, ok }) as RateStep;
    const run = (steps: RateStep[]): RateRun => ({ clients: 10, steps, sustained: 0 });
    expect(hitCeiling(run([step(50, true), step(100, true)]))).toBe(true);
    expect(hitCeiling(run([step(50, true), step(100, false)]))).toBe(false);
    expect(hitCeiling(run([]))).toBe(false);
    // results written before steps carried `ok` are judged by their p99 and missing deliveries
    const old = { keystrokesPerS: 50, p99: 120, missing: 0 } as RateStep;
    expect(hitCeiling(run([old]))).toBe(false);
  });

  it('a generator above 85 % of a core or 50 ms of loop delay at p99 is saturated', () => {
    expect(saturated({ utilization: 0.5, loopDelayP99Ms: 20 })).toBe(false);
    expect(saturated({ utilization: 0.9, loopDelayP99Ms: 20 })).toBe(true);
    expect(saturated({ utilization: 0.3, loopDelayP99Ms: 387 })).toBe(true);
  });
});

describe('dure-frames batching (the engine’s window)', () => {
  let t = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    t = 1_000;
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** a writer typing k characters into its own paragraph, each keystroke logged as the generator does */
  function type(doc: Y.Doc, k: number, gapMs: number): Keystroke[] {
    const text = doc.getText('t');
    const out: Keystroke[] = [];
    for (let i = 0; i < k; i++) {
      out.push({ client: doc.clientID, clock: Y.getState(doc.store, doc.clientID), t });
      text.insert(text.length, '가');
      t += gapMs;
      vi.advanceTimersByTime(gapMs);
    }
    return out;
  }

  /** a receiver logging its state advances as generator.ts does */
  function receiver(id: string): { doc: Y.Doc; log: ReceiverLog } {
    const doc = new Y.Doc();
    const advances: [number, number, number][] = [];
    doc.on('afterTransaction', (tr: Y.Transaction) => {
      for (const [c, after] of tr.afterState) {
        if (c !== doc.clientID && after > (tr.beforeState.get(c) ?? 0)) advances.push([c, after, t]);
      }
    });
    return { doc, log: { id, ownClient: doc.clientID, advances } };
  }

  it('uses the engine’s window by default', () => {
    expect(DEFAULT_BATCH_MS).toBe(40);
  });

  it('one envelope carries the keystrokes of one window; each is still delivered, with its own latency', () => {
    const writer = new Y.Doc();
    const sealed: Uint8Array[] = [];
    const batcher = new UpdateBatcher(DEFAULT_BATCH_MS, (u) => sealed.push(u), Date.now);
    writer.on('updateV2', (u: Uint8Array) => batcher.add(u));
    // 4 keystrokes 10 ms apart: the first goes at once (leading edge), the other three wait for the window
    // that opened with that seal and closes 40 ms later
    const keys = type(writer, 4, 10);
    expect(sealed).toHaveLength(2);
    const a = receiver('a');
    const b = receiver('b');
    t += 5; // on the wire (both envelopes arrive together here, so the latencies are the window's)
    for (const u of sealed) {
      Y.applyUpdateV2(a.doc, u);
      Y.applyUpdateV2(b.doc, u);
    }
    expect(a.doc.getText('t').toString()).toBe('가가가가');
    const d = joinDeliveries(keys, [a.log, b.log]);
    expect(d.expected).toBe(8);
    expect(d.missing).toBe(0);
    // typed at 1000, 1010, 1020, 1030; seen at 1045: the wait for the window counts, as for a user
    expect(d.latencies.sort((x, y) => x - y)).toEqual([15, 15, 25, 25, 35, 35, 45, 45]);
    batcher.close();
  });

  it('a steady typist gets one envelope per window after the first, and window 0 seals every keystroke', () => {
    const writer = new Y.Doc();
    const sealed: Uint8Array[] = [];
    const batcher = new UpdateBatcher(40, (u) => sealed.push(u), Date.now);
    writer.on('updateV2', (u: Uint8Array) => batcher.add(u));
    type(writer, 20, 10); // 200 ms of typing
    batcher.flush();
    // the first keystroke alone, then one envelope per 40 ms window (at 40, 80, 120, 160, 200)
    expect(sealed).toHaveLength(6);
    const one = new Y.Doc();
    const each: Uint8Array[] = [];
    const unbatched = new UpdateBatcher(0, (u) => each.push(u));
    one.on('updateV2', (u: Uint8Array) => unbatched.add(u));
    type(one, 3, 10);
    expect(each).toHaveLength(3);
    const r = receiver('r');
    for (const u of [...sealed, ...each]) Y.applyUpdateV2(r.doc, u);
    expect(r.doc.getText('t').toString()).toBe('가'.repeat(23));
  });

  it('flush seals what is gathered at once, and nothing is sealed twice', () => {
    const writer = new Y.Doc();
    const sealed: Uint8Array[] = [];
    const batcher = new UpdateBatcher(40, (u) => sealed.push(u));
    writer.on('updateV2', (u: Uint8Array) => batcher.add(u));
    writer.getText('t').insert(0, 'ab');
    batcher.flush();
    vi.advanceTimersByTime(100);
    expect(sealed).toHaveLength(1);
    expect(() => new UpdateBatcher(-1, () => {})).toThrow();
  });
});
