/**
 * The seeded multi-tab sequences of localdoc-sequence.ts on MemoryStorage (with injected write
 * failures). A failing seed is replayed by putting it in FAILED_SEEDS (always run).
 */
import { describe, it } from 'vitest';
import { MemoryStorage } from '../src/storage/memory';
import { runLocalDocSequence } from './localdoc-sequence';

/** Seeds that once failed: kept forever as regression cases. */
const FAILED_SEEDS: number[] = [];
// DURE_SEEDS / DURE_STEPS run a longer hunt locally; the default keeps `npm test` quick.
const SEEDS = Number(process.env.DURE_SEEDS ?? 200);
const STEPS = Number(process.env.DURE_STEPS ?? 40);

function run(seed: number): Promise<void> {
  const storage = new MemoryStorage();
  return runLocalDocSequence(seed, { storage, steps: STEPS, failNextBatch: (code) => storage.failNextBatch(code) });
}

describe('LocalDoc random multi-tab sequences (MemoryStorage)', () => {
  for (const seed of FAILED_SEEDS) it(`regression seed ${seed}`, () => run(seed));
  for (let seed = 1; seed <= SEEDS; seed++) it(`seed ${seed}`, () => run(seed));
});
