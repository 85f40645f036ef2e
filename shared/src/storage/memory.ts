import { StorageError, type Storage, type StorageEntry, type StorageErrorCode, type StorageOp } from './types';

/**
 * Storage in a Map, for Node tests and as the reference the contract suite is checked against. Values
 * are copied in and out, as IndexedDB's structured clone does, so tests catch code that relies on
 * sharing buffers with storage.
 */
export class MemoryStorage implements Storage {
  private readonly data = new Map<string, Uint8Array>();
  private sorted: string[] | undefined;
  private failures: StorageErrorCode[] = [];
  private closed = false;
  /** Counts committed batches (tests assert "one batch per ..."). */
  batches = 0;

  /** The next batch (and the ones after it, one per code) rejects with this code and commits nothing. */
  failNextBatch(code: StorageErrorCode = 'io', times = 1): void {
    for (let i = 0; i < times; i++) this.failures.push(code);
  }

  private check(): void {
    if (this.closed) throw new Error('MemoryStorage is closed');
  }

  private sortedKeys(): string[] {
    // Plain < on strings compares UTF-16 code units: IndexedDB's order for string keys.
    this.sorted ??= [...this.data.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return this.sorted;
  }

  private range(prefix: string): string[] {
    const keys = this.sortedKeys();
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (keys[mid]! < prefix) lo = mid + 1;
      else hi = mid;
    }
    const out: string[] = [];
    for (let i = lo; i < keys.length && keys[i]!.startsWith(prefix); i++) out.push(keys[i]!);
    return out;
  }

  get(key: string): Promise<Uint8Array | undefined> {
    this.check();
    const v = this.data.get(key);
    return Promise.resolve(v?.slice());
  }

  list(prefix: string): Promise<StorageEntry[]> {
    this.check();
    return Promise.resolve(this.range(prefix).map((key) => ({ key, value: this.data.get(key)!.slice() })));
  }

  keys(prefix: string): Promise<string[]> {
    this.check();
    return Promise.resolve(this.range(prefix));
  }

  batch(ops: readonly StorageOp[]): Promise<void> {
    this.check();
    const code = this.failures.shift();
    if (code !== undefined) return Promise.reject(new StorageError(code, `injected ${code} failure`));
    // Validate everything before touching the map, so a bad op commits nothing.
    for (const op of ops) {
      if (typeof op.key !== 'string') return Promise.reject(new StorageError('io', 'key must be a string'));
      if (op.type === 'put' && !(op.value instanceof Uint8Array)) {
        return Promise.reject(new StorageError('io', 'value must be a Uint8Array'));
      }
    }
    for (const op of ops) {
      if (op.type === 'put') {
        if (!this.data.has(op.key)) this.sorted = undefined;
        this.data.set(op.key, op.value.slice());
      } else if (this.data.delete(op.key)) {
        this.sorted = undefined;
      }
    }
    this.batches++;
    return Promise.resolve();
  }

  close(): void {
    this.closed = true;
  }

  /** Total stored value bytes under prefix (tests and stats). */
  sizeOf(prefix = ''): number {
    let n = 0;
    for (const k of this.range(prefix)) n += this.data.get(k)!.length;
    return n;
  }
}
