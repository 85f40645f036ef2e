import type { Plugin } from 'vite';
import { CSP } from '../src/csp';

/** Writes the one CSP string (src/csp.ts) into index.html, so the meta and the server header never drift. */
export function cspMetaPlugin(): Plugin {
  return {
    name: 'dure-csp-meta',
    apply: 'build',
    transformIndexHtml: {
      order: 'post',
      handler: () => [
        { tag: 'meta', attrs: { 'http-equiv': 'Content-Security-Policy', content: CSP }, injectTo: 'head-prepend' },
      ],
    },
  };
}
