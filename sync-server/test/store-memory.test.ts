/** The memory backend against the contract, and proof that it loads no native module. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { openRelayStore } from '../src/store/index';
import { relayStoreContract } from './store-contract';

relayStoreContract('memory', (clock) => openRelayStore({ kind: 'memory', now: () => clock.now }));

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Runs `kind` in a child whose process.dlopen (how every native addon loads) throws. */
function openWithoutNativeModules(kind: 'memory' | 'sqlite'): { status: number | null; out: string } {
  const script = `
    process.dlopen = () => { throw new Error('a native module was loaded'); };
    const { openRelayStore } = await import('./src/store/index.ts');
    try {
      const s = await openRelayStore(${JSON.stringify(kind === 'memory' ? { kind } : { kind, file: ':memory:' })});
      await s.createDoc('d', new Uint8Array(32));
      console.log('opened', JSON.stringify(await s.stats()));
    } catch (e) {
      console.log('failed', e.message);
    }`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: pkgDir,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

describe('backends are imported lazily', () => {
  it('the memory backend works in a process that cannot load native modules', () => {
    const r = openWithoutNativeModules('memory');
    expect(r.out).toContain('opened {"documents":1');
    expect(r.status).toBe(0);
  });

  it('(control) the SQLite backend does need one, so the check above can fail', () => {
    expect(openWithoutNativeModules('sqlite').out).toContain('failed a native module was loaded');
  });
});
