/** The pieces of the build that security and offline rest on: the CSP and the worker's manifest. */
import { describe, expect, it } from 'vitest';
import { CSP, CSP_HEADER } from '../src/csp';
import { buildManifest, SW_FILE } from '../build/sw-manifest';

const directives = (policy: string): Map<string, string> =>
  new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .map(([k, ...v]) => [k!, v.join(' ')]),
  );

describe('Content-Security-Policy', () => {
  it('allows no inline or remote script, style or image', () => {
    const d = directives(CSP);
    expect(d.get('default-src')).toBe("'self'");
    expect(d.get('script-src')).toBe("'self'");
    expect(d.get('style-src')).toBe("'self'");
    expect(d.get('img-src')).toBe("'self' blob: data:");
    expect(d.get('object-src')).toBe("'none'");
    expect(d.get('base-uri')).toBe("'none'");
    expect(d.get('form-action')).toBe("'none'");
    expect(CSP).not.toMatch(/unsafe-|https?:|\*/);
  });

  it('the header adds frame-ancestors, which a <meta> cannot carry', () => {
    expect(directives(CSP).has('frame-ancestors')).toBe(false);
    expect(directives(CSP_HEADER).get('frame-ancestors')).toBe("'none'");
    expect(CSP_HEADER.startsWith(CSP)).toBe(true);
  });
});

describe('service worker manifest', () => {
  const files = new Map([
    ['index.html', '<html>'],
    ['assets/index-abc.js', 'code'],
    ['assets/index-abc.js.map', 'map'],
    [SW_FILE, 'worker'],
  ]);

  it('lists every emitted file but the worker and source maps', () => {
    expect(buildManifest(files).files).toEqual(['assets/index-abc.js', 'index.html']);
  });

  it('changes its hash when any precached byte changes, and only then', () => {
    const a = buildManifest(files).hash;
    expect(buildManifest(new Map(files)).hash).toBe(a);
    expect(buildManifest(new Map([...files, ['index.html', '<html >']])).hash).not.toBe(a);
    expect(buildManifest(new Map([...files, [SW_FILE, 'other worker']])).hash).toBe(a);
  });
});
