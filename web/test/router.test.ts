import { describe, expect, it } from 'vitest';
import { hrefOf, parseRoute } from '../src/router';

describe('fragment routes', () => {
  it('parses the three pages', () => {
    expect(parseRoute('')).toEqual({ name: 'list' });
    expect(parseRoute('#/')).toEqual({ name: 'list' });
    expect(parseRoute('#/settings')).toEqual({ name: 'settings' });
    expect(parseRoute('#/d/AbC_-123456789012345678')).toEqual({ name: 'doc', docId: 'AbC_-123456789012345678' });
  });

  it('recognises edit and view links without interpreting them', () => {
    expect(parseRoute('#1e.abc')).toEqual({ name: 'capability', fragment: '1e.abc' });
    expect(parseRoute('#1r.abc.def')).toEqual({ name: 'capability', fragment: '1r.abc.def' });
  });

  it('refuses ids that are not base64url and unknown paths', () => {
    expect(parseRoute('#/d/../../etc')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/d/<script>')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/d/short')).toEqual({ name: 'not-found' });
    expect(parseRoute('#/nope')).toEqual({ name: 'not-found' });
  });

  it('round-trips through hrefOf', () => {
    for (const h of ['#/', '#/settings', '#/d/AbC_-123456789012345678']) expect(hrefOf(parseRoute(h))).toBe(h);
  });
});
