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
import { type DBSchema, type IDBPDatabase } from 'idb';
import { StorageError, type Storage, type StorageEntry, type StorageOp } from '@dure/shared';
export declare const DB_NAME = 'dure';
/** Bump with a new `if (oldVersion < N)` step in `upgrade`; never edit an existing step. */
export declare const DB_VERSION = 1;
export declare const RECORDS = 'records';
export declare const DEVICE = 'device';
interface DureDB extends DBSchema {
  records: {
    key: string;
    value: Uint8Array;
  };
  device: {
    key: string;
    value: CryptoKey | Uint8Array;
  };
}
type Db = IDBPDatabase<DureDB>;
/** Maps whatever IndexedDB threw to the three codes callers can act on. */
export declare function toStorageError(e: unknown, what: string): StorageError;
/**
 * The range of every string key that starts with `prefix`: [prefix, successor) where the successor
 * increments the last code unit that is not \uffff. A closed upper bound of prefix + '\uffff' would miss
 * keys such as prefix + '\uffff\uffff'.
 */
export declare function prefixRange(prefix: string): IDBKeyRange;
export interface IdbStorageOptions {
  /** Database name; tests use their own so they never touch the app's data. */
  readonly name?: string;
  /** Called when another tab upgrades the database and this connection had to close. */
  readonly onVersionChange?: () => void;
}
export declare class IdbStorage implements Storage {
  readonly name: string;
  private db;
  private generation;
  private closed;
  private readonly onVersionChange;
  private constructor();
  /**
   * Opens (creating or upgrading) the database. Rejects with StorageError('unavailable') when the
   * browser gives no IndexedDB (some private modes), refuses to open it, or an older tab blocks the upgrade.
   */
  static open(opts?: IdbStorageOptions): Promise<IdbStorage>;
  private connection;
  /** Forgets connection `gen` (if still current) so the next call opens a fresh one. */
  private drop;
  private connect;
  /** Runs fn on a live connection; reopens once if the browser closed the connection underneath. */
  private run;
  get(key: string): Promise<Uint8Array | undefined>;
  list(prefix: string): Promise<StorageEntry[]>;
  keys(prefix: string): Promise<string[]>;
  batch(ops: readonly StorageOp[]): Promise<void>;
  /** The device key store lives in the same database. */
  deviceKeys(name?: string): IdbDeviceKeyStore;
  /** @internal for IdbDeviceKeyStore */
  runDevice<T>(what: string, fn: (db: Db) => Promise<T>): Promise<T>;
  close(): void;
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
export declare class IdbDeviceKeyStore implements DeviceKeyStore {
  private readonly storage;
  private readonly name;
  constructor(storage: IdbStorage, name?: string);
  load(): Promise<CryptoKey | Uint8Array | undefined>;
  save(k: CryptoKey | Uint8Array): Promise<void>;
  /** Forgetting the KEK makes every wrapped document key on this device unreadable. */
  clear(): Promise<void>;
}
export {};
