import * as Y from 'yjs';
import { randomBytes, toB64url } from '../bytes';
import { err, ok, type Result } from '../result';
import { StorageError, type Storage, type StorageOp } from '../storage/types';
import type {
  ChangeNotifier,
  DocSecrets,
  KeyringError,
  LeaderElection,
  LoadProblem,
  LocalDocEvents,
  OpenDocResult,
} from './api';
import { alwaysLeader, noNotifier } from './coordination';
import {
  checkUpdate,
  docPrefix,
  isSnapshotKey,
  openRecord,
  openUpdateRecord,
  quarantineKey,
  sealUpdateRecord,
  snapshotKey,
  updateKey,
} from './records';

/**
 * LocalDoc keeps one Y.Doc durable in a Storage, encrypted: the replacement for y-indexeddb, which
 * appends the whole document on every load and trims only after 500 updates (FEATURES.md P5).
 *
 *  - local updates are coalesced for `coalesceMs` and written as ONE new record per batch; records are
 *    never overwritten, and a failed write keeps the update in memory and retries;
 *  - the leader (one tab per document) folds update records into a snapshot, deleting in the same batch
 *    exactly the records it read, so records another tab wrote meanwhile survive;
 *  - a record that does not open or decode is moved to quarantine/, reported, and never dropped.
 */

/** Origin of every transaction LocalDoc applies: not tracked by the editor's undo manager, not re-written. */
export const LOCAL_DOC_ORIGIN: unique symbol = Symbol('dure.localdoc');

export interface LocalDocOptions {
  /** how long local updates are gathered into one record (durability: keep well under 1 s) */
  coalesceMs?: number;
  /** compact once more update records than this exist since the last snapshot */
  maxRecords?: number;
  /** ... or once their bytes exceed this */
  maxUpdateBytes?: number;
  leader?: LeaderElection;
  notifier?: ChangeNotifier;
  /** first retry delay after a failed write; doubles up to maxRetryMs */
  retryMs?: number;
  maxRetryMs?: number;
  /**
   * Runs automatic compaction when the page is idle (default: requestIdleCallback where it exists,
   * else at once), so folding a large document does not land inside opening it or a burst of typing.
   */
  idle?: (run: () => void) => void;
}

export interface LocalDocStats {
  readonly records: number;
  readonly bytes: number;
}

export interface LocalDocEventMap extends LocalDocEvents {
  /** a record read after open (another tab's, or during compaction) was quarantined */
  problem: (p: LoadProblem) => void;
}

type Listeners = { [K in keyof LocalDocEventMap]: Set<LocalDocEventMap[K]> };

/**
 * What LocalDoc loads into: a Y.Doc the caller made (every record is decoded before it is applied), or a
 * factory of fresh, unobserved Y.Docs, which lets the load apply authenticated local records without
 * decoding them first and start over in a new Y.Doc if one does not apply (STORAGE.md, "Why local records
 * skip the pre-decode"). With a factory, read the document from `localDoc.ydoc` once open resolves.
 */
export type LocalDocTarget = Y.Doc | (() => Y.Doc);

type Opened = { key: string; update: Uint8Array; size: number };

const toStorageError = (e: unknown): StorageError =>
  e instanceof StorageError ? e : new StorageError('io', e instanceof Error ? e.message : String(e), { cause: e });

const newId = (): string => toB64url(randomBytes(12));

function defaultIdle(run: () => void): void {
  const ric = (globalThis as { requestIdleCallback?: (cb: () => void, o?: { timeout: number }) => number })
    .requestIdleCallback;
  if (typeof ric === 'function') ric(run, { timeout: 1000 });
  else run();
}

/** Known record keys kept in memory before checking which still exist. */
const PRUNE_AT = 1024;

export class LocalDoc {
  readonly docId: string;
  /** random per instance, so two tabs never write the same record key */
  readonly deviceId = newId();
  readonly problems: LoadProblem[] = [];

  private readonly prefix: string;
  private readonly coalesceMs: number;
  private readonly maxRecords: number;
  private readonly maxUpdateBytes: number;
  private readonly retryMs: number;
  private readonly maxRetryMs: number;
  private readonly leaderElection: LeaderElection;
  private readonly notifier: ChangeNotifier;
  private readonly idle: (run: () => void) => void;
  /** set while an automatic compaction waits for idle time and has not started */
  private compactionDeferred = false;

  private seq = 0;
  private pending: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private retryDelay = 0;
  private writing: Promise<void> | undefined;
  private compacting: Promise<boolean> | undefined;
  private reading: Promise<void> = Promise.resolve();
  /** record keys whose content this Y.Doc already holds (applied, written, or produced by compaction) */
  private readonly applied = new Set<string>();
  /** update records known to exist since the last snapshot, with their sizes */
  private readonly unsnapshotted = new Map<string, number>();
  /** open holdRemote() holds, and other tabs' records read meanwhile (applied on the last release) */
  private holds = 0;
  private held: Opened[] = [];
  private pruneAt = PRUNE_AT;
  private pruning: Promise<void> | undefined;
  private leader = false;
  private leadership: { release(): void } | undefined;
  private unsubscribe: (() => void) | undefined;
  private state: 'new' | 'open' | 'closing' | 'closed' = 'new';
  private readonly listeners: Listeners = { error: new Set(), saved: new Set(), problem: new Set() };
  /** set when LocalDoc made the Y.Doc (and may replace it while loading) */
  private readonly createDoc: (() => Y.Doc) | undefined;
  private doc: Y.Doc;

  /** The document. Final once load() has resolved (a fast load may start over in a new Y.Doc). */
  get ydoc(): Y.Doc {
    return this.doc;
  }

  constructor(
    private readonly storage: Storage,
    private readonly secrets: DocSecrets,
    target: LocalDocTarget,
    opts: LocalDocOptions = {},
  ) {
    this.createDoc = typeof target === 'function' ? target : undefined;
    this.doc = typeof target === 'function' ? target() : target;
    this.docId = secrets.docId;
    this.prefix = docPrefix(secrets.docId);
    this.coalesceMs = opts.coalesceMs ?? 100;
    this.maxRecords = opts.maxRecords ?? 32;
    this.maxUpdateBytes = opts.maxUpdateBytes ?? 1 << 20;
    this.retryMs = opts.retryMs ?? 250;
    this.maxRetryMs = opts.maxRetryMs ?? 5000;
    this.leaderElection = opts.leader ?? alwaysLeader;
    this.notifier = opts.notifier ?? noNotifier;
    this.idle = opts.idle ?? defaultIdle;
  }

  /** Opens a document: load every record, then follow local edits and other tabs' notices. */
  static async open(
    storage: Storage,
    secrets: DocSecrets,
    target: LocalDocTarget,
    opts: LocalDocOptions = {},
  ): Promise<Result<LocalDoc, 'unavailable'>> {
    const doc = new LocalDoc(storage, secrets, target, opts);
    const r = await doc.load();
    return r.ok ? ok(doc) : (r as Result<never, 'unavailable'>);
  }

  on<K extends keyof LocalDocEventMap>(event: K, cb: LocalDocEventMap[K]): () => void {
    (this.listeners[event] as Set<LocalDocEventMap[K]>).add(cb);
    return () => (this.listeners[event] as Set<LocalDocEventMap[K]>).delete(cb);
  }

  private emit<K extends keyof LocalDocEventMap>(event: K, ...args: Parameters<LocalDocEventMap[K]>): void {
    for (const cb of [...this.listeners[event]]) {
      try {
        (cb as (...a: unknown[]) => void)(...args);
      } catch (e) {
        // A throwing listener must not stop persistence; surface it asynchronously.
        setTimeout(() => {
          throw e;
        });
      }
    }
  }

  get isLeader(): boolean {
    return this.leader;
  }

  /** Local edits not yet committed to storage (0 once 'saved' fired). */
  get pendingUpdates(): number {
    return this.pending.length;
  }

  /**
   * Reads every record of the document, quarantines the ones that fail (one batch) and applies the rest
   * in one transaction. Into a given Y.Doc every record is decoded before any is applied; into one
   * LocalDoc made, records are applied as soon as they authenticate, and if that throws the load starts
   * over, decoding first, in a new Y.Doc. Resolves with the problems found.
   */
  async load(): Promise<OpenDocResult> {
    if (this.state !== 'new') throw new Error('LocalDoc.load() runs once');
    this.state = 'open';
    // Content put into the Y.Doc before it was attached is also the user's: keep it.
    if (this.doc.store.clients.size > 0) this.pending.push(Y.encodeStateAsUpdateV2(this.doc));
    this.doc.on('updateV2', this.onUpdate);
    // Listen before listing: a record another tab commits after our list is announced, not missed.
    // Notices wait behind the load (this.reading) and skip what the load applied.
    let loaded: () => void = () => {};
    this.reading = new Promise<void>((resolve) => (loaded = resolve));
    this.unsubscribe = this.notifier.subscribe(this.onNotice);
    try {
      const entries = await this.storage.list(this.prefix);
      if (this.createDoc) {
        await this.loadFast(entries, this.createDoc);
      } else {
        const good = await this.readRecords(entries, 'load');
        this.quietly(() => this.applyUpdates(good, 'load'));
      }
    } catch (e) {
      this.detach();
      this.state = 'closed';
      if (this.createDoc) this.doc.destroy();
      return { ok: false, error: 'unavailable', detail: toStorageError(e).message };
    } finally {
      loaded();
    }
    this.leadership = this.leaderElection.acquire(`doc/${this.docId}`, () => {
      if (this.state !== 'open') return;
      this.leader = true;
      this.maybeCompact(true);
    });
    if (this.pending.length > 0) this.schedule();
    return ok({ problems: [...this.problems] });
  }

  /**
   * The load into a Y.Doc that LocalDoc made and nobody has seen yet: apply every record that
   * authenticates, without the separate full decode; if Yjs throws, throw that Y.Doc away and load again
   * into a new one, decoding each record first and quarantining the ones that do not decode.
   */
  private async loadFast(
    entries: readonly { key: string; value: Uint8Array }[],
    createDoc: () => Y.Doc,
  ): Promise<void> {
    const good: (Opened & { value: Uint8Array })[] = [];
    const bad: { key: string; value: Uint8Array; reason: LoadProblem['reason'] }[] = [];
    for (const { key, value } of entries) {
      if (!key.startsWith(this.prefix)) continue;
      const r = openRecord(this.secrets.docKey, key, value);
      if (r.ok) good.push({ key, update: r.value, size: value.length, value });
      else bad.push({ key, value, reason: r.error });
    }
    if (bad.length > 0) await this.quarantine(bad, 'load');
    if (good.length === 0) return;
    try {
      this.quietly(() =>
        this.doc.transact(() => {
          for (const g of good) Y.applyUpdateV2(this.doc, g.update, LOCAL_DOC_ORIGIN);
        }, LOCAL_DOC_ORIGIN),
      );
      for (const g of good) this.noteRecord(g.key, g.size);
      return;
    } catch {
      // A record sealed with this document's key that Yjs cannot apply (a bug in the build that wrote it).
      // This Y.Doc may hold part of it; it was never shown, so it goes, and the careful load starts clean.
      this.doc.off('updateV2', this.onUpdate);
      this.doc.destroy();
      this.doc = createDoc();
      this.doc.on('updateV2', this.onUpdate);
    }
    const decoded: Opened[] = [];
    const undecodable: typeof bad = [];
    for (const g of good) {
      const c = checkUpdate(g.update);
      if (c.ok) decoded.push(g);
      else undecodable.push({ key: g.key, value: g.value, reason: 'decode' });
    }
    if (undecodable.length > 0) await this.quarantine(undecodable, 'load');
    this.quietly(() => this.applyUpdates(decoded, 'load'));
  }

  /**
   * Runs a load's apply without the 'updateV2' listener. While anyone listens, Yjs encodes every
   * transaction's update; for a whole loaded document that costs about as much as applying it, only
   * for onUpdate to drop it (LOCAL_DOC_ORIGIN). A change someone else makes meanwhile (an observer
   * reacting to the loaded content) is still kept.
   */
  private quietly(apply: () => void): void {
    const doc = this.doc;
    const watch = (tr: Y.Transaction): void => {
      if (tr.origin === LOCAL_DOC_ORIGIN) return;
      const changed = tr.deleteSet.clients.size > 0 || [...tr.afterState].some(([c, n]) => tr.beforeState.get(c) !== n);
      if (changed) this.pending.push(Y.encodeStateAsUpdateV2(doc, Y.encodeStateVector(tr.beforeState)));
    };
    doc.off('updateV2', this.onUpdate);
    doc.on('afterTransaction', watch);
    try {
      apply();
    } finally {
      doc.off('afterTransaction', watch);
      doc.on('updateV2', this.onUpdate);
    }
  }

  /**
   * Opens records; the ones that fail move to quarantine (one batch) and are reported. Returns the good
   * updates with their keys. Records this doc already holds are skipped.
   */
  private async readRecords(
    entries: readonly { key: string; value: Uint8Array }[],
    phase: 'load' | 'later',
  ): Promise<Opened[]> {
    const good: Opened[] = [];
    const bad: { key: string; value: Uint8Array; reason: LoadProblem['reason'] }[] = [];
    for (const { key, value } of entries) {
      if (this.applied.has(key) || !key.startsWith(this.prefix)) continue;
      const r = openUpdateRecord(this.secrets.docKey, key, value);
      if (r.ok) good.push({ key, update: r.value, size: value.length });
      else bad.push({ key, value, reason: r.error });
    }
    if (bad.length > 0) await this.quarantine(bad, phase);
    return good;
  }

  private async quarantine(
    bad: readonly { key: string; value: Uint8Array; reason: LoadProblem['reason'] }[],
    phase: 'load' | 'later',
  ): Promise<void> {
    const ops: StorageOp[] = [];
    for (const b of bad) {
      ops.push({ type: 'put', key: quarantineKey(this.docId, b.key), value: b.value });
      ops.push({ type: 'del', key: b.key });
    }
    // If the move itself fails the records stay where they are: reported, skipped, never lost.
    await this.storage.batch(ops).catch((e: unknown) => this.emit('error', toStorageError(e)));
    for (const b of bad) {
      this.unsnapshotted.delete(b.key);
      this.report({ key: b.key, reason: b.reason }, phase);
    }
  }

  /** Once per record: one that could not be moved aside is met again by every later read. */
  private report(p: LoadProblem, phase: 'load' | 'later'): void {
    if (this.problems.some((q) => q.key === p.key)) return;
    this.problems.push(p);
    if (phase === 'later') this.emit('problem', p);
  }

  private noteRecord(key: string, size: number): void {
    this.applied.add(key);
    if (!isSnapshotKey(this.docId, key)) this.unsnapshotted.set(key, size);
    if (this.applied.size > this.pruneAt && !this.pruning) this.pruning = this.prune();
  }

  /**
   * A tab that never leads never compacts, so its memory of record keys would grow for as long as people
   * type. Forgetting keys that are gone from storage is always safe: at worst a record is read twice.
   */
  private async prune(): Promise<void> {
    try {
      const present = new Set(await this.storage.keys(this.prefix));
      for (const k of [...this.applied]) if (!present.has(k)) this.applied.delete(k);
      for (const k of [...this.unsnapshotted.keys()]) if (!present.has(k)) this.unsnapshotted.delete(k);
    } catch {
      // Storage trouble is reported by the writes; pruning can wait for the next record.
    } finally {
      this.pruneAt = Math.max(PRUNE_AT, 2 * this.applied.size);
      this.pruning = undefined;
    }
  }

  /**
   * Holds back other tabs' records (read and authenticated, not applied to the Y.Doc) until every
   * returned release has been called; then they are applied in one transaction. The editor holds while
   * an IME composition is open (shared/src/editor/README.md, "Remote updates and an open composition").
   * A held record is not marked applied, so compaction neither folds nor deletes it meanwhile.
   */
  holdRemote(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds > 0 || this.held.length === 0) return;
      const queued = this.held;
      this.held = [];
      if (this.state === 'closed') return; // still in storage: the next open reads them
      this.applyUpdates(queued, 'later');
      this.maybeCompact(false);
    };
  }

  private applyUpdates(good: readonly Opened[], phase: 'load' | 'later'): void {
    if (good.length === 0) return;
    if (phase === 'later' && this.holds > 0) {
      for (const g of good) if (!this.held.some((h) => h.key === g.key)) this.held.push(g);
      return;
    }
    try {
      // One transaction (one 'update' event, one editor re-render) without mergeUpdatesV2, which would
      // re-encode a large snapshot just to join it with a few small updates.
      this.doc.transact(() => {
        for (const g of good) Y.applyUpdateV2(this.doc, g.update, LOCAL_DOC_ORIGIN);
      }, LOCAL_DOC_ORIGIN);
      for (const g of good) this.noteRecord(g.key, g.size);
    } catch {
      // Every record decoded on its own, so this is a Yjs-level conflict between them: find the culprit
      // one at a time and leave it out (it is still stored; a later version may read it).
      for (const g of good) {
        try {
          Y.applyUpdateV2(this.doc, g.update, LOCAL_DOC_ORIGIN);
          this.noteRecord(g.key, g.size);
        } catch {
          this.report({ key: g.key, reason: 'apply' }, phase);
        }
      }
    }
  }

  private readonly onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === LOCAL_DOC_ORIGIN || this.state === 'closed') return;
    this.pending.push(update);
    this.schedule();
  };

  /** Coalesce from the FIRST pending update (not a debounce), so steady typing still commits every coalesceMs. */
  private schedule(delay = this.coalesceMs): void {
    if (this.timer !== undefined || this.writing !== undefined || this.state === 'closed') return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush().catch(() => undefined);
    }, delay);
  }

  /** One record for everything pending now. Never reuses a key, even after a failure of unknown outcome. */
  private async writeOnce(): Promise<void> {
    const n = this.pending.length;
    if (n === 0) return;
    const update = n === 1 ? this.pending[0]! : Y.mergeUpdatesV2(this.pending.slice(0, n));
    // Keep the merge: a retry need not redo it.
    this.pending.splice(0, n, update);
    const key = updateKey(this.docId, this.deviceId, this.seq++);
    const value = sealUpdateRecord(this.secrets.docKey, key, update);
    await this.storage.batch([{ type: 'put', key, value }]);
    this.pending.splice(0, 1);
    this.noteRecord(key, value.length);
    this.notifier.announce(this.docId, [key]);
  }

  /**
   * Commits every pending local update. Rejects with the StorageError if a write fails; the updates stay
   * pending and a retry is scheduled with backoff.
   */
  async flush(): Promise<void> {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.pending.length === 0) return;
    const run = (async () => {
      while (this.pending.length > 0) await this.writeOnce();
    })();
    this.writing = run;
    try {
      await run;
    } catch (e) {
      const se = toStorageError(e);
      this.retryDelay = Math.min(this.maxRetryMs, this.retryDelay === 0 ? this.retryMs : this.retryDelay * 2);
      this.writing = undefined;
      this.emit('error', se);
      this.schedule(this.retryDelay);
      throw se;
    }
    this.writing = undefined;
    this.retryDelay = 0;
    if (this.pending.length > 0) {
      this.schedule();
    } else {
      this.emit('saved');
      this.maybeCompact(false);
    }
  }

  private needsCompaction(): boolean {
    if (this.unsnapshotted.size > this.maxRecords) return true;
    let bytes = 0;
    for (const b of this.unsnapshotted.values()) bytes += b;
    return bytes > this.maxUpdateBytes;
  }

  private maybeCompact(onOpen: boolean): void {
    if (!this.leader || this.state !== 'open' || this.compacting) return;
    if (!(onOpen ? this.applied.size > 1 : this.needsCompaction())) return;
    this.compactionDeferred = true;
    this.compacting = new Promise<boolean>((resolve, reject) => {
      this.idle(() => {
        this.compactionDeferred = false;
        this.compacting = undefined;
        this.compact().then(resolve, reject);
      });
    });
    this.compacting.catch((e: unknown) => this.emit('error', toStorageError(e)));
  }

  /**
   * Folds every record of the document into one snapshot (leader only; returns false otherwise). Reads
   * the records, applies any this Y.Doc lacks, then in ONE batch writes the snapshot and deletes exactly
   * the records it read.
   */
  compact(): Promise<boolean> {
    if (!this.leader || this.state === 'closed') return Promise.resolve(false);
    if (this.compacting) return this.compacting;
    const run = (async (): Promise<boolean> => {
      try {
        await this.reading;
        // Our own in-flight write would otherwise land between list and bookkeeping.
        while (this.writing) await this.writing.catch(() => undefined);
        const entries = await this.storage.list(this.prefix);
        // Forget records that are gone (another leader compacted them) so the counts stay true.
        const present = new Set(entries.map((e) => e.key));
        for (const k of [...this.unsnapshotted.keys()]) if (!present.has(k)) this.unsnapshotted.delete(k);
        for (const k of [...this.applied]) if (!present.has(k)) this.applied.delete(k);
        const fresh = await this.readRecords(entries, 'later');
        this.applyUpdates(fresh, 'later');
        // Only keys whose content the Y.Doc now holds; a record that failed stays for the user to inspect.
        const read = entries.map((e) => e.key).filter((k) => this.applied.has(k));
        if (read.length === 0) return false;
        const key = snapshotKey(this.docId, newId());
        const value = sealUpdateRecord(this.secrets.docKey, key, Y.encodeStateAsUpdateV2(this.doc));
        await this.storage.batch([{ type: 'put', key, value }, ...read.map((k) => ({ type: 'del' as const, key: k }))]);
        for (const k of read) {
          this.applied.delete(k);
          this.unsnapshotted.delete(k);
        }
        this.applied.add(key);
        this.notifier.announce(this.docId, [key]);
        return true;
      } finally {
        this.compacting = undefined;
      }
    })();
    this.compacting = run;
    return run;
  }

  private readonly onNotice = (docId: string, keys: readonly string[]): void => {
    if (docId !== this.docId || this.state === 'closed') return;
    const wanted = keys.filter((k) => k.startsWith(this.prefix) && !this.applied.has(k));
    if (wanted.length === 0) return;
    // One read at a time keeps "skip what is applied" accurate.
    this.reading = this.reading
      .then(() => this.readKeys(wanted))
      .catch((e: unknown) => this.emit('error', toStorageError(e)));
  };

  private async readKeys(keys: readonly string[]): Promise<void> {
    const entries: { key: string; value: Uint8Array }[] = [];
    for (const key of keys) {
      if (this.applied.has(key)) continue;
      // Gone means another tab compacted it: its content is in a snapshot we will hear about.
      const value = await this.storage.get(key);
      if (value !== undefined) entries.push({ key, value });
    }
    if (this.state === 'closed') return;
    this.applyUpdates(await this.readRecords(entries, 'later'), 'later');
    this.maybeCompact(false);
  }

  /**
   * Resolves once no write, compaction or notice read is in flight (pending edits waiting for their
   * coalescing timer are not waited for: call flush() for those). For tests and benchmarks.
   */
  async whenIdle(): Promise<void> {
    for (let i = 0; i < 1000; i++) {
      const reading = this.reading;
      await Promise.all([this.writing?.catch(() => undefined), this.compacting?.catch(() => undefined), reading]);
      if (!this.writing && !this.compacting && this.reading === reading) return;
    }
  }

  /** Current stored size of this document (all its records), read from storage. */
  async stats(): Promise<LocalDocStats> {
    const entries = await this.storage.list(this.prefix);
    let bytes = 0;
    for (const e of entries) bytes += e.value.length;
    return { records: entries.length, bytes };
  }

  private detach(): void {
    this.doc.off('updateV2', this.onUpdate);
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.leadership?.release();
    this.leadership = undefined;
    this.leader = false;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Flushes, then stops following the Y.Doc. If the flush fails the doc stays open (and retrying), so
   * nothing typed is dropped; the caller may try close() again.
   */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    if (this.state === 'new') {
      this.state = 'closed';
      return;
    }
    await this.flush();
    // A compaction still waiting for idle time finds the doc closed and does nothing.
    if (!this.compactionDeferred) await this.compacting?.catch(() => undefined);
    await this.reading;
    // Edits may have arrived while compaction or a read finished.
    await this.flush();
    this.state = 'closed';
    this.detach();
  }
}

/**
 * Keyring + LocalDoc in one step, with the errors of api.ts OpenDocResult. On success the Y.Doc holds
 * the stored content and `problems` lists records moved to quarantine.
 */
export async function openLocalDoc(
  keyring: { getDocSecrets(docId: string): Promise<Result<DocSecrets, KeyringError>> },
  storage: Storage,
  docId: string,
  target: LocalDocTarget,
  opts: LocalDocOptions = {},
): Promise<
  Result<{ doc: LocalDoc; problems: readonly LoadProblem[] }, 'locked' | 'missing' | 'corrupt-key' | 'unavailable'>
> {
  const s = await keyring.getDocSecrets(docId);
  if (!s.ok) {
    if (s.error === 'locked' || s.error === 'missing') return err(s.error);
    return err('corrupt-key', s.detail);
  }
  const doc = new LocalDoc(storage, s.value, target, opts);
  const r = await doc.load();
  if (!r.ok) return r;
  return ok({ doc, problems: r.value.problems });
}
