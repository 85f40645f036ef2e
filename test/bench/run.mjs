#!/usr/bin/env node
// `npm run bench [-- --quick] [--reps=N] [--keystrokes=N] [--cycles=N] [--fixture=automerge-paper]`
// `npm run bench -- --relay [--quick]`: the relay benchmark (relay/driver.ts, options in relay/README.md).
// The benchmark is TypeScript; tsx loads it. Never part of `npm test`.
import { register } from 'tsx/esm/api';

register();
const argv = process.argv.slice(2);
if (argv.includes('--relay')) {
  const { main } = await import('./relay/driver.ts');
  await main(argv.filter((a) => a !== '--relay'));
} else {
  const { main } = await import('./driver.ts');
  await main(argv);
}
