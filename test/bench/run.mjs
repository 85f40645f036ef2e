#!/usr/bin/env node
// `npm run bench [-- --quick]`: the client benchmark (driver.ts), then the relay benchmark (relay/driver.ts),
// in one run, with each part's duration. `--client` or `--relay` runs one part only (`--relay` alone keeps the relay's
// own defaults and writes results/relay-latest.*); `--parts=relay` runs only the combined run's (trimmed) relay part.
// Client options: `--reps=N --keystrokes=N --remote=N --burst=N --cycles=N --fixture=automerge-paper`.
// Relay options (relay/README.md) pass through as they are with `--relay`; in the combined run they are given as
// `--relay-<option>=V` (`--relay-reps=3`), so `--reps` means the client's repetitions there. The combined run's
// relay trims (issue #5's time budget) are in budget.ts; its relay results go to results/runs/, never over
// results/relay-latest.* (the relay's own full run).
// The benchmark is TypeScript; tsx loads it. Never part of `npm test`.
import { mkdirSync, writeFileSync } from 'node:fs';
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
const { clientArgs, relayArgs } = await import('./budget.ts');
const RESULTS = join(fileURLToPath(new URL('.', import.meta.url)), 'results');

const parts = [];
const round2 = (xs) => xs.map((x) => Math.round(x * 100) / 100);
async function part(name, f) {
  const t0 = Date.now();
  const loadAtStart = round2(loadavg());
  let error;
  try {
    return await f();
  } catch (e) {
    // the other part still runs and the durations are still written; the exit code says it failed
    error = e instanceof Error ? e.message : String(e);
    console.error(e);
    process.exitCode = 1;
    return undefined;
  } finally {
    const durationS = Math.round((Date.now() - t0) / 100) / 10;
    parts.push({ name, durationS, loadAtStart, loadAtEnd: round2(loadavg()), ...(error ? { error } : {}) });
    console.log(`\n${name} benchmark: ${durationS} s${error ? ` (FAILED: ${error})` : ''}`);
  }
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
  const { machineInfo } = await import('./machine.ts');
  const client = wanted.includes('client')
    ? await part('client', async () => (await import('./driver.ts')).main(clientArgs(own)))
    : undefined;
  const relayOut = `runs/relay${quick ? '-quick' : ''}-${stamp(new Date().toISOString())}`;
  const ra = relayArgs(own, relayOut);
  if (wanted.includes('relay')) await part('relay', async () => (await import('./relay/driver.ts')).main(ra));
  const totalS = Math.round((Date.now() - started.getTime()) / 100) / 10;
  const summary = {
    command: `npm run bench${argv.length ? ' -- ' + argv.join(' ') : ''}`,
    startedAt: started.toISOString(),
    totalS,
    // the client part's Chromium is the one it launched (driver.ts); the rest is this process's machine
    machine: { ...machineInfo(), chromium: client?.machine.chromium },
    relayArgs: ra,
    clientResults: client ? `results/runs/client${quick ? '-quick' : ''}-${stamp(client.date)}.json` : undefined,
    relayResults: wanted.includes('relay') ? `results/${relayOut}.{json,md}` : undefined,
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
