/**
 * The default backend: one SQLite file in the data folder (better-sqlite3).
 *
 * - WAL + synchronous=FULL: a commit is fsynced before the call resolves, so an acknowledged update survives
 *   kill -9 and power loss.
 * - Group commit: appends queued in the same event-loop turn are written in one transaction (one fsync), each
 *   in its own savepoint with its own verdict; their promises resolve after that commit (README.md).
 * - secure_delete=ON: deleted rows are overwritten with zeros in their pages. After a snapshot or a document
 *   delete the WAL is checkpointed and truncated, so the deleted envelopes are gone from the database file
 *   and the -wal file when the call resolves (a deleted document is gone from the disk, not archived).
 * - A disk that is full or failing is a `storage-unavailable` value: the caller stops acknowledging, the
 *   transaction is rolled back, and later calls work again once space returns.
 */
import Database from 'better-sqlite3';
import { err, ok, type Result } from '@dure/shared/result';
import {
  checkCovers,
  checkId,
  checkSeq,
  cutoff,
  judgeAppend,
  judgeSnapshot,
  type AppendError,
  type AppendRules,
  type ParentCheck,
  type BlobError,
  type CreateError,
  type Covers,
  type DocRecord,
  type ReadResult,
  type RelayStore,
  type SnapshotError,
  type StorageFailure,
  type StoreOptions,
  type StoreStats,
  type StoredSnapshot,
  type StoredUpdate,
} from './types';

const SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE docs (
  doc_id TEXT PRIMARY KEY,
  write_pub BLOB NOT NULL,
  created_at INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  head_seq INTEGER NOT NULL
);
CREATE TABLE updates (
  id INTEGER PRIMARY KEY,
  doc_id TEXT NOT NULL,
  relay_seq INTEGER NOT NULL,
  device_id TEXT NOT NULL,
  device_seq INTEGER NOT NULL,
  envelope BLOB NOT NULL
);
CREATE UNIQUE INDEX updates_by_seq ON updates (doc_id, relay_seq);
CREATE UNIQUE INDEX updates_by_device ON updates (doc_id, device_id, device_seq);
CREATE TABLE snapshots (
  doc_id TEXT PRIMARY KEY,
  relay_seq INTEGER NOT NULL,
  envelope BLOB NOT NULL,
  covers TEXT NOT NULL
);
CREATE TABLE blobs (
  doc_id TEXT NOT NULL,
  blob_id TEXT NOT NULL,
  bytes BLOB NOT NULL,
  PRIMARY KEY (doc_id, blob_id)
);
CREATE INDEX docs_by_activity ON docs (last_activity);
`;

interface DocRow {
  doc_id: string;
  write_pub: Buffer;
  created_at: number;
  last_activity: number;
  head_seq: number;
}
interface UpdateRow {
  relay_seq: number;
  device_id: string;
  device_seq: number;
  envelope: Buffer;
}
interface SnapshotRow {
  relay_seq: number;
  envelope: Buffer;
  covers: string;
}

/** Codes of a disk that cannot take writes now (full, I/O error, read-only remount): values, not crashes. */
function isStorageFailure(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code === 'SQLITE_FULL' ||
      code.startsWith('SQLITE_IOERR') ||
      code === 'SQLITE_READONLY' ||
      code.startsWith('SQLITE_READONLY_') ||
      code === 'SQLITE_CANTOPEN' ||
      code === 'SQLITE_BUSY')
  );
}

const bytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));

/** Covers are stored as JSON pairs: an object would turn device ids like `__proto__` into prototype keys. */
const encodeCovers = (c: Covers): string => JSON.stringify([...c]);
function decodeCovers(s: string): Map<string, number> {
  return new Map(JSON.parse(s) as [string, number][]);
}

/** Bounds of one group commit: beyond either, the batch is written at once rather than at the next turn. */
const MAX_BATCH_APPENDS = 256;
const MAX_BATCH_BYTES = 4 * 1024 * 1024;

interface PendingAppend {
  readonly docId: string;
  readonly deviceId: string;
  readonly deviceSeq: number;
  readonly envelope: Buffer;
  readonly rules: AppendRules | undefined;
  readonly resolve: (r: Result<{ relaySeq: number }, AppendError>) => void;
  readonly reject: (e: unknown) => void;
}
type AppendOutcome = { result: Result<{ relaySeq: number }, AppendError> } | { error: unknown };

export interface SqliteStoreOptions extends StoreOptions {
  /** Path of the database file (its folder must exist). */
  readonly file: string;
}

export class SqliteRelayStore implements RelayStore {
  readonly #db: Database.Database;
  readonly #now: () => number;
  readonly #q;
  #closed = false;
  /** appends waiting for the next group commit, in call order */
  #queue: PendingAppend[] = [];
  #queuedBytes = 0;
  #flushSoon: ReturnType<typeof setImmediate> | undefined;
  readonly #batchTx: Database.Transaction<(batch: readonly PendingAppend[]) => AppendOutcome[]>;

  constructor(options: SqliteStoreOptions) {
    this.#now = options.now ?? Date.now;
    const db = new Database(options.file);
    try {
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('secure_delete = ON');
      db.pragma('foreign_keys = ON');
      migrate(db);
    } catch (e) {
      db.close();
      throw e;
    }
    this.#db = db;
    this.#q = {
      getDoc: db.prepare<[string], DocRow>('SELECT * FROM docs WHERE doc_id = ?'),
      insertDoc: db.prepare<[string, Buffer, number, number]>(
        'INSERT INTO docs (doc_id, write_pub, created_at, last_activity, head_seq) VALUES (?, ?, ?, ?, 0)',
      ),
      bumpHead: db.prepare<[number, string], { head_seq: number }>(
        'UPDATE docs SET head_seq = head_seq + 1, last_activity = ? WHERE doc_id = ? RETURNING head_seq',
      ),
      touch: db.prepare<[number, string]>('UPDATE docs SET last_activity = ? WHERE doc_id = ?'),
      hasUpdate: db.prepare<[string, string, number], { one: number }>(
        'SELECT 1 AS one FROM updates WHERE doc_id = ? AND device_id = ? AND device_seq = ?',
      ),
      insertUpdate: db.prepare<[string, number, string, number, Buffer]>(
        'INSERT INTO updates (doc_id, relay_seq, device_id, device_seq, envelope) VALUES (?, ?, ?, ?, ?)',
      ),
      updatesSince: db.prepare<[string, number], UpdateRow>(
        'SELECT relay_seq, device_id, device_seq, envelope FROM updates WHERE doc_id = ? AND relay_seq > ? ORDER BY relay_seq',
      ),
      maxDeviceSeq: db.prepare<[string, string], { m: number | null }>(
        'SELECT MAX(device_seq) AS m FROM updates WHERE doc_id = ? AND device_id = ?',
      ),
      devicesOf: db.prepare<[string], { device_id: string }>('SELECT DISTINCT device_id FROM updates WHERE doc_id = ?'),
      deleteCovered: db.prepare<[string, string, number]>(
        'DELETE FROM updates WHERE doc_id = ? AND device_id = ? AND device_seq <= ?',
      ),
      getSnapshot: db.prepare<[string], SnapshotRow>(
        'SELECT relay_seq, envelope, covers FROM snapshots WHERE doc_id = ?',
      ),
      // DELETE then INSERT rather than REPLACE-in-place: the old envelope's cells are freed (and zeroed) for certain
      deleteSnapshot: db.prepare<[string]>('DELETE FROM snapshots WHERE doc_id = ?'),
      insertSnapshot: db.prepare<[string, number, Buffer, string]>(
        'INSERT INTO snapshots (doc_id, relay_seq, envelope, covers) VALUES (?, ?, ?, ?)',
      ),
      deleteUpdates: db.prepare<[string]>('DELETE FROM updates WHERE doc_id = ?'),
      deleteBlobs: db.prepare<[string]>('DELETE FROM blobs WHERE doc_id = ?'),
      deleteDoc: db.prepare<[string]>('DELETE FROM docs WHERE doc_id = ?'),
      hasBlob: db.prepare<[string, string], { one: number }>(
        'SELECT 1 AS one FROM blobs WHERE doc_id = ? AND blob_id = ?',
      ),
      insertBlob: db.prepare<[string, string, Buffer]>('INSERT INTO blobs (doc_id, blob_id, bytes) VALUES (?, ?, ?)'),
      getBlob: db.prepare<[string, string], { bytes: Buffer }>(
        'SELECT bytes FROM blobs WHERE doc_id = ? AND blob_id = ?',
      ),
      expired: db.prepare<[number], { doc_id: string }>('SELECT doc_id FROM docs WHERE last_activity < ?'),
      stats: db.prepare<[], StoreStats>(
        `SELECT (SELECT COUNT(*) FROM docs) AS documents,
                (SELECT COUNT(*) FROM updates) AS updates,
                (SELECT COUNT(*) FROM snapshots) AS snapshots,
                (SELECT COUNT(*) FROM blobs) AS blobs,
                (SELECT IFNULL(SUM(LENGTH(envelope)), 0) FROM updates)
                  + (SELECT IFNULL(SUM(LENGTH(envelope)), 0) FROM snapshots)
                  + (SELECT IFNULL(SUM(LENGTH(bytes)), 0) FROM blobs) AS bytes`,
      ),
    };
    // called inside the batch's transaction, better-sqlite3 runs it as a SAVEPOINT: a throw undoes only it
    const appendTx = db.transaction((a: PendingAppend) => this.#appendInTx(a));
    this.#batchTx = db.transaction((batch: readonly PendingAppend[]) =>
      batch.map((a): AppendOutcome => {
        try {
          return { result: appendTx(a) };
        } catch (e) {
          // a failing disk fails the batch (the transaction may be gone already); anything else fails one append
          if (isStorageFailure(e)) throw e;
          return { error: e };
        }
      }),
    );
  }

  #open(): void {
    if (this.#closed) throw new Error('RelayStore is closed');
  }

  /** Runs `fn` in a write transaction; a failing disk becomes a value and rolls the transaction back. */
  #write<T, E extends string>(fn: () => Result<T, E>): Result<T, E | StorageFailure> {
    this.#open();
    // queued appends first: every write then takes effect in the order it was called
    this.#flush();
    try {
      return this.#db.transaction(fn).immediate();
    } catch (e) {
      if (isStorageFailure(e)) return err('storage-unavailable', (e as Error).message);
      throw e;
    }
  }

  /** Moves the WAL into the database file and truncates it: with secure_delete, the deleted bytes are then
   * nowhere in either file. A checkpoint that cannot finish leaves them in the WAL until the next one. */
  #scrubWal(): void {
    try {
      this.#db.pragma('wal_checkpoint(TRUNCATE)');
    } catch (e) {
      if (!isStorageFailure(e)) throw e;
    }
  }

  #docRecord(r: DocRow): DocRecord {
    return {
      docId: r.doc_id,
      writePub: bytes(r.write_pub),
      createdAt: r.created_at,
      lastActivity: r.last_activity,
      headSeq: r.head_seq,
    };
  }

  async createDoc(docId: string, writePub: Uint8Array): Promise<Result<DocRecord, CreateError>> {
    checkId(docId, 'docId');
    return this.#write(() => {
      if (this.#q.getDoc.get(docId)) return err('doc-exists');
      const now = this.#now();
      this.#q.insertDoc.run(docId, Buffer.from(writePub), now, now);
      return ok({ docId, writePub: new Uint8Array(writePub), createdAt: now, lastActivity: now, headSeq: 0 });
    });
  }

  async getDoc(docId: string): Promise<DocRecord | undefined> {
    this.#open();
    const r = this.#q.getDoc.get(docId);
    return r && this.#docRecord(r);
  }

  async appendUpdate(
    docId: string,
    deviceId: string,
    deviceSeq: number,
    envelope: Uint8Array,
    rules?: AppendRules,
  ): Promise<Result<{ relaySeq: number }, AppendError>> {
    checkId(deviceId, 'deviceId');
    checkSeq(deviceSeq, 'deviceSeq');
    this.#open();
    // copied now: the caller's bytes may be a view into a buffer it reuses before the batch is written
    const copy = Buffer.from(envelope);
    return new Promise((resolve, reject) => {
      this.#queue.push({ docId, deviceId, deviceSeq, envelope: copy, rules, resolve, reject });
      this.#queuedBytes += copy.byteLength;
      if (this.#queue.length >= MAX_BATCH_APPENDS || this.#queuedBytes >= MAX_BATCH_BYTES) this.#flush();
      else this.#flushSoon ??= setImmediate(() => this.#flush());
    });
  }

  /**
   * Group commit: writes every queued append in ONE transaction (one WAL fsync), then settles their promises
   * in queue order. Each append runs in its own SAVEPOINT with the same checks as a lone append, so a refused
   * or throwing append leaves the others in the batch alone; a disk that fails (during a write or at COMMIT)
   * rolls the whole batch back and every append in it is `storage-unavailable`: nothing of it is acknowledged.
   */
  #flush(): void {
    if (this.#flushSoon) clearImmediate(this.#flushSoon);
    this.#flushSoon = undefined;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    this.#queuedBytes = 0;
    let outcomes: AppendOutcome[];
    try {
      outcomes = this.#batchTx.immediate(batch);
    } catch (e) {
      if (isStorageFailure(e)) {
        const failure = err('storage-unavailable', (e as Error).message);
        for (const a of batch) a.resolve(failure);
      } else {
        for (const a of batch) a.reject(e);
      }
      return;
    }
    batch.forEach((a, i) => {
      const o = outcomes[i];
      if (o && 'result' in o) a.resolve(o.result);
      else a.reject(o?.error);
    });
  }

  /** One append, inside the batch's transaction (the checks and the write of a lone appendUpdate). */
  #appendInTx(a: PendingAppend): Result<{ relaySeq: number }, AppendError> {
    const { docId, deviceId, deviceSeq, rules } = a;
    if (!this.#q.getDoc.get(docId)) return err('unknown-doc');
    const snap = this.#q.getSnapshot.get(docId);
    const covered = snap && decodeCovers(snap.covers).get(deviceId);
    if (covered !== undefined && deviceSeq <= covered) return err('duplicate');
    if (this.#q.hasUpdate.get(docId, deviceId, deviceSeq)) return err('duplicate');
    if (rules) {
      const held = Math.max(covered ?? 0, this.#q.maxDeviceSeq.get(docId, deviceId)?.m ?? 0);
      const verdict = judgeAppend(rules, deviceSeq, held, () => {
        const devices = new Set(this.#q.devicesOf.all(docId).map((r) => r.device_id));
        for (const device of (snap && decodeCovers(snap.covers).keys()) ?? []) devices.add(device);
        return devices.size;
      });
      if (verdict) return err(verdict);
    }
    const head = this.#q.bumpHead.get(this.#now(), docId);
    if (!head) throw new Error('document vanished inside a transaction');
    this.#q.insertUpdate.run(docId, head.head_seq, deviceId, deviceSeq, a.envelope);
    return ok({ relaySeq: head.head_seq });
  }

  async readSince(docId: string, since: number): Promise<Result<ReadResult, 'unknown-doc'>> {
    this.#open();
    checkSeq(since, 'since');
    // one read transaction: the snapshot, the updates and headSeq belong to the same moment
    return this.#db
      .transaction((): Result<ReadResult, 'unknown-doc'> => {
        const doc = this.#q.getDoc.get(docId);
        if (!doc) return err('unknown-doc');
        const updates: StoredUpdate[] = this.#q.updatesSince.all(docId, since).map((r) => ({
          relaySeq: r.relay_seq,
          deviceId: r.device_id,
          deviceSeq: r.device_seq,
          envelope: bytes(r.envelope),
        }));
        const s = this.#q.getSnapshot.get(docId);
        const snapshot: StoredSnapshot | undefined =
          s && s.relay_seq > since
            ? { relaySeq: s.relay_seq, envelope: bytes(s.envelope), covers: decodeCovers(s.covers) }
            : undefined;
        return ok(snapshot ? { snapshot, updates, headSeq: doc.head_seq } : { updates, headSeq: doc.head_seq });
      })
      .deferred();
  }

  async applySnapshot(
    docId: string,
    envelope: Uint8Array,
    covers: Covers,
    parentCheck?: ParentCheck,
  ): Promise<Result<{ relaySeq: number; deleted: number }, SnapshotError>> {
    checkCovers(covers);
    const r = this.#write<{ relaySeq: number; deleted: number }, SnapshotError>(() => {
      if (!this.#q.getDoc.get(docId)) return err('unknown-doc');
      const current = this.#q.getSnapshot.get(docId);
      const verdict = judgeSnapshot(
        covers,
        current && decodeCovers(current.covers),
        (device) => this.#q.maxDeviceSeq.get(docId, device)?.m ?? undefined,
      );
      if (verdict) return err(verdict);
      if (parentCheck && !parentCheck(current ? bytes(current.envelope) : undefined)) return err('stale');
      let deleted = 0;
      for (const [device, max] of covers) deleted += this.#q.deleteCovered.run(docId, device, max).changes;
      const head = this.#q.bumpHead.get(this.#now(), docId);
      if (!head) throw new Error('document vanished inside a transaction');
      this.#q.deleteSnapshot.run(docId);
      this.#q.insertSnapshot.run(docId, head.head_seq, Buffer.from(envelope), encodeCovers(covers));
      return ok({ relaySeq: head.head_seq, deleted });
    });
    if (r.ok) this.#scrubWal();
    return r;
  }

  #deleteInTx(docId: string): boolean {
    this.#q.deleteUpdates.run(docId);
    this.#q.deleteSnapshot.run(docId);
    this.#q.deleteBlobs.run(docId);
    return this.#q.deleteDoc.run(docId).changes > 0;
  }

  async deleteDoc(docId: string): Promise<Result<boolean, StorageFailure>> {
    const r = this.#write<boolean, never>(() => ok(this.#deleteInTx(docId)));
    if (r.ok && r.value) this.#scrubWal();
    return r;
  }

  async putBlob(docId: string, blobId: string, data: Uint8Array): Promise<Result<void, BlobError>> {
    checkId(blobId, 'blobId');
    return this.#write<void, BlobError>(() => {
      if (!this.#q.getDoc.get(docId)) return err('unknown-doc');
      if (this.#q.hasBlob.get(docId, blobId)) return err('blob-exists');
      this.#q.insertBlob.run(docId, blobId, Buffer.from(data));
      this.#q.touch.run(this.#now(), docId);
      return ok(undefined);
    });
  }

  async getBlob(docId: string, blobId: string): Promise<Uint8Array | undefined> {
    this.#open();
    const r = this.#q.getBlob.get(docId, blobId);
    return r && bytes(r.bytes);
  }

  async touch(docId: string): Promise<void> {
    // best effort: a reader's visit that cannot be recorded on a full disk only shortens retention
    this.#write(() => ok(this.#q.touch.run(this.#now(), docId)));
  }

  async sweepExpired(days: number): Promise<Result<number, StorageFailure>> {
    const before = cutoff(this.#now(), days);
    const r = this.#write<number, never>(() => {
      let n = 0;
      for (const { doc_id } of this.#q.expired.all(before)) if (this.#deleteInTx(doc_id)) n++;
      return ok(n);
    });
    if (r.ok && r.value > 0) this.#scrubWal();
    return r;
  }

  async stats(): Promise<StoreStats> {
    this.#open();
    const s = this.#q.stats.get();
    if (!s) throw new Error('stats query returned nothing');
    return { ...s };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#flush();
    this.#closed = true;
    this.#scrubWal();
    this.#db.close();
  }
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
  const row = db.prepare<[], { version: number }>('SELECT version FROM schema_version').get();
  if (row === undefined) {
    db.transaction(() => {
      db.exec(SCHEMA);
      db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
    }).immediate();
    return;
  }
  // a database written by a newer server must not be half-understood (and possibly damaged) by this one
  if (row.version !== SCHEMA_VERSION) {
    throw new Error(`relay database schema version ${row.version}; this server understands ${SCHEMA_VERSION}`);
  }
}
