#!/usr/bin/env node
// `npm run bench [-- --quick] [--reps=N] [--keystrokes=N] [--cycles=N] [--fixture=automerge-paper]`
// The benchmark is TypeScript (driver.ts); tsx loads it. Never part of `npm test`.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./driver.ts');
await main(process.argv.slice(2));
