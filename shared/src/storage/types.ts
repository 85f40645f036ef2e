/**
 * The Storage interface: bytes by string key, nothing more. Everything that gives the bytes meaning
 * (encryption, documents, compaction) sits above it, so one contract suite covers every implementation
 * (in-memory in Node, IndexedDB in the browser, later the Electron profile).
 *
 * Keys are compared as JavaScript strings (UTF-16 code units), which is also IndexedDB's order for
 * string keys, so prefix scans return the same order everywhere.
 */
export type StorageOp =
  | { readonly type: 'put'; readonly key: string; readonly value: Uint8Array }
  | { readonly type: 'del'; readonly key: string };

export interface StorageEntry {
  readonly key: string;
  readonly value: Uint8Array;
}

export type StorageErrorCode =
  /** the browser refused to store more (QuotaExceededError) */
  | 'quota'
  /** storage cannot be opened at all (private mode, disabled, blocked upgrade) */
  | 'unavailable'
  /** anything else the backend reported; the batch did not commit */
  | 'io';

/** Thrown by Storage methods; a failed batch has committed nothing. */
export class StorageError extends Error {
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export interface Storage {
  get(key: string): Promise<Uint8Array | undefined>;
  /** Every entry whose key starts with prefix, in key order. */
  list(prefix: string): Promise<StorageEntry[]>;
  /** Keys only: cheaper than list when values are large. */
  keys(prefix: string): Promise<string[]>;
  /**
   * Applies all ops atomically and durably (IndexedDB: one readwrite transaction with
   * durability 'strict'); resolves only after the commit. Deleting a missing key is not an error.
   * Rejects with StorageError and commits nothing on failure.
   */
  batch(ops: readonly StorageOp[]): Promise<void>;
  close(): void;
}

/**
 * The smallest string greater than every key that starts with prefix (an exclusive upper bound), or
 * undefined when there is none (empty prefix, or only U+FFFF). Not prefix + '\uffff': keys such as
 * prefix + '\uffff\uffff' sort after that.
 */
export function prefixEnd(prefix: string): string | undefined {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return undefined;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}
