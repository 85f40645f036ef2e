/**
 * The in-memory backend: for tests and for the desktop app's meeting relay (native modules cannot be built
 * for Electron here). Nothing survives the process, which is what a meeting relay wants. Bytes are copied in
 * and out so a caller that reuses its buffers cannot change what the store holds.
 */
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
  type StoreOptions,
  type StoreStats,
  type StoredSnapshot,
  type StoredUpdate,
} from './types';

interface MemDoc {
  readonly docId: string;
  readonly writePub: Uint8Array;
  readonly createdAt: number;
  lastActivity: number;
  headSeq: number;
  /** Ascending by relaySeq (appended in order; compaction only removes). */
  updates: StoredUpdate[];
  /** `deviceId → (deviceSeq → update)` for duplicate checks and compaction. */
  readonly byDevice: Map<string, Map<number, StoredUpdate>>;
  snapshot?: StoredSnapshot;
  readonly blobs: Map<string, Uint8Array>;
}

const copy = (b: Uint8Array): Uint8Array => new Uint8Array(b);

export class MemoryRelayStore implements RelayStore {
  readonly #docs = new Map<string, MemDoc>();
  readonly #now: () => number;
  #closed = false;

  constructor(options: StoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  #open(): void {
    if (this.#closed) throw new Error('RelayStore is closed');
  }

  #record(d: MemDoc): DocRecord {
    return {
      docId: d.docId,
      writePub: copy(d.writePub),
      createdAt: d.createdAt,
      lastActivity: d.lastActivity,
      headSeq: d.headSeq,
    };
  }

  async createDoc(docId: string, writePub: Uint8Array): Promise<Result<DocRecord, CreateError>> {
    this.#open();
    checkId(docId, 'docId');
    if (this.#docs.has(docId)) return err('doc-exists');
    const now = this.#now();
    const d: MemDoc = {
      docId,
      writePub: copy(writePub),
      createdAt: now,
      lastActivity: now,
      headSeq: 0,
      updates: [],
      byDevice: new Map(),
      blobs: new Map(),
    };
    this.#docs.set(docId, d);
    return ok(this.#record(d));
  }

  async getDoc(docId: string): Promise<DocRecord | undefined> {
    this.#open();
    const d = this.#docs.get(docId);
    return d && this.#record(d);
  }

  async appendUpdate(
    docId: string,
    deviceId: string,
    deviceSeq: number,
    envelope: Uint8Array,
    rules?: AppendRules,
  ): Promise<Result<{ relaySeq: number }, AppendError>> {
    this.#open();
    checkId(deviceId, 'deviceId');
    checkSeq(deviceSeq, 'deviceSeq');
    const d = this.#docs.get(docId);
    if (!d) return err('unknown-doc');
    const covered = d.snapshot?.covers.get(deviceId);
    if (covered !== undefined && deviceSeq <= covered) return err('duplicate');
    let seqs = d.byDevice.get(deviceId);
    if (seqs?.has(deviceSeq)) return err('duplicate');
    let heldMax = covered ?? 0;
    for (const seq of seqs?.keys() ?? []) if (seq > heldMax) heldMax = seq;
    const verdict = judgeAppend(rules, deviceSeq, heldMax, () => {
      const devices = new Set(d.byDevice.keys());
      for (const device of d.snapshot?.covers.keys() ?? []) devices.add(device);
      return devices.size;
    });
    if (verdict) return err(verdict);
    const u: StoredUpdate = { relaySeq: ++d.headSeq, deviceId, deviceSeq, envelope: copy(envelope) };
    d.updates.push(u);
    if (!seqs) d.byDevice.set(deviceId, (seqs = new Map()));
    seqs.set(deviceSeq, u);
    d.lastActivity = this.#now();
    return ok({ relaySeq: u.relaySeq });
  }

  async readSince(docId: string, since: number): Promise<Result<ReadResult, 'unknown-doc'>> {
    this.#open();
    checkSeq(since, 'since');
    const d = this.#docs.get(docId);
    if (!d) return err('unknown-doc');
    const updates = d.updates.filter((u) => u.relaySeq > since).map((u) => ({ ...u, envelope: copy(u.envelope) }));
    const s = d.snapshot;
    const snapshot =
      s && s.relaySeq > since ? { ...s, envelope: copy(s.envelope), covers: new Map(s.covers) } : undefined;
    return ok(snapshot ? { snapshot, updates, headSeq: d.headSeq } : { updates, headSeq: d.headSeq });
  }

  async applySnapshot(
    docId: string,
    envelope: Uint8Array,
    covers: Covers,
    parentCheck?: ParentCheck,
  ): Promise<Result<{ relaySeq: number; deleted: number }, SnapshotError>> {
    this.#open();
    checkCovers(covers);
    const d = this.#docs.get(docId);
    if (!d) return err('unknown-doc');
    const verdict = judgeSnapshot(covers, d.snapshot?.covers, (device) => {
      let max: number | undefined;
      for (const seq of d.byDevice.get(device)?.keys() ?? []) if (max === undefined || seq > max) max = seq;
      return max;
    });
    if (verdict) return err(verdict);
    if (parentCheck && !parentCheck(d.snapshot?.envelope)) return err('stale');
    const gone = new Set<StoredUpdate>();
    for (const [device, max] of covers) {
      const seqs = d.byDevice.get(device);
      if (!seqs) continue;
      for (const [seq, u] of seqs) {
        if (seq <= max) {
          gone.add(u);
          seqs.delete(seq);
        }
      }
      if (seqs.size === 0) d.byDevice.delete(device);
    }
    d.updates = d.updates.filter((u) => !gone.has(u));
    d.snapshot = { relaySeq: ++d.headSeq, envelope: copy(envelope), covers: new Map(covers) };
    d.lastActivity = this.#now();
    return ok({ relaySeq: d.headSeq, deleted: gone.size });
  }

  async deleteDoc(docId: string): Promise<Result<boolean, never>> {
    this.#open();
    return ok(this.#docs.delete(docId));
  }

  async putBlob(docId: string, blobId: string, bytes: Uint8Array): Promise<Result<void, BlobError>> {
    this.#open();
    checkId(blobId, 'blobId');
    const d = this.#docs.get(docId);
    if (!d) return err('unknown-doc');
    if (d.blobs.has(blobId)) return err('blob-exists');
    d.blobs.set(blobId, copy(bytes));
    d.lastActivity = this.#now();
    return ok(undefined);
  }

  async getBlob(docId: string, blobId: string): Promise<Uint8Array | undefined> {
    this.#open();
    const b = this.#docs.get(docId)?.blobs.get(blobId);
    return b && copy(b);
  }

  async touch(docId: string): Promise<void> {
    this.#open();
    const d = this.#docs.get(docId);
    if (d) d.lastActivity = this.#now();
  }

  async sweepExpired(days: number): Promise<Result<number, never>> {
    this.#open();
    const before = cutoff(this.#now(), days);
    let n = 0;
    for (const [id, d] of this.#docs) {
      if (d.lastActivity < before) {
        this.#docs.delete(id);
        n++;
      }
    }
    return ok(n);
  }

  async stats(): Promise<StoreStats> {
    this.#open();
    let updates = 0;
    let snapshots = 0;
    let blobs = 0;
    let bytes = 0;
    for (const d of this.#docs.values()) {
      updates += d.updates.length;
      for (const u of d.updates) bytes += u.envelope.byteLength;
      if (d.snapshot) {
        snapshots++;
        bytes += d.snapshot.envelope.byteLength;
      }
      blobs += d.blobs.size;
      for (const b of d.blobs.values()) bytes += b.byteLength;
    }
    return { documents: this.#docs.size, updates, snapshots, blobs, bytes };
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#docs.clear();
  }
}
