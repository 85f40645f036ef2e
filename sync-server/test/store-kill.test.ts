/**
 * kill -9 while a process appends and compacts through SqliteRelayStore: after every kill, every update the
 * store had acknowledged is there (held, or covered by the snapshot), byte for byte, and the database passes
 * `PRAGMA integrity_check`. This tests commit atomicity and ordering; surviving power loss additionally rests
 * on synchronous=FULL, which a kill cannot show.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRelayStore } from '../src/store/sqlite';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = mkdtempSync(path.join(tmpdir(), 'dure-kill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Appends forever from where the database left off; prints "ack <seq>" after each resolved append and
 * "snap <seq>" after each accepted snapshot. Every 7th update, a snapshot covers all but the last 3. */
const child = `
  import { SqliteRelayStore } from './src/store/sqlite.ts';
  const s = new SqliteRelayStore({ file: process.env.DURE_KILL_DB });
  if (!(await s.getDoc('d'))) await s.createDoc('d', new Uint8Array(32));
  const r = await s.readSince('d', 0);
  let seq = Math.max(r.value.snapshot?.covers.get('A') ?? 0, ...r.value.updates.map((u) => u.deviceSeq));
  const body = (i) => new TextEncoder().encode(('update ' + i + ' ').repeat(1 + (i % 50)));
  for (let n = 0; n < 100000; n++) {
    seq++;
    const a = await s.appendUpdate('d', 'A', seq, body(seq));
    if (!a.ok) { console.log('error ' + a.error); process.exit(1); }
    process.stdout.write('ack ' + seq + '\\n');
    if (seq % 7 === 0) {
      const c = await s.applySnapshot('d', new TextEncoder().encode('snapshot through ' + (seq - 3)), new Map([['A', seq - 3]]));
      if (c.ok) process.stdout.write('snap ' + (seq - 3) + '\\n');
    }
  }
`;

/** Starts the writer, waits for `acks` more acknowledgements, kills it with SIGKILL; returns what it acked. */
function runAndKill(file: string, acks: number): Promise<{ acked: number[] }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], {
      cwd: pkgDir,
      env: { ...process.env, DURE_KILL_DB: file },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const acked: number[] = [];
    let buf = '';
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const line of lines) {
        const m = /^ack (\d+)$/.exec(line);
        if (m) acked.push(Number(m[1]));
      }
      if (acked.length >= acks && p.exitCode === null) p.kill('SIGKILL');
    });
    p.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve({ acked });
      else reject(new Error(`writer exited on its own (${code}): ${err}`));
    });
  });
}

describe('SqliteRelayStore under kill -9', () => {
  it('keeps every acknowledged update across 20 kills', async () => {
    const file = path.join(dir, 'relay.db');
    const allAcked: number[] = [];
    for (let round = 0; round < 20; round++) {
      // a different number of acknowledgements per round moves the kill point around the snapshot cycle
      const { acked } = await runAndKill(file, 5 + ((round * 13) % 29));
      allAcked.push(...acked);

      const check = new Database(file);
      expect(check.pragma('integrity_check', { simple: true })).toBe('ok');
      check.close();
      const s = new SqliteRelayStore({ file });
      const r = await s.readSince('d', 0);
      await s.close();
      if (!r.ok) throw new Error(r.error);
      const covered = r.value.snapshot?.covers.get('A') ?? 0;
      const held = new Map(r.value.updates.map((u) => [u.deviceSeq, new TextDecoder().decode(u.envelope)]));
      for (const seq of allAcked) {
        if (seq <= covered) continue;
        expect(held.get(seq), `acked update ${seq} after round ${round}`).toBe(`update ${seq} `.repeat(1 + (seq % 50)));
      }
      if (r.value.snapshot) {
        expect(new TextDecoder().decode(r.value.snapshot.envelope)).toBe(`snapshot through ${covered}`);
      }
    }
    expect(allAcked.length).toBeGreaterThan(100);
  }, 120_000);
});
