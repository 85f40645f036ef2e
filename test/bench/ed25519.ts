/**
 * Ed25519 per operation, noble (JavaScript) against node:crypto (OpenSSL), as the project calls them
 * (shared/src/crypto/ed25519.ts). Not a test: run `node --import tsx test/bench/ed25519.ts [--n=2000]`.
 * Messages are 200 bytes (a typical update envelope); the key is the same for every call, as a session or
 * a relay verifies one document's envelopes under one key (both backends cache per key).
 */
import { randomBytes } from '@dure/shared/bytes';
import { nobleEd25519, type Ed25519Backend } from '@dure/shared/crypto/ed25519';
import { nodeEd25519 } from '@dure/shared/crypto/ed25519-node';
import { loadavg } from 'node:os';

const n = Number(process.argv.find((a) => a.startsWith('--n='))?.slice(4) ?? 2000);

function perOp(label: string, fn: (i: number) => void): number {
  for (let i = 0; i < Math.min(200, n); i++) fn(i); // warm-up: JIT and the backends' caches
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) fn(i);
  const us = Number(process.hrtime.bigint() - t0) / 1000 / n;
  console.log(`${label.padEnd(34)} ${us.toFixed(1).padStart(8)} µs/op`);
  return us;
}

const seed = randomBytes(32);
const msgs = Array.from({ length: 64 }, () => randomBytes(200));
const results: Record<string, Record<string, number>> = {};
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}; n=${n}; Node ${process.version}`,
);
for (const b of [nobleEd25519, nodeEd25519] as Ed25519Backend[]) {
  const pub = b.publicKey(seed);
  const sigs = msgs.map((m) => b.sign(m, seed));
  results[b.name] = {
    sign: perOp(`${b.name} sign`, (i) => b.sign(msgs[i % 64]!, seed)),
    verify: perOp(`${b.name} verify`, (i) => {
      if (!b.verify(sigs[i % 64]!, msgs[i % 64]!, pub)) throw new Error('did not verify');
    }),
    publicKey: perOp(`${b.name} publicKey (fresh seed)`, () => b.publicKey(randomBytes(32))),
  };
}
const r = (k: string): string => (results.noble![k]! / results.node![k]!).toFixed(1);
console.log(`node faster by: sign ${r('sign')}×, verify ${r('verify')}×, publicKey ${r('publicKey')}×`);
console.log(
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
