import { describe, expect, it } from 'vitest';
import { median, percentile, ratio, summarize } from './stats';

describe('percentile (nearest rank)', () => {
  const xs = [15, 20, 35, 40, 50];
  it('reports a measured value', () => {
    expect(percentile(xs, 5)).toBe(15);
    expect(percentile(xs, 30)).toBe(20);
    expect(percentile(xs, 40)).toBe(20);
    expect(percentile(xs, 50)).toBe(35);
    expect(percentile(xs, 100)).toBe(50);
  });
  it('does not depend on input order', () => {
    expect(percentile([50, 15, 40, 35, 20], 95)).toBe(50);
    expect(percentile([3, 1, 2], 50)).toBe(2);
  });
  it('p95 of 1..200 is 190', () => {
    const v = Array.from({ length: 200 }, (_, i) => 200 - i);
    expect(percentile(v, 95)).toBe(190);
    expect(percentile(v, 50)).toBe(100);
  });
  it('refuses an empty sample and a p outside 0..100', () => {
    expect(() => percentile([], 50)).toThrow();
    expect(() => percentile([1], 101)).toThrow();
    expect(() => percentile([1], Number.NaN)).toThrow();
  });
});

describe('median and summary', () => {
  it('odd and even counts', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
  it('summarizes median and range', () => {
    expect(summarize([5, 1, 9, 3, 7])).toEqual({ median: 5, min: 1, max: 9, n: 5 });
  });
  it('ratio is Dure over baseline and undefined against 0', () => {
    expect(ratio(1, 4)).toBe(0.25);
    expect(ratio(1, 0)).toBeUndefined();
  });
});
