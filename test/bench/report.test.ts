import { describe, expect, it } from 'vitest';
import { GENERATED_MARK, keepNotes, parseArgs, stamp } from './driver';

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
