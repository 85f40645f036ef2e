/**
 * IndexedDB implementation of the shared Storage interface (bytes by string key), written on `idb`.
 *
 * One database per origin ('dure') with two object stores:
 *   records — every document record (updates, snapshots, meta, keys), keyed by string, values Uint8Array
 *   device  — the device key-encryption key (a non-extractable CryptoKey, or raw bytes), kept apart so
 *             that listing records never hands out the KEK
 *
 * The connection is opened lazily and reopened after the browser closes it (iOS "connection lost",
 * a storage pressure eviction) so one lost connection does not break the page (y-indexeddb#44).
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import { StorageError, type Storage, type StorageEntry, type StorageOp } from '@dure/shared';

export const DB_NAME = 'dure';
/** Bump with a new `if (oldVersion < N)` step in `upgrade`; never edit an existing step. */
export const DB_VERSION = 1;
export const RECORDS = 'records';
export const DEVICE = 'device';

interface DureDB extends DBSchema {
  records: { key: string; value: Uint8Array };
  device: { key: string; value: CryptoKey | Uint8Array };
}

type Db = IDBPDatabase<DureDB>;

const errorName = (e: unknown): string =>
  typeof e === 'object' && e !== null && 'name' in e && typeof e.name === 'string' ? e.name : '';

/** Maps whatever IndexedDB threw to the three codes callers can act on. */
export function toStorageError(e: unknown, what: string): StorageError {
  if (e instanceof StorageError) return e;
  const name = errorName(e);
  const detail = e instanceof Error ? e.message : String(e);
  if (name === 'QuotaExceededError')
    return new StorageError('quota', `${what}: storage is full (${detail})`, { cause: e });
  return new StorageError('io', `${what} failed: ${name || 'error'} ${detail}`.trim(), { cause: e });
}

/** A connection that is closing or closed: reopening and trying once more is safe (nothing committed). */
const isClosedConnection = (e: unknown): boolean => errorName(e) === 'InvalidStateError';

/**
 * Structured clone copies a typed array's whole backing buffer, so a small view into a large buffer
 * (common for Yjs encoders and subarray()) would store the large buffer. Store exact-size copies.
 */
const exact = (v: Uint8Array): Uint8Array =>
  v.byteOffset === 0 && v.byteLength === v.buffer.byteLength && v.buffer instanceof ArrayBuffer ? v : v.slice();

/**
 * The range of every string key that starts with `prefix`: [prefix, successor) where the successor
 * increments the last code unit that is not \uffff. A closed upper bound of prefix + '\uffff' would miss
 * keys such as prefix + '\uffff\uffff'.
 */
export function prefixRange(prefix: string): IDBKeyRange {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return IDBKeyRange.lowerBound(prefix);
  const successor = prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
  return IDBKeyRange.bound(prefix, successor, false, true);
}

const asBytes = (key: string, v: unknown): Uint8Array => {
  if (v instanceof Uint8Array) return v;
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  // Not something this code ever wrote: report it instead of guessing, so the layer above can quarantine it.
  throw new StorageError('io', `record ${key} is not bytes`);
};

export interface IdbStorageOptions {
  /** Database name; tests use their own so they never touch the app's data. */
  readonly name?: string;
  /** Called when another tab upgrades the database and this connection had to close. */
  readonly onVersionChange?: () => void;
}

export class IdbStorage implements Storage {
  readonly name: string;
  private db: Promise<Db> | undefined;
  private generation = 0;
  private closed = false;
  private readonly onVersionChange: (() => void) | undefined;

  private constructor(opts: IdbStorageOptions) {
    this.name = opts.name ?? DB_NAME;
    this.onVersionChange = opts.onVersionChange;
  }

  /**
   * Opens (creating or upgrading) the database. Rejects with StorageError('unavailable') when the
   * browser gives no IndexedDB (some private modes), refuses to open it, or an older tab blocks the upgrade.
   */
  static async open(opts: IdbStorageOptions = {}): Promise<IdbStorage> {
    const s = new IdbStorage(opts);
    await s.connection();
    return s;
  }

  private connection(): Promise<Db> {
    if (this.closed) throw new Error('IdbStorage is closed');
    if (!this.db) {
      const gen = ++this.generation;
      this.db = this.connect(gen).catch((e: unknown) => {
        if (this.generation === gen) this.db = undefined;
        throw e;
      });
    }
    return this.db;
  }

  /** Forgets connection `gen` (if still current) so the next call opens a fresh one. */
  private drop(gen: number): void {
    if (this.generation !== gen) return;
    const db = this.db;
    this.db = undefined;
    this.generation++;
    void db?.then((d) => d.close()).catch(() => undefined);
  }

  private async connect(gen: number): Promise<Db> {
    if (typeof indexedDB === 'undefined' || indexedDB === null) {
      throw new StorageError('unavailable', 'IndexedDB is not available in this browser (private mode?)');
    }
    let rejectBlocked: ((e: StorageError) => void) | undefined;
    const blocked = new Promise<never>((_, reject) => (rejectBlocked = reject));
    const opening = openDB<DureDB>(this.name, DB_VERSION, {
      upgrade(db, oldVersion) {
        if (oldVersion < 1) {
          db.createObjectStore(RECORDS);
          db.createObjectStore(DEVICE);
        }
      },
      blocked: () => {
        rejectBlocked?.(
          new StorageError(
            'unavailable',
            'storage is blocked by an older version of Dure open in another tab; close it and reload',
          ),
        );
      },
      blocking: () => {
        // A newer version of the app wants to upgrade: let it, and stop using this connection.
        void opening.then((db) => db.close());
        this.drop(gen);
        this.onVersionChange?.();
      },
      terminated: () => this.drop(gen),
    });
    try {
      return await Promise.race([opening, blocked]);
    } catch (e) {
      // If a blocked open later succeeds, do not leak the connection.
      void opening.then((db) => db.close()).catch(() => undefined);
      if (e instanceof StorageError) throw e;
      throw new StorageError('unavailable', `IndexedDB cannot be opened: ${errorName(e) || String(e)}`, {
        cause: e,
      });
    }
  }

  /** Runs fn on a live connection; reopens once if the browser closed the connection underneath. */
  private async run<T>(what: string, fn: (db: Db) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const db = await this.connection();
      try {
        return await fn(db);
      } catch (e) {
        if (attempt === 0 && isClosedConnection(e) && !this.closed) {
          this.drop(this.generation);
          continue;
        }
        throw toStorageError(e, what);
      }
    }
  }

  get(key: string): Promise<Uint8Array | undefined> {
    return this.run('read', async (db) => {
      const v: unknown = await db.get(RECORDS, key);
      return v === undefined ? undefined : asBytes(key, v);
    });
  }

  list(prefix: string): Promise<StorageEntry[]> {
    return this.run('list', async (db) => {
      const range = prefixRange(prefix);
      // Keys and values from one transaction, so they describe the same state.
      const tx = db.transaction(RECORDS, 'readonly');
      const [keys, values] = await Promise.all([tx.store.getAllKeys(range), tx.store.getAll(range), tx.done]);
      return keys.map((key, i) => ({ key, value: asBytes(key, values[i]) }));
    });
  }

  keys(prefix: string): Promise<string[]> {
    return this.run('list', (db) => db.getAllKeys(RECORDS, prefixRange(prefix)));
  }

  async batch(ops: readonly StorageOp[]): Promise<void> {
    if (ops.length === 0) return;
    for (const op of ops) {
      if (typeof op.key !== 'string') throw new TypeError('storage keys are strings');
      if (op.type === 'put' && !(op.value instanceof Uint8Array)) throw new TypeError('storage values are Uint8Array');
    }
    return this.run('write', async (db) => {
      // One transaction: all ops commit together or none do. 'strict' waits for the OS flush, which is
      // what lets the SIGKILL test find edits older than a second.
      const tx = db.transaction(RECORDS, 'readwrite', { durability: 'strict' });
      const requests: Promise<unknown>[] = [];
      try {
        for (const op of ops) {
          requests.push(op.type === 'put' ? tx.store.put(exact(op.value), op.key) : tx.store.delete(op.key));
        }
      } catch (e) {
        // A request that throws synchronously (DataCloneError, some quota paths) would otherwise let the
        // transaction auto-commit the ops queued before it: abort so the batch stays all-or-nothing.
        tx.abort();
        await Promise.allSettled([...requests, tx.done]);
        throw e;
      }
      // Awaiting every request too keeps a failed request from surfacing as an unhandled rejection.
      await Promise.all([...requests, tx.done]);
    });
  }

  /** The device key store lives in the same database. */
  deviceKeys(name = 'kek'): IdbDeviceKeyStore {
    return new IdbDeviceKeyStore(this, name);
  }

  /** @internal for IdbDeviceKeyStore */
  runDevice<T>(what: string, fn: (db: Db) => Promise<T>): Promise<T> {
    return this.run(what, fn);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const db = this.db;
    this.db = undefined;
    void db?.then((d) => d.close()).catch(() => undefined);
  }
}

/** The shape shared/src/crypto/kek.ts consumes. */
export interface DeviceKeyStore {
  load(): Promise<CryptoKey | Uint8Array | undefined>;
  save(k: CryptoKey | Uint8Array): Promise<void>;
}

/**
 * Persists the device KEK. A non-extractable CryptoKey is stored as the object itself (IndexedDB can
 * structured-clone CryptoKeys without ever exposing their bytes); raw bytes are a fallback for
 * browsers without crypto.subtle (plain-http LAN addresses).
 */
export class IdbDeviceKeyStore implements DeviceKeyStore {
  constructor(
    private readonly storage: IdbStorage,
    private readonly name = 'kek',
  ) {}

  load(): Promise<CryptoKey | Uint8Array | undefined> {
    return this.storage.runDevice('read device key', async (db) => {
      const v: unknown = await db.get(DEVICE, this.name);
      if (v === undefined) return undefined;
      if (v instanceof Uint8Array) return v;
      if (typeof CryptoKey !== 'undefined' && v instanceof CryptoKey) return v;
      throw new StorageError('io', 'stored device key has an unknown shape');
    });
  }

  save(k: CryptoKey | Uint8Array): Promise<void> {
    return this.storage.runDevice('write device key', async (db) => {
      const tx = db.transaction(DEVICE, 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.put(k instanceof Uint8Array ? exact(k) : k, this.name), tx.done]);
    });
  }

  /** Forgetting the KEK makes every wrapped document key on this device unreadable. */
  clear(): Promise<void> {
    return this.storage.runDevice('delete device key', async (db) => {
      const tx = db.transaction(DEVICE, 'readwrite', { durability: 'strict' });
      await Promise.all([tx.store.delete(this.name), tx.done]);
    });
  }
}
