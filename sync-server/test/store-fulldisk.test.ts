/**
 * A full disk under the SQLite backend: the store returns `storage-unavailable` (so the relay stops
 * acknowledging), keeps every update it did acknowledge, does not crash, and accepts writes again once space
 * returns. The disk is a 2 MiB tmpfs mounted in the child's own mount namespace (root + unshare needed; the
 * test is skipped elsewhere), so the host never sees the mount.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const canMount =
  process.platform === 'linux' &&
  process.getuid?.() === 0 &&
  spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0;

const mountPoint = mkdtempSync(path.join(tmpdir(), 'dure-fulldisk-'));
afterAll(() => rmSync(mountPoint, { recursive: true, force: true }));

/** Runs inside the namespace, on the tmpfs; prints one JSON line of observations. */
const child = `
  import { writeFileSync, rmSync } from 'node:fs';
  import { SqliteRelayStore } from './src/store/sqlite.ts';
  const dir = process.env.DURE_FULL_DIR;
  const file = dir + '/relay.db';
  const envelope = (i) => new Uint8Array(8192).fill(i % 251);
  const same = (a, i) => a.length === 8192 && a.every((b) => b === i % 251);
  const out = { acked: 0, failure: null, failureAgain: null, readWhileFull: null, afterSpace: null };
  let s = new SqliteRelayStore({ file });
  await s.createDoc('d', new Uint8Array(32));
  writeFileSync(dir + '/filler', new Uint8Array(1536 * 1024));
  let i = 1;
  for (; i <= 2000; i++) {
    const r = await s.appendUpdate('d', 'A', i, envelope(i));
    if (!r.ok) { out.failure = r.error; break; }
    out.acked = i;
  }
  out.failureAgain = (await s.appendUpdate('d', 'A', i, envelope(i))).ok ? 'ok' : 'refused';
  const snap = await s.applySnapshot('d', new Uint8Array(65536).fill(7), new Map([['A', out.acked]]));
  out.snapshotWhileFull = snap.ok ? 'ok' : snap.error;
  const full = await s.readSince('d', 0);
  out.readWhileFull = full.ok ? full.value.updates.length : full.error;
  out.snapshotKept = full.ok && full.value.snapshot === undefined ? 'none' : 'some';
  rmSync(dir + '/filler');
  const retry = await s.appendUpdate('d', 'A', i, envelope(i));
  out.afterSpace = retry.ok ? 'ok' : retry.error;
  await s.close();
  s = new SqliteRelayStore({ file });
  const all = await s.readSince('d', 0);
  out.reopened = all.ok ? all.value.updates.map((u) => u.deviceSeq) : all.error;
  out.intact = all.ok && all.value.updates.every((u) => same(u.envelope, u.deviceSeq));
  await s.close();
  console.log(JSON.stringify(out));
`;

describe.skipIf(!canMount)('SqliteRelayStore on a full disk', () => {
  it('refuses appends and snapshots as values, keeps every acknowledged update, and recovers when space returns', () => {
    const script = `mount -t tmpfs -o size=2m tmpfs "$DURE_FULL_DIR" && exec "$0" --import tsx --input-type=module -e "$1"`;
    const r = spawnSync(
      'unshare',
      ['--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath, child],
      {
        cwd: pkgDir,
        env: { ...process.env, DURE_FULL_DIR: mountPoint },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as {
      acked: number;
      failure: string | null;
      failureAgain: string;
      readWhileFull: number | string;
      snapshotWhileFull: string;
      snapshotKept: string;
      afterSpace: string;
      reopened: number[] | string;
      intact: boolean;
    };
    expect(out.acked).toBeGreaterThan(5); // it did write before the disk filled
    expect(out.acked).toBeLessThan(2000); // and the disk did fill
    expect(out.failure).toBe('storage-unavailable');
    expect(out.failureAgain).toBe('refused');
    // a snapshot that cannot be written deletes nothing: the transaction is rolled back whole
    expect(out.snapshotWhileFull).toBe('storage-unavailable');
    expect(out.snapshotKept).toBe('none');
    expect(out.readWhileFull).toBe(out.acked);
    expect(out.afterSpace).toBe('ok');
    expect(out.reopened).toEqual(Array.from({ length: out.acked + 1 }, (_, k) => k + 1));
    expect(out.intact).toBe(true);
  });
});
