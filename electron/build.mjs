// Bundles the main process and the preload into dist/ with esbuild (in node_modules through vite).
//   node build.mjs [--out <dir>]
// main.cjs: platform node, CommonJS, 'electron' external (Electron provides it at run time).
// preload.cjs: ONE file; a sandboxed preload's require() knows only 'electron', so everything else is inlined.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const outIndex = process.argv.indexOf('--out');
const outDir = outIndex > 0 ? path.resolve(process.argv[outIndex + 1]) : path.join(here, 'dist');
// --only <out>: one bundle (the meeting test builds just meeting.cjs)
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex > 0 ? process.argv[onlyIndex + 1] : undefined;

/** Each bundle: its entry, its output file, and where it runs. Add entries here (e.g. a utility process). */
export const ENTRIES = [
  { entry: 'src/main/main.ts', out: 'main.cjs', platform: 'node' },
  { entry: 'src/preload/preload.ts', out: 'preload.cjs', platform: 'browser' },
  // The meeting's utility process (E3). better-sqlite3 is native and must never be in it (a test checks);
  // ws's optional native helpers are loaded in a try/catch and left out.
  {
    entry: 'src/meeting/entry.ts',
    out: 'meeting.cjs',
    platform: 'node',
    external: ['better-sqlite3', 'bufferutil', 'utf-8-validate'],
  },
];

const common = {
  bundle: true,
  format: 'cjs',
  target: ['node22', 'chrome140'],
  external: ['electron'],
  sourcemap: false,
  logLevel: 'warning',
  absWorkingDir: here,
};

const chosen = ENTRIES.filter((e) => only === undefined || e.out === only);
if (chosen.length === 0) throw new Error(`build.mjs: no entry named ${only}`);
await Promise.all(
  chosen.map(({ entry, out, platform, external }) =>
    build({
      ...common,
      platform,
      external: [...common.external, ...(external ?? [])],
      entryPoints: [path.join(here, entry)],
      outfile: path.join(outDir, out),
    }),
  ),
);
console.log(`electron: bundled ${chosen.map((e) => e.out).join(', ')} into ${outDir}`);
