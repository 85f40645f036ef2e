import { describe, expect, it } from 'vitest';
import { hotFunctions, hotOrigins, inclusive, MAX_SAMPLE_US, origin, unsampledMs, type CpuProfile } from './profile';

const frame = (functionName: string, url = '') => ({ functionName, url, lineNumber: 0 });

/** root -> a -> b (recursive b -> b); root -> idle. Samples: b, b(inner), a, idle; 1 ms each. */
const profile: CpuProfile = {
  startTime: 0,
  endTime: 4000,
  nodes: [
    { id: 1, callFrame: frame('(root)'), children: [2, 5] },
    { id: 2, callFrame: frame('a', 'http://127.0.0.1/assets/pkg-yjs-AbCd1234.js'), children: [3] },
    { id: 3, callFrame: frame('b', 'http://127.0.0.1/assets/pkg-@tiptap__core-Xy_z-123.js'), children: [4] },
    { id: 4, callFrame: frame('b', 'http://127.0.0.1/assets/pkg-@tiptap__core-Xy_z-123.js') },
    { id: 5, callFrame: frame('(idle)') },
  ],
  samples: [3, 4, 2, 5],
  // each sample's time is the delta to the next one
  timeDeltas: [0, 1000, 1000, 1000, 1000],
};

describe('CPU profile reduction', () => {
  it('names the package a bundled chunk came from', () => {
    expect(origin('http://127.0.0.1:1/assets/pkg-@tiptap__y-tiptap-Daf5g8vS.js')).toBe('@tiptap/y-tiptap');
    expect(origin('http://127.0.0.1:1/assets/pkg-yjs-5qjoMOBq.js')).toBe('yjs');
    expect(origin('http://127.0.0.1:1/assets/dure-shared-Co0du3VA.js')).toBe('dure-shared');
    expect(origin('')).toBe('(native)');
  });

  it('self time per function and per package, idle left out', () => {
    expect(hotFunctions(profile).map((f) => [f.name, f.where, f.selfMs])).toEqual([
      ['b', '@tiptap/core', 2],
      ['a', 'yjs', 1],
    ]);
    expect(hotOrigins(profile).map((o) => [o.where, o.selfMs])).toEqual([
      ['@tiptap/core', 2],
      ['yjs', 1],
    ]);
  });

  it('inclusive time counts a recursive function once per sample', () => {
    const r = inclusive(profile, ['a', 'b']);
    expect(r.busyMs).toBe(3);
    expect(r.ms).toEqual({ a: 3, b: 2 });
  });

  it('a long gap between samples (renderer descheduled) is not counted as time of the sampled function', () => {
    const gappy: CpuProfile = { ...profile, timeDeltas: [0, 1000, 351_000, 1000, 1000] };
    // sample 2 (node 4, b) is followed by a 351 ms gap: b gets 1 ms + the cap, not 352 ms
    expect(hotFunctions(gappy).map((f) => [f.name, f.selfMs])).toEqual([
      ['b', 1 + MAX_SAMPLE_US / 1000],
      ['a', 1],
    ]);
    expect(unsampledMs(gappy)).toBe(351 - MAX_SAMPLE_US / 1000);
    expect(unsampledMs(profile)).toBe(0);
    expect(inclusive(gappy, ['a']).busyMs).toBe(2 + MAX_SAMPLE_US / 1000);
  });
});
