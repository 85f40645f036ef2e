import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** `npm run build -w electron` (build.mjs) into a temp folder; the bundles are read as text. */
const run = promisify(execFile);
let out: string;
let main: string;
let preload: string;

beforeAll(async () => {
  out = await mkdtemp(path.join(tmpdir(), 'dure-bundle-'));
  await run(process.execPath, [path.resolve(__dirname, '../build.mjs'), '--out', out], { timeout: 120_000 });
  main = await readFile(path.join(out, 'main.cjs'), 'utf8');
  preload = await readFile(path.join(out, 'preload.cjs'), 'utf8');
}, 120_000);
afterAll(async () => {
  await rm(out, { recursive: true, force: true });
});

const requires = (code: string): string[] =>
  [...code.matchAll(/require\(\s*["'`]([^"'`]+)["'`]\s*\)/g)].map((m) => m[1]!);

describe('electron bundles', () => {
  it('bundles the preload into one file that requires nothing but electron', () => {
    expect(preload).toContain('exposeInMainWorld');
    expect(preload).toContain('dure:set-relays');
    expect(new Set(requires(preload))).toEqual(new Set(['electron']));
    // no dynamic require of anything else either
    expect(preload.match(/require\(/g)).toHaveLength(requires(preload).length);
  });

  it('bundles main as CommonJS with electron external and no project module left to load', () => {
    expect(requires(main)).toContain('electron');
    // electron's npm stub (which downloads the binary) must not be inlined
    expect(main).not.toContain('Electron failed to install correctly');
    // the package ships no node_modules (electron-builder.yml): only Node's own modules may be left
    for (const r of requires(main))
      expect(r === 'electron' || builtinModules.includes(r.replace(/^node:/, '')), r).toBe(true);
    expect(main).toContain('registerSchemesAsPrivileged');
  });
});
