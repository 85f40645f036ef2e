/**
 * After bundling, writes the list of emitted files and a build hash into the service worker, so the
 * worker precaches exactly this build and a new build is a new worker (which then waits for the user).
 */
import type { Plugin } from 'vite';

export const SW_FILE = 'sw.js';
/** The identifier src/sw.ts declares and this plugin replaces with a JSON literal. */
export const MANIFEST_PLACEHOLDER = '__DURE_MANIFEST__';

/** FNV-1a, 32 bit: enough to tell builds apart (the file names already carry content hashes). */
export function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface SwManifest {
  readonly hash: string;
  readonly files: readonly string[];
}

export function buildManifest(files: ReadonlyMap<string, string>): SwManifest {
  const names = [...files.keys()].filter((f) => f !== SW_FILE && !f.endsWith('.map')).sort();
  let h = 0x811c9dc5;
  for (const name of names) h = fnv1a(name + '\0' + (files.get(name) ?? ''), h);
  return { hash: h.toString(16).padStart(8, '0'), files: names };
}

export function swManifestPlugin(): Plugin {
  return {
    name: 'dure-sw-manifest',
    apply: 'build',
    enforce: 'post',
    generateBundle(_options, bundle) {
      const sw = bundle[SW_FILE];
      if (!sw || sw.type !== 'chunk') this.error(`${SW_FILE} was not emitted`);
      const contents = new Map<string, string>();
      for (const [name, out] of Object.entries(bundle)) {
        const body =
          out.type === 'chunk' ? out.code : typeof out.source === 'string' ? out.source : String(out.source.length);
        contents.set(name, body);
      }
      const manifest = buildManifest(contents);
      if (!sw.code.includes(MANIFEST_PLACEHOLDER)) this.error(`${MANIFEST_PLACEHOLDER} not found in ${SW_FILE}`);
      sw.code = sw.code.split(MANIFEST_PLACEHOLDER).join(JSON.stringify(manifest));
    },
  };
}
