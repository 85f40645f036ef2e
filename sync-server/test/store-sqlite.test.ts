/**
 * The SQLite backend: the contract, plus what only a file on disk can show: deleted envelopes are gone from
 * the database file and its WAL, everything survives close and reopen, and a newer schema is refused.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteRelayStore } from '../src/store/sqlite';
import { relayStoreContract, type Clock } from './store-contract';

const root = mkdtempSync(path.join(tmpdir(), 'dure-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const newFile = (): string => path.join(root, `relay-${++n}.db`);

relayStoreContract('sqlite', async (clock: Clock) => new SqliteRelayStore({ file: newFile(), now: () => clock.now }));

/** A marker no other test data contains, repeated so it spans what SQLite writes as one cell. */
const marker = (label: string): { text: string; bytes: Uint8Array } => {
  const text = `MARK-${label}-${randomBytes(8).toString('hex')}`;
  return { text, bytes: new TextEncoder().encode(text.repeat(20)) };
};

/** Which of the markers occur anywhere in the database file, its WAL and its shared-memory index. */
function onDisk(file: string, markers: readonly { text: string }[]): string[] {
  const parts = [file, `${file}-wal`, `${file}-shm`].filter(existsSync).map((f) => readFileSync(f));
  return markers.filter((m) => parts.some((p) => p.includes(m.text))).map((m) => m.text);
}

const covers = (o: Record<string, number>): Map<string, number> => new Map(Object.entries(o));

describe('SqliteRelayStore on disk', () => {
  it('after a snapshot, the covered envelopes and the replaced snapshot are nowhere in the files', async () => {
    const file = newFile();
    const s = new SqliteRelayStore({ file });
    await s.createDoc('d', new Uint8Array(32));
    const covered = [marker('covered1'), marker('covered2')];
    const kept = marker('kept');
    const snap1 = marker('snap1');
    const snap2 = marker('snap2');
    await s.appendUpdate('d', 'A', 1, covered[0]!.bytes);
    await s.appendUpdate('d', 'B', 1, kept.bytes);
    await s.appendUpdate('d', 'A', 2, covered[1]!.bytes);
    // everything is on disk before compaction (proves the scan finds what is there)
    expect(onDisk(file, [...covered, kept])).toEqual([...covered, kept].map((m) => m.text));
    expect(await s.applySnapshot('d', snap1.bytes, covers({ A: 1 }))).toMatchObject({ ok: true });
    expect(await s.applySnapshot('d', snap2.bytes, covers({ A: 2 }))).toMatchObject({ ok: true });
    expect(onDisk(file, [...covered, kept, snap1, snap2])).toEqual([kept.text, snap2.text]);
    await s.close();
    expect(onDisk(file, [...covered, kept, snap1, snap2])).toEqual([kept.text, snap2.text]);
  });

  it('after deleteDoc and the retention sweep, none of the documents’ bytes are in the files', async () => {
    const file = newFile();
    const clock = { now: Date.UTC(2026, 0, 1) };
    const s = new SqliteRelayStore({ file, now: () => clock.now });
    const gone = [marker('update'), marker('snapshot'), marker('blob'), marker('expired')];
    const other = marker('other-doc');
    await s.createDoc('old', new Uint8Array(32));
    await s.appendUpdate('old', 'A', 1, gone[3]!.bytes);
    clock.now += 40 * 24 * 3600 * 1000;
    await s.createDoc('d', new Uint8Array(32));
    await s.createDoc('other', new Uint8Array(32));
    await s.appendUpdate('d', 'A', 1, gone[0]!.bytes);
    await s.appendUpdate('d', 'A', 2, new Uint8Array(10));
    await s.applySnapshot('d', gone[1]!.bytes, covers({ A: 2 }));
    await s.putBlob('d', 'img', gone[2]!.bytes);
    await s.appendUpdate('other', 'A', 1, other.bytes);
    expect(onDisk(file, [...gone, other]).length).toBe(4); // update 1 was compacted already
    expect(await s.deleteDoc('d')).toEqual({ ok: true, value: true });
    expect(await s.sweepExpired(30)).toEqual({ ok: true, value: 1 });
    expect(onDisk(file, [...gone, other])).toEqual([other.text]);
    await s.close();
    expect(onDisk(file, [...gone, other])).toEqual([other.text]);
  });

  it('keeps everything across close and reopen, and relay sequence numbers continue', async () => {
    const file = newFile();
    const a = new SqliteRelayStore({ file });
    await a.createDoc('d', new Uint8Array(32).fill(5));
    await a.appendUpdate('d', 'A', 1, new TextEncoder().encode('한글 봉투 1'));
    await a.appendUpdate('d', 'A', 2, new TextEncoder().encode('two'));
    await a.applySnapshot('d', new TextEncoder().encode('snap'), covers({ A: 1 }));
    await a.putBlob('d', 'img', new Uint8Array([1, 2, 3]));
    const before = await a.readSince('d', 0);
    const statsBefore = await a.stats();
    await a.close();

    const b = new SqliteRelayStore({ file });
    expect(await b.readSince('d', 0)).toEqual(before);
    expect(await b.stats()).toEqual(statsBefore);
    expect((await b.getDoc('d'))?.writePub).toEqual(new Uint8Array(32).fill(5));
    expect(await b.getBlob('d', 'img')).toEqual(new Uint8Array([1, 2, 3]));
    expect(await b.appendUpdate('d', 'A', 1, new Uint8Array(1))).toMatchObject({ ok: false, error: 'duplicate' });
    expect(await b.appendUpdate('d', 'A', 3, new Uint8Array(1))).toEqual({ ok: true, value: { relaySeq: 4 } });
    await b.close();
  });

  it('runs in WAL mode (secure_delete is shown by the scans above)', async () => {
    const file = newFile();
    const s = new SqliteRelayStore({ file });
    await s.createDoc('d', new Uint8Array(32));
    await s.appendUpdate('d', 'A', 1, new Uint8Array(4)); // the WAL exists while the store is open
    expect(existsSync(`${file}-wal`)).toBe(true);
    const peek = new Database(file, { readonly: true });
    expect(peek.pragma('journal_mode', { simple: true })).toBe('wal');
    peek.close();
    await s.close();
  });

  it('refuses to open a database written by a newer schema version', async () => {
    const file = newFile();
    await new SqliteRelayStore({ file }).close();
    const raw = new Database(file);
    raw.prepare('UPDATE schema_version SET version = 99').run();
    raw.close();
    expect(() => new SqliteRelayStore({ file })).toThrow(/schema version 99/);
  });
});
