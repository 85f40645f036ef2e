import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SERVER_CSP } from '../src/csp';

const webCsp = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/src/csp.ts');

describe('the CSP header', () => {
  it('is exactly the policy the web app declares (web/src/csp.ts CSP_HEADER)', async () => {
    // A path in a variable keeps the server's type-check independent of the web package.
    const mod = (await import(/* @vite-ignore */ webCsp)) as { CSP_HEADER?: unknown };
    expect(SERVER_CSP).toBe(mod.CSP_HEADER);
  });

  it('forbids framing, plugins, inline and remote scripts', () => {
    expect(SERVER_CSP).toContain("frame-ancestors 'none'");
    expect(SERVER_CSP).toContain("object-src 'none'");
    expect(SERVER_CSP).toMatch(/script-src 'self'(;|$)/);
    expect(SERVER_CSP).not.toContain('unsafe-inline');
    expect(SERVER_CSP).toMatch(/img-src 'self' blob: data:(;|$)/);
  });
});
