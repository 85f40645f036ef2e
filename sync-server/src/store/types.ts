/**
 * The relay's storage interface. It holds opaque bytes (signed, encrypted envelopes) and only the metadata
 * the relay needs to order, deduplicate, compact and expire them: never plaintext, never keys.
 *
 * Ids are the protocol's text forms (docId: base64url of 16 bytes; deviceId and blobId: base64url); the store
 * treats them as opaque. Methods return Promises so that a networked backend (PostgreSQL) fits the same
 * contract; expected failures are values, misuse (a closed store, a negative sequence number) throws.
 */
import type { Result } from '@dure/shared/result';

/** `deviceId → highest device sequence number included`: a snapshot includes every update of that device
 * with a sequence number ≤ the value. */
export type Covers = ReadonlyMap<string, number>;

export interface DocRecord {
  readonly docId: string;
  /** Ed25519 public key registered at CREATE; write capability is checked against it. */
  readonly writePub: Uint8Array;
  /** Milliseconds since the epoch. */
  readonly createdAt: number;
  readonly lastActivity: number;
  /** The last relay sequence number handed out for this document (0: none yet). Never reused. */
  readonly headSeq: number;
}

export interface StoredUpdate {
  /** Assigned by the store: strictly increasing per document, in the order updates were committed. */
  readonly relaySeq: number;
  readonly deviceId: string;
  readonly deviceSeq: number;
  readonly envelope: Uint8Array;
}

export interface StoredSnapshot {
  /** The relay sequence number the snapshot was given when it was applied. */
  readonly relaySeq: number;
  readonly envelope: Uint8Array;
  readonly covers: Covers;
}

export interface ReadResult {
  /** Present when the document has a snapshot newer than `since`: the reader must apply it. */
  readonly snapshot?: StoredSnapshot;
  /** Every held update with relaySeq > since, ascending. Updates older than the snapshot that it does not
   * cover are included too: the snapshot replaces only what it names. */
  readonly updates: readonly StoredUpdate[];
  /** The document's headSeq at the time of the read: the next `since`. */
  readonly headSeq: number;
}

export interface StoreStats {
  readonly documents: number;
  readonly updates: number;
  readonly snapshots: number;
  readonly blobs: number;
  /** Bytes of envelopes, snapshots and blobs held (payload only, not the backend's overhead). */
  readonly bytes: number;
}

/** The backend could not store (disk full, I/O error): the caller must not acknowledge; retrying later may work. */
export type StorageFailure = 'storage-unavailable';

export type CreateError = 'doc-exists' | StorageFailure;
/** `seq-gap`: with `contiguous`, the seq skips ahead of the device's highest held or covered seq (or a new
 * device does not start at 1); `too-many-devices`: a new device would exceed `maxDevices`. */
export type AppendError = 'unknown-doc' | 'duplicate' | 'seq-gap' | 'too-many-devices' | StorageFailure;

/** Checks appendUpdate makes inside its transaction, so two writers cannot both pass them. Omitted: no check. */
export interface AppendRules {
  /** refuse a seq above (highest held or covered for this device) + 1 */
  readonly contiguous?: boolean;
  /** distinct devices a document may have (held updates and the current snapshot's coverage together) */
  readonly maxDevices?: number;
}

/** The verdict of AppendRules for one update; `heldMax` is the device's highest held or covered seq (0: none). */
export function judgeAppend(
  rules: AppendRules | undefined,
  deviceSeq: number,
  heldMax: number,
  deviceCount: () => number,
): 'seq-gap' | 'too-many-devices' | undefined {
  if (!rules) return undefined;
  if (rules.contiguous && deviceSeq > heldMax + 1) return 'seq-gap';
  if (rules.maxDevices !== undefined && heldMax === 0 && deviceCount() >= rules.maxDevices) return 'too-many-devices';
  return undefined;
}
/** `not-held`: the snapshot names updates the store never received (it must not cover a moving target it
 * cannot see); `regresses`: it covers less than the current snapshot, which would lose data. */
export type SnapshotError = 'unknown-doc' | 'not-held' | 'regresses' | 'stale' | StorageFailure;
/** Judges the current snapshot's envelope (undefined: none) inside applySnapshot's transaction, after the
 * coverage rules; false → `stale` (the relay uses it to keep the snapshot chain linear). */
export type ParentCheck = (current: Uint8Array | undefined) => boolean;
export type BlobError = 'unknown-doc' | 'blob-exists' | StorageFailure;

export interface RelayStore {
  createDoc(docId: string, writePub: Uint8Array): Promise<Result<DocRecord, CreateError>>;
  getDoc(docId: string): Promise<DocRecord | undefined>;
  /** Resolves only after the update is durably committed (the caller acknowledges on `ok`). A (deviceId,
   * deviceSeq) the store holds, or that the current snapshot covers, is `duplicate`; then `rules` apply. */
  appendUpdate(
    docId: string,
    deviceId: string,
    deviceSeq: number,
    envelope: Uint8Array,
    rules?: AppendRules,
  ): Promise<Result<{ relaySeq: number }, AppendError>>;
  /** The snapshot (if newer than `since`) and the updates after `since`. */
  readSince(docId: string, since: number): Promise<Result<ReadResult, 'unknown-doc'>>;
  /**
   * In one transaction: stores the snapshot (replacing the previous one) and hard-deletes exactly the updates
   * it covers, keeping the rest. Accepted only if every covered device sequence number is at most the highest
   * the store has seen for that device, and the snapshot covers at least what the current snapshot covers.
   * Returns how many updates were deleted.
   */
  applySnapshot(
    docId: string,
    envelope: Uint8Array,
    covers: Covers,
    parentCheck?: ParentCheck,
  ): Promise<Result<{ relaySeq: number; deleted: number }, SnapshotError>>;
  /** Removes the document, its updates, snapshot and blobs. `false`: there was no such document. */
  deleteDoc(docId: string): Promise<Result<boolean, StorageFailure>>;
  /** Blobs are content-addressed by the client, so an existing blobId is `blob-exists` and left unchanged. */
  putBlob(docId: string, blobId: string, bytes: Uint8Array): Promise<Result<void, BlobError>>;
  getBlob(docId: string, blobId: string): Promise<Uint8Array | undefined>;
  /** Marks a document as used (a reader opened it) so the retention sweep keeps it. */
  touch(docId: string): Promise<void>;
  /** Deletes every document whose lastActivity is older than `days` days; returns how many. */
  sweepExpired(days: number): Promise<Result<number, StorageFailure>>;
  stats(): Promise<StoreStats>;
  /** Further calls throw. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** Clock in milliseconds since the epoch (tests move it). */
  readonly now?: () => number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** Shared argument checks: these are programming errors, so they throw. */
export function checkSeq(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`${what} must be a non-negative integer, got ${n}`);
}

export function checkId(id: string, what: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > 256) throw new TypeError(`${what} must be 1–256 chars`);
}

export function checkCovers(covers: Covers): void {
  if (!(covers instanceof Map)) throw new TypeError('covers must be a Map');
  for (const [device, seq] of covers) {
    checkId(device, 'deviceId');
    checkSeq(seq, 'covered seq');
  }
}

export function cutoff(now: number, days: number): number {
  if (!(days > 0) || !Number.isFinite(days)) throw new RangeError(`retention days must be positive, got ${days}`);
  return now - days * DAY_MS;
}

/**
 * The snapshot rule shared by every backend. `heldMax(device)` is the highest device sequence number the
 * store holds for that device in its update log (undefined: none).
 */
export function judgeSnapshot(
  covers: Covers,
  current: Covers | undefined,
  heldMax: (deviceId: string) => number | undefined,
): 'not-held' | 'regresses' | undefined {
  if (current) {
    for (const [device, seq] of current) {
      const next = covers.get(device);
      if (next === undefined || next < seq) return 'regresses';
    }
  }
  for (const [device, seq] of covers) {
    const known = Math.max(current?.get(device) ?? -1, heldMax(device) ?? -1);
    if (seq > known) return 'not-held';
  }
  return undefined;
}
