/** The session's small parts: reconnect backoff and the gap buffer. */
import { describe, expect, it } from 'vitest';
import { BACKOFF_MAX_MS, backoffDelay } from '../../src/sync/backoff';
import { GapBuffer } from '../../src/sync/gap-buffer';

describe('backoffDelay', () => {
  it('is full jitter under a cap that doubles from 500 ms to 30 s', () => {
    expect(backoffDelay(0, () => 0)).toBe(0);
    expect(backoffDelay(0, () => 0.999)).toBe(499);
    expect(backoffDelay(3, () => 0.999)).toBe(3996);
    expect(backoffDelay(10, () => 0.999)).toBe(Math.floor(0.999 * BACKOFF_MAX_MS));
    expect(backoffDelay(10_000, () => 0.5)).toBe(BACKOFF_MAX_MS / 2);
  });
});

describe('GapBuffer', () => {
  it('holds updates by (device, seq), hands them out once, forgets covered ones', () => {
    const g = new GapBuffer(3);
    const u = (n: number): Uint8Array => Uint8Array.of(n);
    expect(g.add('a', 3, u(3))).toBe(true);
    expect(g.add('a', 5, u(5))).toBe(true);
    expect(g.add('b', 2, u(2))).toBe(true);
    expect(g.add('b', 9, u(9))).toBe(false); // full
    expect(g.size).toBe(3);
    expect(g.take('a', 3)).toEqual(u(3));
    expect(g.take('a', 3)).toBeUndefined();
    g.dropThrough('a', 5);
    expect(g.devices()).toEqual(['b']);
    expect(g.size).toBe(1);
  });
});
