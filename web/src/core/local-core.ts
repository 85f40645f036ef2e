/**
 * AppCore on the shared local-first core: IndexedDB storage, the Keyring (device key or app lock),
 * the Library (list and meta records), LocalDoc (encrypted Yjs records) and BlobStore.
 */
import * as Y from 'yjs';
import {
  alwaysLeader,
  blobKey,
  BlobStore,
  BroadcastChannelNotifier,
  err,
  formatFragment,
  Keyring,
  Library,
  LOCAL_DOC_ORIGIN,
  LocalDoc,
  MAX_BLOB_BYTES,
  noNotifier,
  ok,
  parseFragment,
  setDocTitle,
  StorageError,
  viewCapabilityOf,
  WebLocksLeaderElection,
  type ChangeNotifier,
  type DeviceKeyStore,
  type DocSecrets,
  type LeaderElection,
  type Result,
  type StorageErrorCode,
} from '@dure/shared';
import { DB_NAME, IdbStorage } from '../storage/idb';
import { openSyncView, STATUS_CHANNEL, type SyncConfig, type SyncEngine, type SyncView } from '../sync/doc-sync';
import { localPrefs } from '../sync/relay-list';
import { forgetRelayChoices } from '../sync/relays';
import type { AppCore, CoreError, DocEvents, LockControl, OpenedDoc } from './types';

/** The sync engine and where to find the relay; without it every document stays on this device. */
export interface CoreSyncOptions {
  readonly engine: SyncEngine;
  /** read when each document opens, so changed settings apply to documents opened afterwards */
  config(): SyncConfig;
}

/** How long erasing waits for other tabs to let go of the database before saying so. */
const ERASE_BLOCKED_MS = 5000;

/** Turns anything thrown by storage into the error codes the UI explains. */
function storageCode(e: unknown): CoreError {
  if (e instanceof StorageError) return e.code;
  if (e instanceof Error && /locked/i.test(e.message)) return 'locked';
  return 'io';
}

async function attempt<T>(f: () => Promise<Result<T, CoreError>>): Promise<Result<T, CoreError>> {
  try {
    return await f();
  } catch (e) {
    console.error(e);
    return err(storageCode(e));
  }
}

const mapKeyring = (e: string): CoreError => (e === 'locked' || e === 'missing' ? e : 'corrupt');

class Lock implements LockControl {
  private readonly rewrapListeners = new Set<() => void>();
  constructor(private readonly keyring: Keyring) {}
  onRewrap(cb: () => void): () => void {
    this.rewrapListeners.add(cb);
    return () => this.rewrapListeners.delete(cb);
  }
  private rewrapped<T extends Result<void, string>>(r: T): T {
    if (r.ok) this.rewrapListeners.forEach((cb) => cb());
    return r;
  }
  get enabled(): boolean {
    return this.keyring.lockEnabled;
  }
  get locked(): boolean {
    return this.keyring.locked;
  }
  get weakDeviceKey(): boolean {
    return this.keyring.kekKind === 'device-raw';
  }
  unlock(p: string): Promise<Result<void, 'wrong-passphrase'>> {
    return this.keyring.unlock(p);
  }
  lock(): void {
    this.keyring.lock();
  }
  enable(p: string): Promise<Result<void, CoreError>> {
    return attempt(async () => {
      await this.keyring.enableLock(p);
      return this.rewrapped(ok(undefined));
    });
  }
  async disable(p: string): Promise<Result<void, 'wrong-passphrase' | CoreError>> {
    try {
      return this.rewrapped(await this.keyring.disableLock(p));
    } catch (e) {
      return err(storageCode(e));
    }
  }
  async change(a: string, b: string): Promise<Result<void, 'wrong-passphrase' | CoreError>> {
    try {
      return this.rewrapped(await this.keyring.changePassphrase(a, b));
    } catch (e) {
      return err(storageCode(e));
    }
  }
  onChange(cb: () => void): () => void {
    return this.keyring.onChange(() => cb());
  }
}

type Listeners = { [K in keyof DocEvents]: Set<DocEvents[K]> };

class Opened implements OpenedDoc {
  readonly problems;
  private links: { readonly edit?: string; readonly view: string } | undefined;
  private readonly listeners: Listeners = { saved: new Set(), error: new Set(), 'local-change': new Set() };
  private closed = false;

  constructor(
    private readonly core: LocalCore,
    private readonly secrets: DocSecrets,
    private readonly local: LocalDoc,
    readonly ydoc: Y.Doc,
    readonly sync: SyncView,
  ) {
    this.problems = local.problems;
    ydoc.on('updateV2', this.onUpdate);
    // Not removed on close: a document whose last flush failed keeps retrying after its page is gone.
    local.on('saved', () => {
      this.listeners.saved.forEach((cb) => cb());
      core.reportWrite(this.docId, 'saved');
    });
    local.on('error', (e) => {
      this.listeners.error.forEach((cb) => cb(e.code));
      core.reportWrite(this.docId, e.code);
    });
  }

  /**
   * Computed on first use (the share dialog): the view link needs the Ed25519 public key, and the first scalar
   * multiplication in a page costs ≈20 ms of CPU that opening a document does not need (bench profile).
   */
  get fragments(): { readonly edit?: string; readonly view: string } {
    const cap = this.secrets.capability;
    this.links ??= {
      ...(cap.kind === 'edit' ? { edit: formatFragment(cap) } : {}),
      view: formatFragment(viewCapabilityOf(cap)),
    };
    return this.links;
  }

  get docId(): string {
    return this.secrets.docId;
  }
  get kind(): 'edit' | 'view' {
    return this.secrets.keys.kind;
  }

  private readonly onUpdate = (_u: Uint8Array, origin: unknown): void => {
    // Loaded content and other tabs' records arrive with LocalDoc's origin: not an edit of this tab.
    if (origin !== LOCAL_DOC_ORIGIN) this.listeners['local-change'].forEach((cb) => cb());
  };

  on<K extends keyof DocEvents>(event: K, cb: DocEvents[K]): () => void {
    (this.listeners[event] as Set<DocEvents[K]>).add(cb);
    return () => (this.listeners[event] as Set<DocEvents[K]>).delete(cb);
  }

  holdRemote(): () => void {
    const releaseLocal = this.local.holdRemote();
    const releaseSync = this.sync.holdRemote();
    return () => {
      releaseSync();
      releaseLocal();
    };
  }

  async setMeta(meta: { title?: string; updatedAt?: number }): Promise<void> {
    await this.core.setMeta(this.docId, meta);
  }

  async putBlob(bytes: Uint8Array, mime: string): Promise<Result<string, 'too-large' | CoreError>> {
    if (bytes.length > MAX_BLOB_BYTES) return err('too-large');
    try {
      const blobId = await this.core.blobs.put(this.secrets, bytes, mime);
      // Stored here first; collaborators get it once a relay has it (now, or at the next sync).
      this.sync.uploadBlob(blobId);
      return ok(blobId);
    } catch (e) {
      return err(storageCode(e));
    }
  }

  /** From this device, or else from a relay (a collaborator's image): verified before it is shown. */
  async getBlob(blobId: string): Promise<Result<{ bytes: Uint8Array; mime: string }, 'missing' | 'corrupt'>> {
    const here = await this.core.blobs.get(this.secrets, blobId);
    if (here.ok || here.error !== 'missing' || this.closed) return here;
    const sealed = await this.sync.fetchBlob(blobId);
    if (!sealed || this.closed) return here;
    try {
      return await this.core.storeFetchedBlob(this.secrets, blobId, sealed);
    } catch (e) {
      console.error('keeping a fetched image failed', e);
      return here;
    }
  }

  flush(): Promise<void> {
    return this.local.flush();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ydoc.off('updateV2', this.onUpdate);
    // The session first: its last batch goes to its outbox while the Y.Doc is still alive.
    await this.sync.close().catch((e: unknown) => console.error('closing the sync session failed', e));
    try {
      await this.local.close();
      this.ydoc.destroy();
    } catch (e) {
      // The flush failed (disk full): LocalDoc stays attached and keeps retrying, so nothing typed is
      // lost; once a retry has saved everything, close for real.
      console.error('closing the document failed; edits stay in memory and are retried', e);
      const off = this.local.on('saved', () => {
        off();
        void this.local
          .close()
          .then(() => this.ydoc.destroy())
          .catch((err: unknown) => console.error('closing the document failed again', err));
      });
    }
  }
}

export class LocalCore implements AppCore {
  readonly lock: LockControl;
  readonly blobs: BlobStore;
  private readonly library: Library;
  private readonly leader: LeaderElection;
  private readonly notifier: ChangeNotifier;

  private constructor(
    private readonly storage: IdbStorage,
    private readonly keyring: Keyring,
    private readonly syncOptions: CoreSyncOptions | undefined,
  ) {
    this.lock = new Lock(keyring);
    this.library = new Library(storage, keyring);
    this.blobs = new BlobStore(storage);
    // Web Locks and BroadcastChannel need a secure context; on a plain-http LAN page each tab leads
    // (safe: a compaction deletes only the records it read) and tabs learn of edits on reopen.
    this.leader =
      typeof navigator !== 'undefined' && navigator.locks ? new WebLocksLeaderElection(navigator.locks) : alwaysLeader;
    this.notifier = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannelNotifier() : noNotifier;
  }

  /** Rejects with StorageError('unavailable') when the browser gives no IndexedDB. */
  /** `deviceKeys`: where the device KEK lives when not in IndexedDB (the desktop shell's safeStorage). */
  static async open(
    opts: { onVersionChange?: () => void; sync?: CoreSyncOptions; deviceKeys?: DeviceKeyStore } = {},
  ): Promise<LocalCore> {
    const storage = await IdbStorage.open({ onVersionChange: opts.onVersionChange });
    const keyring = await Keyring.open(storage, opts.deviceKeys ?? storage.deviceKeys());
    return new LocalCore(storage, keyring, opts.sync);
  }

  private readonly failing = new Map<string, StorageErrorCode>();
  private readonly writeListeners = new Set<(state: 'saved' | StorageErrorCode) => void>();

  onWriteState(cb: (state: 'saved' | StorageErrorCode) => void): () => void {
    this.writeListeners.add(cb);
    return () => this.writeListeners.delete(cb);
  }

  /** @internal from Opened: tracks which documents' writes fail, and says 'saved' once none does. */
  reportWrite(docId: string, state: 'saved' | StorageErrorCode): void {
    if (state === 'saved') this.failing.delete(docId);
    else this.failing.set(docId, state);
    const now = this.failing.size === 0 ? 'saved' : [...this.failing.values()][0]!;
    this.writeListeners.forEach((cb) => cb(now));
  }

  /** Lets go of storage and cross-tab channels (tests; the app itself lives as long as the page). */
  close(): void {
    (this.notifier as { close?: () => void }).close?.();
    this.storage.close();
  }

  async eraseDevice(): Promise<Result<void, 'blocked' | 'io'>> {
    this.keyring.lock();
    this.close();
    return new Promise((resolve) => {
      const req = indexedDB.deleteDatabase(DB_NAME);
      // Another tab still holds a connection; it closes on the erase notice, or the user closes it.
      const blocked = setTimeout(() => resolve(err('blocked')), ERASE_BLOCKED_MS);
      req.onsuccess = () => {
        clearTimeout(blocked);
        resolve(ok(undefined));
      };
      req.onerror = () => {
        clearTimeout(blocked);
        resolve(err('io'));
      };
    });
  }

  listDocs(): ReturnType<AppCore['listDocs']> {
    return attempt(async () => {
      const r = await this.library.list();
      return r.ok ? ok(r.value) : err(r.error);
    });
  }

  createDoc(): Promise<Result<string, CoreError>> {
    return attempt(async () => {
      if (this.keyring.locked) return err('locked');
      return ok((await this.library.create('')).docId);
    });
  }

  async addFromFragment(fragment: string): Promise<Result<string, 'malformed' | 'unsupported-version' | CoreError>> {
    const cap = parseFragment(fragment);
    if (!cap.ok) return err(cap.error);
    return attempt(async () => {
      const r = await this.library.addFromCapability(cap.value);
      return r.ok ? ok(r.value.docId) : err(mapKeyring(r.error));
    });
  }

  /**
   * `sync: false` opens without a session (renaming from the list): the engine seals changes it did
   * not see the next time a session starts on the document.
   */
  openDoc(docId: string, opts: { sync?: boolean } = {}): Promise<Result<OpenedDoc, CoreError>> {
    return attempt(async () => {
      const s = await this.keyring.getDocSecrets(docId);
      if (!s.ok) return err(mapKeyring(s.error));
      // A factory, not a Y.Doc: LocalDoc may then apply its own authenticated records without decoding
      // them first (it starts over in a new Y.Doc if one does not apply), and destroys it on failure.
      const local = await LocalDoc.open(this.storage, s.value, () => new Y.Doc(), {
        leader: this.leader,
        notifier: this.notifier,
      });
      if (!local.ok) return err(local.error);
      const sync = openSyncView({
        docId,
        ydoc: local.value.ydoc,
        keys: s.value.keys,
        docKey: s.value.docKey,
        storage: this.storage,
        durable: () => local.value.flush(),
        engine: opts.sync === false ? undefined : this.syncOptions?.engine,
        config: this.syncOptions?.config() ?? { url: undefined, user: { name: '', color: '#455a64' } },
        ...(typeof navigator !== 'undefined' && navigator.locks ? { locks: navigator.locks } : {}),
        ...(typeof BroadcastChannel !== 'undefined' ? { channel: () => new BroadcastChannel(STATUS_CHANNEL) } : {}),
      });
      return ok(new Opened(this, s.value, local.value, local.value.ydoc, sync));
    });
  }

  /**
   * @internal from Opened: a sealed blob record from a relay, stored as it came (the same record
   * BlobStore writes, keyed by the read secret). It is kept only if it opens and its bytes match
   * their id, so a relay cannot plant a different image.
   */
  async storeFetchedBlob(
    secrets: DocSecrets,
    blobId: string,
    sealed: Uint8Array,
  ): Promise<Result<{ bytes: Uint8Array; mime: string }, 'missing' | 'corrupt'>> {
    const key = blobKey(secrets.docId, blobId);
    await this.storage.batch([{ type: 'put', key, value: sealed }]);
    const r = await this.blobs.get(secrets, blobId);
    if (!r.ok) await this.storage.batch([{ type: 'del', key }]);
    return r;
  }

  /** Writes only what changed; a title-only change keeps the document's "last edited" time. */
  async setMeta(docId: string, patch: { title?: string; updatedAt?: number }): Promise<void> {
    const old = await this.library.getMeta(docId);
    if (old.ok) {
      const sameTitle = patch.title === undefined || patch.title === old.value.title;
      if (sameTitle && patch.updatedAt === undefined) return;
      await this.library.setMeta(docId, { ...patch, updatedAt: patch.updatedAt ?? old.value.updatedAt });
    } else await this.library.setMeta(docId, patch);
  }

  renameDoc(docId: string, title: string): Promise<Result<void, CoreError>> {
    return attempt(async () => {
      const opened = await this.openDoc(docId, { sync: false });
      if (!opened.ok) return opened;
      try {
        setDocTitle(opened.value.ydoc, title);
        await opened.value.flush();
      } finally {
        await opened.value.close();
      }
      await this.setMeta(docId, { title, updatedAt: Date.now() });
      return ok(undefined);
    });
  }

  deleteDoc(docId: string): Promise<Result<void, CoreError>> {
    return attempt(async () => {
      if (this.keyring.locked) return err('locked');
      await this.library.delete(docId);
      // Which relays this device chose for it names the document: gone with it.
      forgetRelayChoices(docId, localPrefs());
      return ok(undefined);
    });
  }
}
