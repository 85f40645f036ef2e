import { describe, expect, it } from 'vitest';
import { GENERATED_MARK, keepNotes, parseArgs, PhaseClock, stamp } from './driver';

describe('client benchmark options', () => {
  it('every figure rests on at least 5 repetitions, --quick included', () => {
    expect(parseArgs([]).reps).toBeGreaterThanOrEqual(5);
    expect(parseArgs(['--quick']).reps).toBeGreaterThanOrEqual(5);
  });
  it('the full run measures both traces, 1,000 remote updates back to back and 50 sessions', () => {
    const o = parseArgs([]);
    expect(o.fixtures).toEqual(['automerge-paper', 'seph-blog1']);
    expect(o.burst).toBe(1000);
    expect(o.cycles).toBe(50);
  });
  it('the 1,000 updates back to back run on automerge-paper only (the goal rows name it; they cost the most)', () => {
    expect(parseArgs([]).burstFixtures).toEqual(['automerge-paper']);
    expect(parseArgs(['--fixture=seph-blog1']).burstFixtures).toEqual(['seph-blog1']);
    expect(parseArgs(['--quick']).burstFixtures).toEqual(['automerge-paper']);
  });
  it('the p50 and p95 of keystrokes and remote updates rest on ≥ 100 samples per repetition', () => {
    const o = parseArgs([]);
    expect(o.keystrokes).toBeGreaterThanOrEqual(100);
    expect(o.remote).toBeGreaterThanOrEqual(100);
  });
  it('--quick keeps at least 5 sessions (the open after sessions is over the last 5)', () => {
    expect(parseArgs(['--quick']).cycles).toBeGreaterThanOrEqual(5);
  });
  it('refuses a count that is not a number', () => {
    expect(() => parseArgs(['--reps=x'])).toThrow(/--reps/);
    expect(() => parseArgs(['--reps=0'])).toThrow(/--reps/);
    expect(parseArgs(['--opens=0']).opens).toBe(0);
  });
});

describe('results files', () => {
  it('a phase clock sums wall seconds per place and phase', async () => {
    const c = new PhaseClock();
    await c.time('a dure', 'open', () => Promise.resolve(1));
    c.add('a dure', 'burst', 2.25);
    c.add('a dure', 'burst', 1);
    expect(c.seconds['a dure']!.burst).toBe(3.3);
    expect(c.seconds['a dure']!.open).toBeGreaterThanOrEqual(0);
    await expect(c.time('run', 'build', () => Promise.reject(new Error('x')))).rejects.toThrow('x');
    expect(c.seconds.run!.build).toBeGreaterThanOrEqual(0);
  });
  it('a run file name sorts by time and has no colon', () => {
    expect(stamp('2026-11-23T16:50:12.345Z')).toBe('2026-11-23T165012Z');
  });
  it('a new profile keeps the notes written above the mark and replaces the tables below it', () => {
    const first = keepNotes('', 'tables 1');
    expect(first).toBe(`${GENERATED_MARK}\n\ntables 1`);
    const edited = `# Notes\n\nwhere the time goes\n\n${first}`;
    const second = keepNotes(edited, 'tables 2');
    expect(second).toContain('where the time goes');
    expect(second).toContain('tables 2');
    expect(second).not.toContain('tables 1');
  });
});
