#!/usr/bin/env node
// `npm run bench [-- --quick]`: the client benchmark (driver.ts), then the relay benchmark (relay/driver.ts),
// in one run, with each part's duration. `--client` or `--relay` runs one part only (`--relay` alone keeps the relay's
// own defaults and writes results/relay-latest.*); `--parts=relay` runs only the combined run's (trimmed) relay part.
// Client options: `--reps=N --keystrokes=N --remote=N --burst=N --cycles=N --fixture=automerge-paper`.
// Relay options (relay/README.md) pass through as they are with `--relay`; in the combined run they are given as
// `--relay-<option>=V` (`--relay-reps=3`), so `--reps` means the client's repetitions there.
// The benchmark is TypeScript; tsx loads it. Never part of `npm test`.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv.includes('--relay') ? 'relay' : argv.includes('--client') ? 'client' : undefined;
const own = argv.filter((a) => a !== '--relay' && a !== '--client' && !a.startsWith('--parts='));
const wanted = (argv.find((a) => a.startsWith('--parts='))?.slice('--parts='.length) ?? 'client,relay').split(',');
const RESULTS = join(fileURLToPath(new URL('.', import.meta.url)), 'results');

/**
 * Relay options in the combined run. The relay's own defaults (3 repetitions of every series, three servers)
 * take longer than issue #5's 20 minutes for the whole `npm run bench` once the client part has run; the
 * combined run trims them unless `--relay-<option>` says otherwise. `--relay` alone keeps the relay's defaults.
 */
function relayArgs() {
  const given = own.filter((a) => a.startsWith('--relay-')).map((a) => `--${a.slice('--relay-'.length)}`);
  const has = (name) => given.some((a) => a.startsWith(`--${name}=`));
  const trims = quick
    ? [
        ['seconds', 2],
        ['docs', 50],
        ['joins', 2],
      ]
    : // measured: client 624 s + relay (reps=1, 20 s typing) 611 s = 20.6 min at load 2–9; 10 s of typing saves ≈2 min
      [
        ['reps', 1],
        ['seconds', 10],
      ];
  const out = [...given];
  for (const [name, v] of trims) if (!has(name)) out.push(`--${name}=${v}`);
  if (quick) out.push('--quick');
  return out;
}

/**
 * The combined run's relay part is trimmed, so it must not replace results/relay-latest.* (the relay's own full
 * run): its files are moved to results/runs/<kept>.* and the previous ones put back. The relay driver has no
 * output option, so a `--relay` run writing the same file during this part loses that write (its next write
 * restores it: the relay rewrites the whole file after every repetition).
 */
async function keptApart(base, kept, f) {
  const files = ['json', 'md'].map((ext) => [join(RESULTS, `${base}.${ext}`), join(RESULTS, 'runs', `${kept}.${ext}`)]);
  const before = files.map(([path]) => (existsSync(path) ? readFileSync(path) : undefined));
  const moved = [];
  try {
    await f();
  } finally {
    mkdirSync(join(RESULTS, 'runs'), { recursive: true });
    files.forEach(([path, keptPath], i) => {
      if (!existsSync(path)) return;
      const ours = readFileSync(path);
      if (before[i] !== undefined && ours.equals(before[i])) return; // the relay wrote nothing
      // formatted as the repository's `prettier --check .` expects
      moved.push([keptPath, ours.toString('utf8')]);
      if (before[i] === undefined) rmSync(path);
      else writeFileSync(path, before[i]);
    });
    for (const [path, text] of moved) writeFileSync(path, await format(text, { filepath: path }));
  }
}

const parts = [];
async function part(name, f) {
  const t0 = Date.now();
  const loadAtStart = loadavg();
  let error;
  try {
    await f();
  } catch (e) {
    // the other part still runs and the durations are still written; the exit code says it failed
    error = e instanceof Error ? e.message : String(e);
    console.error(e);
    process.exitCode = 1;
  }
  const durationS = Math.round((Date.now() - t0) / 100) / 10;
  parts.push({ name, durationS, loadAtStart, loadAtEnd: loadavg(), ...(error ? { error } : {}) });
  console.log(`\n${name} benchmark: ${durationS} s${error ? ` (FAILED: ${error})` : ''}`);
}

if (only === 'relay') {
  const { main } = await import('./relay/driver.ts');
  await main(own);
} else if (only === 'client') {
  const { main } = await import('./driver.ts');
  await main(own);
} else {
  const started = new Date();
  const { stamp } = await import('./driver.ts');
  const clientArgs = own.filter((a) => !a.startsWith('--relay-'));
  if (wanted.includes('client')) await part('client', async () => (await import('./driver.ts')).main(clientArgs));
  const ra = relayArgs();
  const relayKept = `relay${quick ? '-quick' : ''}-${stamp(new Date().toISOString())}`;
  if (wanted.includes('relay'))
    await part('relay', () =>
      keptApart(quick ? 'relay-quick' : 'relay-latest', relayKept, async () =>
        (await import('./relay/driver.ts')).main(ra),
      ),
    );
  const totalS = Math.round((Date.now() - started.getTime()) / 100) / 10;
  const summary = {
    command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
    startedAt: started.toISOString(),
    totalS,
    relayArgs: ra,
    relayResults: wanted.includes('relay') ? `results/runs/${relayKept}.{json,md}` : undefined,
    parts,
  };
  const dir = join(RESULTS, 'runs');
  mkdirSync(dir, { recursive: true });
  const file = `bench${quick ? '-quick' : ''}-${stamp(started.toISOString())}.json`;
  writeFileSync(join(dir, file), await format(JSON.stringify(summary), { filepath: file }));
  console.log(
    `\nnpm run bench${quick ? ' -- --quick' : ''}: ${totalS} s in all (` +
      parts.map((p) => `${p.name} ${p.durationS} s`).join(', ') +
      `); written: test/bench/results/runs/${file}`,
  );
}
