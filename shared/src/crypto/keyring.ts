import { concat, equalBytes, randomBytes, utf8 } from '../bytes';
import type { Capability, DocSecrets, KeyringError } from '../local/api';
import { err, ok, type Result } from '../result';
import type { Storage, StorageOp } from '../storage/types';
import { KEY_BYTES } from './aead';
import { decodeCapability, deriveDocKeys, encodeCapability, sameCapability } from './capability';
import {
  DEFAULT_SCRYPT,
  KEK_STATE_KEY,
  decodeKekState,
  encodeKekState,
  kekFromState,
  newPassphraseState,
  openDeviceKek,
  type DeviceKeyStore,
  type Kek,
  type KekKind,
  type KekState,
  type ScryptParams,
} from './kek';

/**
 * The local key hierarchy: a KEK (device key, or the passphrase key while the app lock is on) wraps one
 * record per document, `key/<docId>` = docKey ‖ capability. The record's storage key is its associated
 * data, so a record copied under another document's key does not open.
 */
export const KEY_PREFIX = 'key/';
export const keyRecordKey = (docId: string): string => KEY_PREFIX + docId;

export interface KeyringOptions {
  /** scrypt cost for a newly set passphrase (tests pass tiny values) */
  scrypt?: ScryptParams;
  /** null forces the raw-key fallback used on plain-http pages */
  subtle?: SubtleCrypto | null;
}

export type LockState = { readonly lockEnabled: boolean; readonly locked: boolean };

function encodeKeyRecord(docKey: Uint8Array, cap: Capability): Uint8Array {
  return concat(docKey, encodeCapability(cap));
}

export class Keyring {
  private kek: Kek | undefined;
  private state: KekState | undefined;
  /** kek/state exactly as last read or written, to notice another tab changing it */
  private stateBytes: Uint8Array | undefined;
  private stateCorrupt = false;
  /** bumped by lock(), so an operation that finishes after a lock() does not unlock again */
  private lockGen = 0;
  private readonly cache = new Map<string, DocSecrets>();
  private readonly listeners = new Set<(s: LockState) => void>();
  // Serializes operations that re-wrap every record, so two of them never interleave.
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly storage: Storage,
    private readonly deviceKeys: DeviceKeyStore,
    private readonly opts: KeyringOptions,
  ) {}

  static async open(storage: Storage, deviceKeys: DeviceKeyStore, opts: KeyringOptions = {}): Promise<Keyring> {
    const k = new Keyring(storage, deviceKeys, opts);
    await k.adopt(await storage.get(KEK_STATE_KEY));
    return k;
  }

  private async adopt(raw: Uint8Array | undefined): Promise<void> {
    this.cache.clear();
    this.stateBytes = raw?.slice();
    if (raw !== undefined) {
      this.state = decodeKekState(raw);
      // A damaged state keeps the app locked rather than silently falling back to the device key.
      this.stateCorrupt = this.state === undefined;
      this.kek = undefined;
    } else {
      this.state = undefined;
      this.stateCorrupt = false;
      this.kek = await openDeviceKek(this.deviceKeys, this.subtleOpt());
    }
  }

  /**
   * Re-reads kek/state: another tab may have turned the lock on or off or changed the passphrase. If it
   * changed, this keyring follows (locked, or back on the device key) and listeners hear about it. Runs
   * before every write of a key record, so no tab wraps a new record with a KEK that is no longer in use.
   */
  async refresh(): Promise<void> {
    const raw = await this.storage.get(KEK_STATE_KEY);
    const same =
      raw === undefined
        ? this.stateBytes === undefined
        : this.stateBytes !== undefined && equalBytes(raw, this.stateBytes);
    if (same) return;
    await this.adopt(raw);
    this.emit();
  }

  private setState(state: KekState | undefined): void {
    this.state = state;
    this.stateCorrupt = false;
    this.stateBytes = state === undefined ? undefined : encodeKekState(state);
  }

  private subtleOpt(): { subtle?: SubtleCrypto | null } {
    return this.opts.subtle === undefined ? {} : { subtle: this.opts.subtle };
  }

  get lockEnabled(): boolean {
    return this.state !== undefined || this.stateCorrupt;
  }

  get locked(): boolean {
    return this.kek === undefined;
  }

  /** Which KEK is in use: 'device-raw' means no WebCrypto (plain-http page), which the UI should flag. */
  get kekKind(): KekKind | undefined {
    return this.kek?.kind;
  }

  onChange(cb: (s: LockState) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private emit(): void {
    const s = { lockEnabled: this.lockEnabled, locked: this.locked };
    for (const cb of [...this.listeners]) cb(s);
  }

  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.queue.then(f, f);
    this.queue = run.catch(() => undefined);
    return run;
  }

  async unlock(passphrase: string): Promise<Result<void, 'wrong-passphrase'>> {
    await this.refresh();
    if (!this.lockEnabled) return ok(undefined);
    if (!this.state) return err('wrong-passphrase', 'kek/state is corrupt');
    const kek = await kekFromState(this.state, passphrase);
    if (!kek) return err('wrong-passphrase');
    if (this.kek === undefined) {
      this.kek = kek;
      this.emit();
    }
    return ok(undefined);
  }

  /** Forgets every unwrapped key. Without the lock enabled there is nothing to lock: the device key reopens. */
  lock(): void {
    if (!this.lockEnabled) return;
    this.lockGen++;
    this.cache.clear();
    const was = this.kek !== undefined;
    this.kek = undefined;
    if (was) this.emit();
  }

  /** Turns the app lock on: every key record is re-wrapped with scrypt(passphrase) in one batch. */
  enableLock(passphrase: string): Promise<void> {
    return this.serial(async () => {
      await this.refresh();
      if (this.lockEnabled) throw new Error('the app lock is already enabled');
      const from = this.requireKek();
      const { state, kek } = await newPassphraseState(passphrase, this.opts.scrypt ?? DEFAULT_SCRYPT);
      await this.rewrap(from, kek, [{ type: 'put', key: KEK_STATE_KEY, value: encodeKekState(state) }]);
      this.setState(state);
      this.kek = kek;
      this.emit();
    });
  }

  /** Turns the lock off: records go back under the device key, kek/state is deleted, in one batch. */
  disableLock(passphrase: string): Promise<Result<void, 'wrong-passphrase'>> {
    return this.serial(async () => {
      await this.refresh();
      if (!this.state) return err('wrong-passphrase', this.stateCorrupt ? 'kek/state is corrupt' : 'lock not enabled');
      const from = await kekFromState(this.state, passphrase);
      if (!from) return err('wrong-passphrase');
      const device = await openDeviceKek(this.deviceKeys, this.subtleOpt());
      await this.rewrap(from, device, [{ type: 'del', key: KEK_STATE_KEY }]);
      this.setState(undefined);
      this.kek = device;
      this.emit();
      return ok(undefined);
    });
  }

  changePassphrase(oldPassphrase: string, newPassphrase: string): Promise<Result<void, 'wrong-passphrase'>> {
    const gen = this.lockGen;
    return this.serial(async () => {
      await this.refresh();
      if (!this.state) return err('wrong-passphrase', this.stateCorrupt ? 'kek/state is corrupt' : 'lock not enabled');
      const from = await kekFromState(this.state, oldPassphrase);
      if (!from) return err('wrong-passphrase');
      const { state, kek } = await newPassphraseState(newPassphrase, this.opts.scrypt ?? this.state.params);
      await this.rewrap(from, kek, [{ type: 'put', key: KEK_STATE_KEY, value: encodeKekState(state) }]);
      const wasLocked = this.kek === undefined;
      this.setState(state);
      // lock() pressed while we worked wins: stay locked.
      this.kek = gen === this.lockGen ? kek : undefined;
      if (wasLocked !== (this.kek === undefined)) this.emit();
      return ok(undefined);
    });
  }

  /**
   * Re-wraps every key record plus `extra` in ONE batch: a crash leaves either the old KEK with the old
   * records or the new KEK with the new ones. A record that does not unwrap stays as it is (it is
   * unreadable either way, and deleting it is the user's decision, not ours).
   */
  private async rewrap(from: Kek, to: Kek, extra: StorageOp[]): Promise<void> {
    const ops: StorageOp[] = [];
    for (const { key, value } of await this.storage.list(KEY_PREFIX)) {
      const aad = utf8(key);
      const plain = await from.unwrap(value, aad);
      if (plain !== undefined) ops.push({ type: 'put', key, value: await to.wrap(plain, aad) });
    }
    await this.storage.batch([...ops, ...extra]);
  }

  private requireKek(): Kek {
    if (!this.kek) throw new Error('the keyring is locked');
    return this.kek;
  }

  private secretsOf(docKey: Uint8Array, capability: Capability): DocSecrets {
    const keys = deriveDocKeys(capability);
    return { docId: keys.docId, docKey, capability, keys };
  }

  /** The key record ops for a new document, for callers that write it together with other records. */
  async createDocOps(capability: Capability): Promise<{ secrets: DocSecrets; ops: StorageOp[] }> {
    await this.refresh();
    const kek = this.requireKek();
    const secrets = this.secretsOf(randomBytes(KEY_BYTES), capability);
    const key = keyRecordKey(secrets.docId);
    const value = await kek.wrap(encodeKeyRecord(secrets.docKey, capability), utf8(key));
    return { secrets, ops: [{ type: 'put', key, value }] };
  }

  /** Caches secrets whose createDocOps the caller has committed (saves one unwrap on first open). */
  remember(secrets: DocSecrets): void {
    if (!this.locked) this.cache.set(secrets.docId, secrets);
  }

  /** Registers a document with a fresh docKey. Throws while locked (the UI unlocks first). */
  async createDoc(capability: Capability): Promise<DocSecrets> {
    const { secrets, ops } = await this.createDocOps(capability);
    await this.storage.batch(ops);
    this.cache.set(secrets.docId, secrets);
    return secrets;
  }

  /**
   * Adds a document from a link. Already known: returns the stored secrets, upgrading a view record to an
   * edit one when an edit link arrives (same docKey, so the stored content stays readable).
   */
  async addDocKey(capability: Capability): Promise<Result<DocSecrets, KeyringError>> {
    if (this.locked) return err('locked');
    const docId = deriveDocKeys(capability).docId;
    const existing = await this.getDocSecrets(docId);
    if (!existing.ok) {
      if (existing.error !== 'missing') return existing;
      return ok(await this.createDoc(capability));
    }
    const have = existing.value;
    if (have.capability.kind === 'view' && capability.kind === 'edit') {
      await this.refresh();
      const kek = this.requireKek();
      const key = keyRecordKey(docId);
      const value = await kek.wrap(encodeKeyRecord(have.docKey, capability), utf8(key));
      await this.storage.batch([{ type: 'put', key, value }]);
      const upgraded = this.secretsOf(have.docKey, capability);
      this.cache.set(docId, upgraded);
      return ok(upgraded);
    }
    return ok(have);
  }

  /** Cached until lock(). 'corrupt' when the record exists but does not unwrap or parse. */
  getDocSecrets(docId: string): Promise<Result<DocSecrets, KeyringError>> {
    return this.readSecrets(docId, false);
  }

  /**
   * Every document's secrets in one listing (the document list): the key records are read together and
   * unwrapped in parallel instead of one storage round trip per document.
   */
  async getAllDocSecrets(): Promise<Result<Map<string, Result<DocSecrets, KeyringError>>, 'locked'>> {
    if (!this.kek) return err('locked');
    const entries = await this.storage.list(KEY_PREFIX);
    const results = await Promise.all(
      entries.map(async (e) => {
        const docId = e.key.slice(KEY_PREFIX.length);
        return [docId, await this.readSecrets(docId, false, e.value)] as const;
      }),
    );
    if (results.some(([, r]) => !r.ok && r.error === 'locked')) return err('locked');
    return ok(new Map(results));
  }

  private async readSecrets(
    docId: string,
    retried: boolean,
    prefetched?: Uint8Array,
  ): Promise<Result<DocSecrets, KeyringError>> {
    const kek = this.kek;
    if (!kek) return err('locked');
    const cached = this.cache.get(docId);
    if (cached) return ok(cached);
    const key = keyRecordKey(docId);
    const value = prefetched ?? (await this.storage.get(key));
    if (value === undefined) return err('missing');
    const plain = await kek.unwrap(value, utf8(key));
    if (this.kek !== kek) return err('locked'); // locked while we awaited
    if (plain === undefined && !retried) {
      // Perhaps another tab re-wrapped everything under a new KEK: follow it and try once more.
      await this.refresh();
      if (this.kek !== kek) return this.readSecrets(docId, true);
    }
    if (plain === undefined || plain.length < KEY_BYTES) return err('corrupt', 'key record does not unwrap');
    const cap = decodeCapability(plain.subarray(KEY_BYTES));
    if (!cap.ok) return err('corrupt', `capability: ${cap.error}`);
    const secrets = this.secretsOf(plain.slice(0, KEY_BYTES), cap.value);
    if (secrets.docId !== docId) return err('corrupt', 'capability names another document');
    const raced = this.cache.get(docId);
    if (raced && sameCapability(raced.capability, secrets.capability)) return ok(raced);
    this.cache.set(docId, secrets);
    return ok(secrets);
  }

  /** The ops that forget a document's key; the caller batches them with the deletion of its records. */
  deleteKeyOps(docId: string): StorageOp[] {
    return [{ type: 'del', key: keyRecordKey(docId) }];
  }

  /** Drops a cached entry after the caller committed deleteKeyOps. */
  forget(docId: string): void {
    this.cache.delete(docId);
  }

  async listDocIds(): Promise<string[]> {
    return (await this.storage.keys(KEY_PREFIX)).map((k) => k.slice(KEY_PREFIX.length));
  }
}
