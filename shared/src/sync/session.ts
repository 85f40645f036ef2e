import { Awareness } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { fromB64url, toB64url, equalBytes } from '../bytes';
import type { DocKeys } from '../local/api';
import { checkUpdate } from '../local/records';
import {
  decodeEnvelope,
  decodeFrame,
  encodeFrame,
  newId,
  openSnapshot,
  openUpdate,
  sealSnapshot,
  sealUpdate,
  signCreate,
  signProve,
  snapshotProof,
  DeviceSeqs,
  MAX_SNAPSHOT_DEVICES,
  PEER_CLOSE,
  PEER_LIMITS,
  decodePeerFrame,
  encodePeerFrame,
  type PeerCloseName,
  type PeerHead,
  type PeerHello,
  type Frame,
  type SnapshotEnvelope,
  type UpdateEnvelope,
} from '../protocol/index';
import { err, ok, type Result } from '../result';
import type { Storage, StorageOp } from '../storage/types';
import { backoffDelay, BACKOFF_MAX_MS } from './backoff';
import { EnvelopeLog } from './envelope-log';
import { headsFork } from './fork';
import { GapBuffer } from './gap-buffer';
import { PresenceChannel, REMOTE_PRESENCE_ORIGIN } from './presence';
import {
  MAX_QUARANTINE,
  SyncStore,
  coveredKey,
  deviceKey,
  emptyTransportRecord,
  outboxKey,
  recvKey,
  seqKey,
  syncQuarantinePrefix,
  type OutboxEntry,
  type RecvRecord,
  type TransportRecord,
} from './sync-store';
import type {
  DocSession,
  PeerInfo,
  SessionEvents,
  SyncProblem,
  SyncProblemKind,
  SyncState,
  SyncStatus,
  Transport,
  TransportClose,
} from './types';

/**
 * One DocSession per open document (README.md beside this file has the state machine and the crash
 * argument). It seals local Yjs updates into signed envelopes (one per batch window), stores each in an
 * outbox BEFORE sending it, resends until every relay acknowledged it, and verifies, orders and fully
 * decodes everything that arrives before applying it with SYNC_ORIGIN.
 */

/** Origin of every remote update the session applies: not a local change, never sealed again. */
export const SYNC_ORIGIN: unique symbol = Symbol('dure.sync');

export interface SessionOptions {
  readonly ydoc: Y.Doc;
  /** keys.kind 'view' => never writes, never creates */
  readonly keys: DocKeys;
  /** the session's own state, sealed with docKey like LocalDoc records */
  readonly storage: Storage;
  readonly docKey: Uint8Array;
  /** [] => state 'local' */
  readonly transports: readonly Transport[];
  readonly inviteToken?: Uint8Array;
  /** local updates merged into one envelope per window while a relay is synced (default 40 ms) */
  readonly batchMs?: number;
  /** the window while no relay is synced (default 1000 ms): fewer envelopes to send on reconnect */
  readonly offlineBatchMs?: number;
  readonly random?: () => number;
  readonly now?: () => number;
  /** default 100 updates / 256 KiB held by a relay since its last snapshot */
  readonly snapshotEvery?: { readonly updates: number; readonly bytes: number };
  /**
   * Resolves once everything applied to the Y.Doc so far is durably stored (LocalDoc.flush). Awaited
   * before the session records how far it has received, so a crash never skips remote updates that
   * LocalDoc had not yet written. Without it, positions are saved after `saveDelayMs`.
   */
  readonly durable?: () => Promise<void>;
  /** how long receive positions are gathered before they are saved (default 500 ms) */
  readonly saveDelayMs?: number;
  /**
   * Liveness: a synced relay silent for this long is asked for its head (a read-only hello, answered by
   * `synced`) ... (default 25 s)
   */
  readonly probeIdleMs?: number;
  /** ... and a connection that stays silent this long after the question is dropped (default 10 s) */
  readonly probeTimeoutMs?: number;
}

/** Beyond the DocSession contract. */
export interface SessionInternals {
  /** Stops everything at once without writing anything more: a crash, for tests. */
  abandon(): void;
  /** this device's id for the document (random per device and document) */
  readonly deviceId: string;
  /**
   * Reconnects every transport that is waiting to retry, now (the app calls it on the browser's `online`
   * event: after a long outage the backoff may otherwise wait up to 30 s).
   */
  retryNow(): void;
}

/** The window in which local updates are merged into one envelope while synced (the relay benchmark uses it too). */
export const DEFAULT_BATCH_MS = 40;
const DEFAULT_OFFLINE_BATCH_MS = 1000;
const DEFAULT_SNAPSHOT_EVERY = { updates: 100, bytes: 256 * 1024 };
/** Stop sending while the socket holds more than this (continue on ack). */
const MAX_BUFFERED = 1024 * 1024;
/** Update frames sent and not yet acknowledged, per relay. */
const MAX_IN_FLIGHT = 64;
/** Update frames per second per relay: well under the relay's default of 200 frames/s. */
const MAX_SENDS_PER_SECOND = 100;
/** A gap still open this long after `synced` is reported as missing updates. */
const GAP_GRACE_MS = 2000;
const MAX_PROBLEMS = 20;
/** A batch this large is sealed at once rather than waiting for the window. */
const SEAL_NOW_BYTES = 1024 * 1024;
const SNAPSHOT_BACKOFF_MS = 2000;
const STORAGE_RETRY_MS = 1000;

type Phase = 'waiting' | 'connecting' | 'open' | 'synced';

interface Link {
  readonly t: Transport;
  rec: TransportRecord;
  phase: Phase;
  proven: boolean;
  attempts: number;
  retryAt: number | undefined;
  retryTimer: ReturnType<typeof setTimeout> | undefined;
  /** a problem that makes this relay's state 'error' until it recovers */
  trouble: string | undefined;
  /** per device, the highest seq sent on the current connection */
  sent: Map<string, number>;
  inFlight: number;
  sendTimes: number[];
  pumpTimer: ReturnType<typeof setTimeout> | undefined;
  gapTimer: ReturnType<typeof setTimeout> | undefined;
  snapTimer: ReturnType<typeof setTimeout> | undefined;
  snapInFlight: { env: SnapshotEnvelope; covers: Record<string, number> } | undefined;
  everSynced: boolean;
  /** the relay lost the document; after create, the whole state goes up again */
  recreate: boolean;
  /**
   * with `recreate`: the relay never had anything from this device (a relay just added to the document's
   * relays, issue #6), so the upload is expected and not reported as lost history
   */
  fresh: boolean;
  /** times asked again because of a hole (from the safe position, then from 0); reset when no hole is left */
  refetches: number;
  blobPuts: Map<string, ((r: Result<void, 'offline' | 'rejected'>) => void)[]>;
  blobGets: Map<string, ((r: Result<Uint8Array, 'not-found' | 'offline'>) => void)[]>;
  /** when the last frame arrived on the current connection */
  lastRx: number;
  probeTimer: ReturnType<typeof setTimeout> | undefined;
  probeDeadline: ReturnType<typeof setTimeout> | undefined;
  /** kind 'peer' only, while connected: what the peer holds and its flood meter */
  peer: PeerLink | undefined;
  /** removeTransport() ran: its close must not schedule a reconnect */
  removed: boolean;
  /** devices whose forwarded envelopes this relay refused (seq-gap) on the current connection */
  noForward: Set<string>;
}

type Queued = { update: Uint8Array };

/** A verified update envelope and its decrypted update. */
interface Verified {
  readonly update: Uint8Array;
  readonly env: UpdateEnvelope;
  readonly viaPeer: boolean;
}

/** A connected peer: what it holds, so it gets exactly what it lacks, and its flood meter. */
interface PeerLink {
  /** its hello arrived: live forwarding may start */
  helloed: boolean;
  edit: boolean;
  /** per device, the highest seq the peer holds with no hole (its hello, then what we sent or it sent) */
  has: Map<string, number>;
  /** token buckets refilled per second (PEER_LIMITS) */
  frameTokens: number;
  byteTokens: number;
  refilledAt: number;
  /** a fresh snapshot was sent on this connection for this state vector (not twice for the same state) */
  /** Date.now() of the last fresh snapshot sent to this peer (0: none) */
  snapshotAt: number;
  serveTimer: ReturnType<typeof setTimeout> | undefined;
  /** forks already reported for this peer (relayId/snapIds), so a repeated hello does not repeat them */
  reported: Set<string>;
}

/** A peer gets a fresh snapshot at most this often (real time). */
const PEER_SNAPSHOT_EVERY_MS = 10_000;
/** Outbox entries kept while no relay was ever configured (peers only): disk stays bounded. */
const PEER_ONLY_OUTBOX = 1000;
/** A peer missing more envelopes than this gets a fresh snapshot (edit sessions) instead of the log. */
const PEER_SNAPSHOT_OVER = 256;
/** Update frames per second sent to one peer: half of what PEER_LIMITS lets a receiver take. */
const PEER_SENDS_PER_SECOND = PEER_LIMITS.framesPerSecond / 2;

function newLink(t: Transport): Link {
  return {
    t,
    rec: emptyTransportRecord(),
    phase: 'waiting',
    proven: false,
    attempts: 0,
    retryAt: undefined,
    retryTimer: undefined,
    trouble: undefined,
    sent: new Map(),
    inFlight: 0,
    sendTimes: [],
    pumpTimer: undefined,
    gapTimer: undefined,
    snapTimer: undefined,
    snapInFlight: undefined,
    everSynced: false,
    recreate: false,
    fresh: false,
    refetches: 0,
    blobPuts: new Map(),
    blobGets: new Map(),
    lastRx: 0,
    probeTimer: undefined,
    probeDeadline: undefined,
    peer: undefined,
    removed: false,
    noForward: new Set(),
  };
}

interface Waiter {
  check(): boolean;
  resolve(): void;
  reject(e: unknown): void;
}

export async function startSession(opts: SessionOptions): Promise<DocSession & SessionInternals> {
  const s = new Session(opts);
  await s.start();
  return s;
}

class Session implements DocSession, SessionInternals {
  readonly docId: string;
  readonly kind: 'edit' | 'view';
  readonly awareness: Awareness;

  private readonly presence: PresenceChannel;
  private readonly doc: Y.Doc;
  private readonly keys: DocKeys;
  private readonly store: SyncStore;
  private links: Link[];
  private readonly random: () => number;
  private readonly now: () => number;
  private readonly batchMs: number;
  private readonly offlineBatchMs: number;
  private readonly snapshotEvery: { updates: number; bytes: number };
  private readonly saveDelayMs: number;
  private readonly probeIdleMs: number;
  private readonly probeTimeoutMs: number;

  private myDevice = '';
  private nextSeq = 1;
  private outbox: OutboxEntry[] = [];
  private readonly seqs = new DeviceSeqs();
  private readonly devices = new Set<string>();
  private readonly gaps = new GapBuffer<Verified>();
  /** verified update envelopes, for peers that lack them and relays that peers' envelopes have not reached */
  private readonly log = new EnvelopeLog();
  private gathering: Uint8Array[] = [];
  private gatheringBytes = 0;
  private sealTimer: ReturnType<typeof setTimeout> | undefined;
  /** when the last batch was taken for sealing: the window is counted from there (leading edge) */
  private lastSealAt = -Infinity;
  private sealRetry: ReturnType<typeof setTimeout> | undefined;
  private holds = 0;
  private heldQueue: Queued[] = [];
  private broken = false;
  private closed = false;
  private chain: Promise<void> = Promise.resolve();
  private saveTimer: ReturnType<typeof setTimeout> | undefined;
  private saving: Promise<void> | undefined;
  private saveAgain = false;
  /** the last consistent receive state (everything delivered up to it applied), waiting to be saved */
  private safeRecv: RecvRecord | undefined;
  private remoteSinceCovered = false;
  private problems: SyncProblem[] = [];
  private lastStatus: SyncStatus;
  private statusKey = '';
  private readonly listeners: { [K in keyof SessionEvents]: Set<SessionEvents[K]> } = {
    status: new Set(),
    problem: new Set(),
    'reload-needed': new Set(),
  };
  private waiters: Waiter[] = [];
  private quarantineCount = 0;
  /** set by abandon(): a simulated crash writes nothing more */
  private dead = false;
  private rotating = false;
  private snapshotFailed = false;
  private editStarted = false;
  private loadedEdit: { deviceId?: string; nextSeq?: number; covered?: Uint8Array } | undefined;
  /** saved per-relay records by transport id, for relays added at runtime */
  private savedRecs: Record<string, TransportRecord> = {};

  constructor(private readonly opts: SessionOptions) {
    this.doc = opts.ydoc;
    this.keys = opts.keys;
    this.docId = opts.keys.docId;
    this.kind = opts.keys.kind;
    this.store = new SyncStore(opts.storage, opts.docKey, this.docId);
    this.random = opts.random ?? Math.random;
    this.now = opts.now ?? Date.now;
    this.batchMs = opts.batchMs ?? DEFAULT_BATCH_MS;
    this.offlineBatchMs = opts.offlineBatchMs ?? DEFAULT_OFFLINE_BATCH_MS;
    this.snapshotEvery = opts.snapshotEvery ?? DEFAULT_SNAPSHOT_EVERY;
    this.saveDelayMs = opts.saveDelayMs ?? 500;
    this.probeIdleMs = opts.probeIdleMs ?? 25_000;
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 10_000;
    const ids = new Set<string>();
    for (const t of opts.transports) {
      if (ids.has(t.id)) throw new TypeError(`two transports share the id ${t.id}`);
      ids.add(t.id);
    }
    this.links = opts.transports.map((t) => newLink(t));
    this.awareness = new Awareness(this.doc);
    this.awareness.on('update', this.onAwarenessUpdate);
    this.presence = new PresenceChannel({
      keys: this.keys,
      awareness: this.awareness,
      now: this.now,
      send: (bytes) => this.sendPresence(bytes),
    });
    this.lastStatus = this.computeStatus();
  }

  get deviceId(): string {
    return this.myDevice;
  }

  /**
   * A relay this device never synced with, while the document already holds something (a relay added to
   * the document's relays, or a relay chosen in the settings): its outbox holds only what no relay has
   * acknowledged yet, so once write is proven the whole state goes up there as one update.
   */
  private freshRecord(l: Link): TransportRecord {
    if (this.kind === 'edit' && this.doc.store.clients.size > 0) {
      l.recreate = true;
      l.fresh = true;
    }
    return emptyTransportRecord();
  }

  /** Per awareness client, the transport its latest fresh presence came through (for a who-is-here list). */
  private readonly routes = new Map<number, { readonly id: string; readonly kind: 'relay' | 'peer' }>();
  private presenceFrom: Link | undefined;

  presenceRoute(clientId: number): { readonly id: string; readonly kind: 'relay' | 'peer' } | undefined {
    return this.routes.get(clientId);
  }

  /** The same presence arrives through every transport; the first (fresh) copy names the route. */
  private receivePresence(l: Link, bytes: Uint8Array): void {
    this.presenceFrom = l;
    try {
      this.presence.receive(bytes);
    } finally {
      this.presenceFrom = undefined;
    }
  }

  private readonly onAwarenessUpdate = (
    { added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>,
    origin: unknown,
  ): void => {
    for (const id of removed) this.routes.delete(id);
    const from = this.presenceFrom;
    if (origin !== REMOTE_PRESENCE_ORIGIN || !from) return;
    for (const id of [...added, ...updated]) this.routes.set(id, { id: from.t.id, kind: from.t.kind });
  };

  /** edit sessions seal once they have somewhere to send (a transport, now or added later) */
  private get editing(): boolean {
    return this.kind === 'edit' && this.editStarted;
  }

  // ---- start ----------------------------------------------------------------------------------------

  async start(): Promise<void> {
    const loaded = await this.store.load();
    for (const key of loaded.unreadable) this.addProblem('bad-envelope', '', `unreadable local record ${key}`);
    this.quarantineCount = loaded.quarantined.length;
    for (const [d, n] of Object.entries(loaded.recv.seqs)) {
      this.devices.add(d);
      this.seqs.advance(d, n);
    }
    this.savedRecs = { ...loaded.recv.transports };
    for (const l of this.links) if (l.t.kind === 'relay') l.rec = this.savedRecs[l.t.id] ?? this.freshRecord(l);
    // What was saved is a consistent point by construction.
    this.safeRecv = loaded.recv;
    this.outbox = loaded.outbox.sort(
      (a, b) =>
        (a.env.deviceId < b.env.deviceId ? -1 : a.env.deviceId > b.env.deviceId ? 1 : 0) || a.env.seq - b.env.seq,
    );
    // Peers can be given our unacknowledged envelopes straight from the outbox after a restart.
    for (const e of this.outbox) this.log.add(e.env, false);
    this.loadedEdit = { deviceId: loaded.deviceId, nextSeq: loaded.nextSeq, covered: loaded.covered };
    if (this.kind === 'edit' && this.links.length > 0) await this.beginEditing();
    this.doc.on('destroy', this.onDocDestroy);
    for (const l of this.links) this.connect(l);
    this.emitStatus();
  }

  /** Takes the device id and seq space, and seals what local storage holds beyond `covered`. Runs once. */
  private async beginEditing(): Promise<void> {
    if (this.editStarted || this.kind !== 'edit') return;
    this.editStarted = true;
    const loaded = this.loadedEdit ?? {};
    if (loaded.deviceId && loaded.nextSeq !== undefined) {
      this.myDevice = loaded.deviceId;
      this.nextSeq = loaded.nextSeq;
    } else {
      // A new device id whenever the seq record is missing or damaged: a fresh seq space can never
      // reuse a seq that a relay already holds under the old id.
      this.myDevice = newId();
      this.nextSeq = 1;
      await this.opts.storage.batch([
        this.store.put(deviceKey(this.docId), new TextEncoder().encode(this.myDevice)),
        this.store.putJson(seqKey(this.docId), 1),
      ]);
    }
    // Our own sealed edits are in the Y.Doc already, unless a crash came between sealing and LocalDoc's
    // write: applying them again is a no-op otherwise.
    for (const e of this.outbox) {
      const r = openUpdate(this.keys, e.env);
      if (r.ok && checkUpdate(r.value).ok) this.applyNow(r.value);
    }
    this.doc.on('afterTransactionCleanup', this.onTransactionCleanup);
    this.doc.on('updateV2', this.onLocalUpdate);
    const coveredSnap = decodeSnapshot(loaded.covered);
    if (!Y.equalSnapshots(Y.snapshot(this.doc), coveredSnap)) {
      // Changes never sealed: a crash inside the window, or edits made while no session ran.
      this.gathering.push(Y.encodeStateAsUpdateV2(this.doc, Y.encodeStateVector(coveredSnap.sv)));
      await this.enqueue(() => this.sealNow());
    }
  }

  addTransport(t: Transport): void {
    if (this.closed) throw new Error('session closed');
    if (this.links.some((l) => l.t.id === t.id))
      throw new TypeError(`a transport with the id ${t.id} is already present`);
    const l = newLink(t);
    if (t.kind === 'relay') l.rec = this.savedRecs[t.id] ?? this.freshRecord(l);
    this.links.push(l);
    if (this.kind === 'edit' && !this.editStarted) {
      void this.beginEditing().catch((e: unknown) =>
        this.addProblem('rejected', t.id, `start failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    }
    this.connect(l);
    this.emitStatus();
  }

  removeTransport(id: string): void {
    const i = this.links.findIndex((l) => l.t.id === id);
    if (i < 0) return;
    const l = this.links[i]!;
    this.links.splice(i, 1);
    // Its per-relay state goes: adding it again later starts from zero (the next save omits it too).
    delete this.savedRecs[id];
    if (this.safeRecv) {
      const { [id]: _gone, ...rest } = this.safeRecv.transports;
      this.safeRecv = { seqs: this.safeRecv.seqs, transports: rest };
    }
    this.clearLinkTimers(l);
    if (l.retryTimer !== undefined) clearTimeout(l.retryTimer);
    l.retryTimer = undefined;
    l.removed = true;
    if (l.phase !== 'waiting') l.t.disconnect();
    this.noteConsistent();
    this.settleWaiters();
    this.emitStatus();
  }

  private readonly onDocDestroy = (): void => {
    void this.close();
  };

  // ---- local changes and sealing ------------------------------------------------------------------------

  /**
   * Every other origin is local, LocalDoc's included (another tab's edits arrive through its records).
   * Yjs itself makes local transactions too: after a remote update touches formatting, it cleans up
   * redundant format markers in a transaction of its own (origin null); those are sealed like typing.
   */
  private readonly onLocalUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === SYNC_ORIGIN || this.closed) return;
    this.gathering.push(update);
    this.gatheringBytes += update.length;
    if (this.gatheringBytes >= SEAL_NOW_BYTES) this.scheduleSeal(0);
    else if (this.links.some((l) => l.phase === 'synced')) {
      // Leading edge: a keystroke after a pause goes out at once (collaborators see it without waiting a
      // window); keystrokes within `batchMs` of the last seal are gathered until the window ends, so fast
      // typing still makes at most one envelope per window.
      this.scheduleSeal(Math.max(0, this.lastSealAt + this.batchMs - this.now()));
    } else this.scheduleSeal(this.offlineBatchMs);
    this.emitStatus();
  };

  /**
   * Yjs encodes a transaction as an update only while someone listens for updates, and it checks right after
   * 'afterTransactionCleanup'. Our listener only ever wants local transactions, so it is taken off for each
   * of ours (SYNC_ORIGIN) and put back for any other: a joining device no longer re-encodes the whole
   * snapshot it just applied (≈ 2 ms of 8 for automerge-paper), nor a remote keystroke its update. Yjs'
   * own follow-up transactions (formatting cleanup after a remote update) are separate transactions with
   * their own cleanup, so they still reach onLocalUpdate.
   */
  private readonly onTransactionCleanup = (tr: Y.Transaction): void => {
    if (tr.origin === SYNC_ORIGIN || this.closed) this.doc.off('updateV2', this.onLocalUpdate);
    else this.doc.on('updateV2', this.onLocalUpdate);
  };

  private scheduleSeal(delay: number): void {
    if (this.sealTimer !== undefined && delay > 0) return;
    if (this.sealTimer !== undefined) clearTimeout(this.sealTimer);
    this.sealTimer = setTimeout(() => {
      this.sealTimer = undefined;
      void this.enqueue(() => this.sealNow());
    }, delay);
  }

  /** Serialises every write of session state: a seal and a save never interleave. */
  private enqueue(fn: () => Promise<void>): Promise<void> {
    // After abandon() nothing more is written, as after a real crash.
    const run = this.chain.then(() => (this.dead ? undefined : fn()));
    this.chain = run.catch(() => {});
    return run;
  }

  private async sealNow(): Promise<void> {
    if (this.closed || this.gathering.length === 0) return;
    const updates = this.gathering;
    this.gathering = [];
    this.gatheringBytes = 0;
    this.lastSealAt = this.now();
    const merged = updates.length === 1 ? updates[0]! : Y.mergeUpdatesV2(updates);
    // Taken now, in the same tick as `gathering` was emptied: it covers exactly what is sealed or older.
    const covered = Y.encodeSnapshotV2(Y.snapshot(this.doc));
    const seq = this.nextSeq;
    let env: UpdateEnvelope;
    try {
      env = sealUpdate(this.keys, { epoch: 0, deviceId: this.myDevice, seq }, merged);
    } catch (e) {
      // Larger than an envelope can carry: keep it (LocalDoc has it; `covered` is not advanced, so the
      // next start reseals it) and say so.
      this.addProblem('rejected', '', `seal failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    const key = outboxKey(this.docId, this.myDevice, seq);
    const ops: StorageOp[] = [
      this.store.put(key, env.bytes),
      this.store.putJson(seqKey(this.docId), seq + 1),
      this.store.put(coveredKey(this.docId), covered),
    ];
    try {
      // Durable BEFORE sending: a seq is never sent with bytes that a crash could make us forget.
      await this.opts.storage.batch(ops);
    } catch {
      if (this.closed) return;
      this.gathering.unshift(merged);
      this.gatheringBytes += merged.length;
      if (this.sealRetry === undefined) {
        this.sealRetry = setTimeout(() => {
          this.sealRetry = undefined;
          void this.enqueue(() => this.sealNow());
        }, STORAGE_RETRY_MS);
      }
      this.emitStatus();
      return;
    }
    this.nextSeq = seq + 1;
    this.remoteSinceCovered = false;
    this.outbox.push({ key, env });
    this.log.add(env, false);
    if (this.closed) return;
    for (const l of this.links) this.pump(l);
    this.servePeers();
    this.emitStatus();
  }

  async flush(): Promise<void> {
    if (this.sealTimer !== undefined) {
      clearTimeout(this.sealTimer);
      this.sealTimer = undefined;
    }
    await this.enqueue(() => this.sealNow());
  }

  // ---- connections --------------------------------------------------------------------------------------

  private connect(l: Link): void {
    if (this.closed) return;
    l.retryAt = undefined;
    l.retryTimer = undefined;
    l.phase = 'connecting';
    l.proven = false;
    l.noForward.clear();
    l.sent.clear();
    l.inFlight = 0;
    this.emitStatus();
    l.t.connect({
      open: () => this.onOpen(l),
      frame: (bytes) => (l.t.kind === 'peer' ? this.onPeerFrame(l, bytes) : this.onFrame(l, bytes)),
      close: (info) => this.onClose(l, info),
    });
  }

  private sendFrame(l: Link, f: Frame): boolean {
    return l.t.send(encodeFrame(f));
  }

  /** `probe`: a read-only hello that only asks for the head (and anything missed), to check the link is alive. */
  private hello(l: Link, probe = false): void {
    // While a hole is open, ask from the last position without one: the missing update comes again if the
    // relay has it (the ones after it are replays then, dropped cheaply).
    const safe = this.safeRecv?.transports[l.t.id]?.relaySeq ?? 0;
    // After a hole survived one re-ask, everything is asked for again: the relay's log may no longer be the
    // one our positions refer to (it lost data and was refilled by other devices).
    const all = l.refetches >= 2 && this.gaps.size > 0;
    this.sendFrame(l, {
      type: 'hello',
      docId: this.docId,
      write: !probe && this.kind === 'edit',
      knownSnapId: all ? null : (l.rec.snap?.snapId ?? null),
      sinceRelaySeq: all ? 0 : this.gaps.size > 0 ? Math.min(safe, l.rec.relaySeq) : l.rec.relaySeq,
    });
  }

  private onOpen(l: Link): void {
    if (this.closed || l.removed) return;
    l.phase = 'open';
    l.lastRx = this.now();
    if (l.t.kind === 'peer') {
      l.peer = newPeerLink(this.now());
      this.sendPeerHello(l, true);
      // A peer that never says hello is as dead as one that stops answering.
      this.expectReply(l);
    } else this.hello(l);
    this.emitStatus();
  }

  private onClose(l: Link, info: TransportClose): void {
    l.phase = 'waiting';
    if (l.peer?.serveTimer !== undefined) clearTimeout(l.peer.serveTimer);
    l.peer = undefined;
    l.proven = false;
    l.sent.clear();
    l.inFlight = 0;
    // A putBlob waiting for this connection's prove gives up ('offline').
    this.settleWaiters();
    this.clearLinkTimers(l);
    l.snapInFlight = undefined;
    for (const list of l.blobPuts.values()) for (const r of list) r(err('offline'));
    for (const list of l.blobGets.values()) for (const r of list) r(err('offline'));
    l.blobPuts.clear();
    l.blobGets.clear();
    if (this.closed || l.removed) return;
    if (info.fatal) {
      l.trouble = `close ${info.code}`;
      this.addProblem('rejected', l.t.id, `closed ${info.code}${info.reason ? ` ${info.reason}` : ''}`);
    }
    // Refused (fatal close, unknown document for a view, invite required, ...): retrying soon cannot help.
    const refused = info.fatal || (l.trouble !== undefined && l.trouble !== 'storage');
    const delay = refused ? BACKOFF_MAX_MS : backoffDelay(l.attempts, this.random);
    l.attempts++;
    l.retryAt = this.now() + delay;
    l.retryTimer = setTimeout(() => this.connect(l), delay);
    this.emitStatus();
  }

  private clearLinkTimers(l: Link): void {
    for (const t of [l.pumpTimer, l.gapTimer, l.snapTimer, l.probeTimer, l.probeDeadline]) {
      if (t !== undefined) clearTimeout(t);
    }
    l.pumpTimer = l.gapTimer = l.snapTimer = l.probeTimer = l.probeDeadline = undefined;
  }

  /** A relay acks an update within milliseconds; silence for probeTimeoutMs after a write means a dead path. */
  private expectReply(l: Link): void {
    if (l.probeDeadline !== undefined) return;
    l.probeDeadline = setTimeout(() => {
      l.probeDeadline = undefined;
      if (this.closed || l.phase === 'waiting') return;
      if (l.t.kind === 'peer') this.dropPeer(l, 'silent');
      else l.t.disconnect();
    }, this.probeTimeoutMs);
  }

  /**
   * A socket can stay "open" with nothing behind it (a dropped Wi-Fi or NAT entry, a hung relay) and the
   * browser may never say so; the status would then claim synced forever. So a synced relay that has been
   * silent for probeIdleMs gets a read-only hello, which an alive relay answers with `synced` at once; if
   * nothing at all arrives within probeTimeoutMs the connection is dropped and the usual reconnect starts.
   */
  private armProbe(l: Link): void {
    if (l.probeTimer !== undefined) clearTimeout(l.probeTimer);
    const wait = Math.max(0, l.lastRx + this.probeIdleMs - this.now());
    l.probeTimer = setTimeout(() => {
      l.probeTimer = undefined;
      if (this.closed || l.phase !== 'synced') return;
      if (this.now() - l.lastRx < this.probeIdleMs) return this.armProbe(l);
      if (l.t.kind === 'peer') this.sendPeerHello(l, true);
      else this.hello(l, true);
      this.expectReply(l);
      this.armProbe(l);
    }, wait);
  }

  private onFrame(l: Link, bytes: Uint8Array): void {
    if (this.closed) return;
    l.lastRx = this.now();
    if (l.probeDeadline !== undefined) {
      clearTimeout(l.probeDeadline);
      l.probeDeadline = undefined;
    }
    const d = decodeFrame(bytes);
    if (!d.ok) {
      // A relay speaking nonsense: drop the connection, retry later.
      this.addProblem('bad-envelope', l.t.id, `frame: ${d.error}`);
      l.t.disconnect();
      return;
    }
    const f = d.value;
    if (f.docId !== null && f.docId !== this.docId) return;
    switch (f.type) {
      case 'challenge':
        if (this.kind === 'edit') {
          this.sendFrame(l, {
            type: 'prove',
            docId: this.docId,
            nonce: f.nonce,
            signature: signProve(this.keys, f),
          });
        }
        return;
      case 'synced':
        return this.onSynced(l, f.relaySeq);
      case 'update':
        this.onRemoteUpdate(l, f.relaySeq, f.envelope);
        return this.afterRemote();
      case 'snapshot':
        this.onRemoteSnapshot(l, f.relaySeq, f.envelope);
        return this.afterRemote();
      case 'ack':
        return this.onAck(l, f.deviceId, f.seq, true);
      case 'done':
        return this.onDone(l, f);
      case 'reject':
        return this.onReject(l, f);
      case 'blob': {
        const list = l.blobGets.get(f.blobId);
        l.blobGets.delete(f.blobId);
        for (const r of list ?? []) r(ok(f.data));
        return;
      }
      case 'presence':
        // Refusals (replays, floods, garbage) are the channel's business: a cursor is not worth a problem.
        this.receivePresence(l, f.envelope.bytes);
        return;
      default:
        return;
    }
  }

  private onSynced(l: Link, relaySeq: number): void {
    if (relaySeq < l.rec.relaySeq) {
      // The relay's log is shorter than what it once delivered: it lost data (wiped and recreated by
      // another device, restored from an old backup). Start over there from position 0, at once.
      l.rec = emptyTransportRecord();
      l.recreate = this.kind === 'edit';
      l.fresh = false;
      l.attempts = 0;
      this.addProblem('rejected', l.t.id, 'relay-regressed');
      l.t.disconnect();
      return;
    }
    l.rec.relaySeq = Math.max(l.rec.relaySeq, relaySeq);
    l.phase = 'synced';
    l.attempts = 0;
    l.everSynced = true;
    if (l.probeTimer === undefined) this.armProbe(l);
    // A new connection starts clean; a relay still in trouble says so again on the next write.
    l.trouble = undefined;
    if (this.gaps.size > 0) this.armGapTimer(l, true);
    // A gathered batch was waiting for the longer offline window: send it now.
    if (this.gathering.length > 0) this.scheduleSeal(0);
    this.noteConsistent();
    this.pump(l);
    // Peers that just (re)joined through this relay learn who is here without waiting for a heartbeat.
    this.presence.announce();
    this.settleWaiters();
    this.emitStatus();
  }

  private sendPresence(bytes: Uint8Array): void {
    const env = decodeEnvelope(bytes);
    if (!env.ok || env.value.kind !== 'presence') return;
    const frame = encodeFrame({ type: 'presence', docId: this.docId, envelope: env.value });
    for (const l of this.links) if (l.phase === 'synced') l.t.send(frame);
  }

  /**
   * A hole still open GAP_GRACE_MS from now is reported as missing updates. The first time, the relay is
   * also asked again from the last position where nothing was missing (hello uses it while a hole is
   * open): an honest relay that merely dropped a frame fills the hole, a withholding one does not.
   */
  private armGapTimer(l: Link, restart: boolean): void {
    if (l.gapTimer !== undefined) {
      if (!restart) return;
      clearTimeout(l.gapTimer);
    }
    l.gapTimer = setTimeout(() => {
      l.gapTimer = undefined;
      if (this.gaps.size === 0 || this.closed) return;
      for (const d of this.gaps.devices()) this.addProblem('missing-updates', l.t.id, d);
      // Ask again: first from before the hole, then (if it survives that) from the very start. A relay that
      // still withholds keeps the report.
      if (l.refetches < 2) {
        l.refetches++;
        l.t.disconnect();
      }
    }, GAP_GRACE_MS);
  }

  private onDone(l: Link, f: Extract<Frame, { type: 'done' }>): void {
    switch (f.op) {
      case 'create':
        this.hello(l);
        return;
      case 'prove':
        l.proven = true;
        this.settleWaiters();
        if (l.recreate) {
          l.recreate = false;
          // Our acknowledged history is gone from this relay (or it never had it): put the whole document there.
          // It pumps once the state is sealed; older entries sent before that would only come back as seq-gaps.
          const started = this.recoverLostHistory(l, !l.fresh);
          l.fresh = false;
          if (!started) this.pump(l);
        } else this.pump(l);
        this.emitStatus();
        return;
      case 'snapshot': {
        const s = l.snapInFlight;
        l.snapInFlight = undefined;
        if (!s) return;
        this.adoptSnapshot(l, s.env, s.covers);
        this.noteConsistent();
        return;
      }
      case 'blob-put': {
        const list = f.blobId ? l.blobPuts.get(f.blobId) : undefined;
        if (f.blobId) l.blobPuts.delete(f.blobId);
        for (const r of list ?? []) r(ok(undefined));
        return;
      }
      default:
        return;
    }
  }

  private onReject(l: Link, f: Extract<Frame, { type: 'reject' }>): void {
    const id = l.t.id;
    switch (f.reason) {
      case 'duplicate':
        if (f.deviceId) this.onAck(l, f.deviceId, f.seq, false);
        return;
      case 'unknown-doc':
        if (l.rec.relaySeq > 0 || l.rec.snap || Object.keys(l.rec.held).length > 0) {
          // The relay held this document and lost it (deleted, expired): start over there, from position 0
          // (a view link too, so it reads the document again once an editor has put it back).
          l.rec = emptyTransportRecord();
          l.recreate = this.kind === 'edit';
          l.fresh = false;
        }
        if (this.kind === 'edit') {
          this.sendFrame(l, {
            type: 'create',
            docId: this.docId,
            writePub: this.keys.writePub,
            signature: signCreate(this.keys),
            inviteToken: this.opts.inviteToken ?? new Uint8Array(0),
          });
        } else {
          l.trouble = 'unknown-doc';
          this.addProblem('unknown-doc', id);
          l.t.disconnect();
        }
        return;
      case 'doc-exists':
        // Another device created it first (or put a lost document back: `recreate` stays set, so ours goes
        // up too once proven; it may hold what the other never saw).
        this.hello(l);
        return;
      case 'stale-challenge':
        // Our challenge was superseded: ask again.
        this.hello(l);
        return;
      case 'snapshot-stale':
      case 'snapshot-not-covered':
        // Another device's snapshot won; it reaches us as a live frame. Try again after more updates.
        l.snapInFlight = undefined;
        return;
      case 'not-found': {
        const list = [...l.blobGets.values()].flat();
        l.blobGets.clear();
        for (const r of list) r(err('not-found'));
        return;
      }
      case 'seq-gap':
        if (f.deviceId && !this.isOwnDevice(f.deviceId)) {
          // A forwarded envelope of another device the relay cannot take yet: that device sends its own.
          l.noForward.add(f.deviceId);
          if (l.inFlight > 0) l.inFlight--;
          return;
        }
        if (f.deviceId && this.isOwnDevice(f.deviceId) && f.seq === this.firstUnconfirmed(l, f.deviceId)) {
          // Not behind a refused frame: the relay lacks seqs it once acknowledged.
          this.recoverLostHistory(l);
          return;
        }
        if (f.deviceId && this.isOwnDevice(f.deviceId)) {
          // Sent in the same flight behind the first refusal, which already said what happened (or started the
          // upload of the whole document): resend from the first unacknowledged one later, no second problem.
          l.sent.clear();
          l.inFlight = 0;
          this.schedulePump(l, Math.max(STORAGE_RETRY_MS, backoffDelay(l.attempts + 2, this.random)));
          return;
        }
      // falls through: behind a refused update, like it
      case 'storage-unavailable':
      case 'not-proven':
      case 'rate-limited':
      case 'internal':
        if (f.deviceId === null) {
          for (const list of l.blobPuts.values()) for (const r of list) r(err('rejected'));
          l.blobPuts.clear();
        }
        // Nothing after the refused update was stored: resend from the first unacknowledged one, later.
        l.trouble = f.reason === 'storage-unavailable' ? 'storage' : f.reason;
        this.addProblem('rejected', id, f.reason);
        l.sent.clear();
        l.inFlight = 0;
        this.schedulePump(l, Math.max(STORAGE_RETRY_MS, backoffDelay(l.attempts + 2, this.random)));
        this.emitStatus();
        return;
      default:
        // bad-signature, invite-required, too-many-devices, too-large, wrong-epoch, malformed, ...
        l.trouble = f.reason;
        this.addProblem('rejected', id, f.reason);
        if (f.reason === 'bad-signature' || f.reason === 'invite-required' || f.reason === 'too-many-devices') {
          l.t.disconnect();
        }
        this.emitStatus();
        return;
    }
  }

  // ---- sending --------------------------------------------------------------------------------------------

  /** This relay holds the entry, or will never need it (superseded after it lost its data). */
  private confirmed(l: Link, deviceId: string, seq: number): boolean {
    return seq <= (l.rec.held[deviceId] ?? 0) || seq <= (l.rec.superseded[deviceId] ?? 0);
  }

  /** The first entry of deviceId this relay has not confirmed. */
  private firstUnconfirmed(l: Link, deviceId: string): number | undefined {
    for (const e of this.outbox) {
      if (e.env.deviceId === deviceId && !this.confirmed(l, deviceId, e.env.seq)) return e.env.seq;
    }
    return undefined;
  }

  /**
   * The relay lost updates it had acknowledged (its data was deleted: retention expiry, a restore from an
   * old backup) and refuses our next seq as a gap. Everything we ever wrote is in the Y.Doc, so it goes up
   * again as ONE full-state update under a new device id (a fresh seq space); older entries are marked
   * superseded for this relay only.
   */
  private recoverLostHistory(l: Link, lost = true): boolean {
    if (this.rotating || this.closed) return false;
    this.rotating = true;
    if (lost) this.addProblem('rejected', l.t.id, 'history-lost');
    void this.enqueue(async () => {
      try {
        const dev = newId();
        const state = Y.encodeStateAsUpdateV2(this.doc);
        const covered = Y.encodeSnapshotV2(Y.snapshot(this.doc));
        const env = sealUpdate(this.keys, { epoch: 0, deviceId: dev, seq: 1 }, state);
        const key = outboxKey(this.docId, dev, 1);
        await this.opts.storage.batch([
          this.store.put(deviceKey(this.docId), new TextEncoder().encode(dev)),
          this.store.putJson(seqKey(this.docId), 2),
          this.store.put(key, env.bytes),
          this.store.put(coveredKey(this.docId), covered),
        ]);
        for (const e of this.outbox) {
          const { deviceId, seq } = e.env;
          if (seq > (l.rec.superseded[deviceId] ?? 0)) l.rec.superseded[deviceId] = seq;
        }
        this.myDevice = dev;
        this.nextSeq = 2;
        this.outbox.push({ key, env });
        l.sent.clear();
        l.inFlight = 0;
        this.noteConsistent();
        this.pump(l);
        this.emitStatus();
      } catch (e) {
        this.addProblem('rejected', l.t.id, `resend failed: ${e instanceof Error ? e.message : String(e)}`);
      } finally {
        this.rotating = false;
      }
    });
    return true;
  }

  private schedulePump(l: Link, delay: number): void {
    if (l.pumpTimer !== undefined) return;
    l.pumpTimer = setTimeout(() => {
      l.pumpTimer = undefined;
      this.pump(l);
    }, delay);
  }

  /** Sends, in seq order, the outbox entries this relay has not confirmed, within flow-control limits. */
  private pump(l: Link): void {
    if (this.closed || l.t.kind !== 'relay' || l.phase !== 'synced' || !l.proven || this.kind !== 'edit') return;
    if (l.pumpTimer !== undefined) return;
    for (const env of this.toRelay(l)) {
      const { deviceId, seq } = env;
      if (this.confirmed(l, deviceId, seq) || seq <= (l.sent.get(deviceId) ?? 0)) continue;
      if (l.inFlight >= MAX_IN_FLIGHT || l.t.buffered > MAX_BUFFERED) return;
      // Real time, not the injectable clock: this paces frames against the relay's own rate limit.
      const now = Date.now();
      while (l.sendTimes.length > 0 && l.sendTimes[0]! <= now - 1000) l.sendTimes.shift();
      if (l.sendTimes.length >= MAX_SENDS_PER_SECOND) {
        this.schedulePump(l, Math.max(10, l.sendTimes[0]! + 1000 - now));
        return;
      }
      if (!this.sendFrame(l, { type: 'update', docId: this.docId, relaySeq: 0, envelope: env })) return;
      l.sendTimes.push(now);
      l.sent.set(deviceId, seq);
      l.inFlight++;
      this.expectReply(l);
    }
  }

  /**
   * What this relay may lack: our outbox, then envelopes peers taught us (edits another device made while
   * it could not reach this relay). A relay takes a device's seqs only in order with no hole, so another
   * device's run goes up only from just above what this relay confirmed holding.
   */
  private *toRelay(l: Link): Generator<UpdateEnvelope> {
    for (const e of this.outbox) yield e.env;
    for (const d of this.log.devices()) {
      if (this.isOwnDevice(d) || l.noForward.has(d)) continue;
      const run = this.log.after(d, l.rec.held[d] ?? 0);
      if (!run || run.length === 0 || !run.some((e) => e.viaPeer)) continue;
      for (const e of run) yield e.env;
    }
  }

  private onAck(l: Link, deviceId: string, seq: number, fresh: boolean): void {
    const before = l.rec.held[deviceId] ?? 0;
    if (seq > before) l.rec.held[deviceId] = seq;
    if (l.inFlight > 0) l.inFlight--;
    if (l.trouble === 'storage' || l.trouble === 'seq-gap' || l.trouble === 'internal') l.trouble = undefined;
    if (fresh && seq > before) {
      const e = this.outbox.find((x) => x.env.deviceId === deviceId && x.env.seq === seq);
      l.rec.sinceSnap.count++;
      l.rec.sinceSnap.bytes += e?.env.bytes.length ?? 0;
      this.maybeCompact(l);
    }
    this.pump(l);
    this.scheduleSave();
    this.settleWaiters();
    this.emitStatus();
  }

  // ---- receiving ------------------------------------------------------------------------------------------

  private isOwnDevice(deviceId: string): boolean {
    return deviceId === this.myDevice || this.outbox.some((e) => e.env.deviceId === deviceId);
  }

  /** From a relay (relaySeq its position) or a peer (relaySeq 0): the same checks either way. */
  private onRemoteUpdate(l: Link, relaySeq: number, env: UpdateEnvelope): void {
    if (this.broken) return;
    const { deviceId, seq } = env;
    const own = this.isOwnDevice(deviceId);
    const viaPeer = l.t.kind === 'peer';
    // Cheapest check first: a replay is dropped without verifying it (and moves no position).
    if (!own && this.seqs.check(deviceId, seq) === 'replay') {
      if (viaPeer) this.peerHolds(l, deviceId, seq);
      return;
    }
    const opened = openUpdate(this.keys, env);
    if (!opened.ok || env.epoch !== 0) {
      this.addProblem('bad-envelope', l.t.id, opened.ok ? 'wrong-epoch' : opened.error);
      void this.quarantine(env.bytes);
      // A relay may be passing on someone else's forgery; a peer made it or passed on what it never checked.
      if (viaPeer) this.dropPeer(l, 'forged');
      return;
    }
    if (viaPeer) this.peerHolds(l, deviceId, seq);
    else {
      // Positions move only for envelopes that verified: a forged frame with a far-ahead relaySeq (or our
      // own device id) must not make the next catch-up skip anything, nor count as an acknowledgement.
      l.rec.relaySeq = Math.max(l.rec.relaySeq, relaySeq);
      if (seq > (l.rec.held[deviceId] ?? 0)) l.rec.held[deviceId] = seq;
      l.rec.sinceSnap.count++;
      l.rec.sinceSnap.bytes += env.bytes.length;
    }
    if (own) {
      // Our own edit coming back on catch-up: already in the Y.Doc (applying again is a no-op).
      if (!viaPeer && checkUpdate(opened.value).ok) this.deliver(opened.value);
      return;
    }
    this.devices.add(deviceId);
    if (this.seqs.check(deviceId, seq) === 'gap') {
      if (!this.gaps.add(deviceId, seq, { update: opened.value, env, viaPeer })) {
        this.addProblem('missing-updates', l.t.id, deviceId);
      }
      // A hole in live delivery (catch-up holes are judged at `synced`; a peer's are filled by its next hello).
      if (!viaPeer && l.phase === 'synced') this.armGapTimer(l, false);
      return;
    }
    this.acceptNext(l.t.id, deviceId, seq, { update: opened.value, env, viaPeer });
    this.drainGaps(l.t.id, deviceId);
    this.spread(viaPeer);
  }

  /** Records (deviceId, seq) as consumed and applies it if it decodes; a bad one is quarantined, skipped. */
  private acceptNext(tid: string, deviceId: string, seq: number, v: Verified): void {
    this.seqs.accept(deviceId, seq);
    // Kept for peers (and, if a peer taught us, for relays) even when it does not decode: every receiver
    // consumes the seq the same way.
    this.log.add(v.env, v.viaPeer);
    const c = checkUpdate(v.update);
    if (!c.ok) {
      this.addProblem('bad-update', tid, deviceId);
      void this.quarantine(v.env.bytes);
      return;
    }
    this.deliver(v.update);
  }

  private drainGaps(tid: string, deviceId: string): void {
    this.gaps.dropThrough(deviceId, this.seqs.lastSeq(deviceId));
    for (;;) {
      const next = this.seqs.lastSeq(deviceId) + 1;
      const v = this.gaps.take(deviceId, next);
      if (!v) return;
      this.acceptNext(tid, deviceId, next, v);
    }
  }

  private onRemoteSnapshot(l: Link, relaySeq: number, env: SnapshotEnvelope): void {
    if (this.broken) return;
    const opened = openSnapshot(this.keys, env);
    if (!opened.ok || env.epoch !== 0) {
      this.addProblem('bad-envelope', l.t.id, opened.ok ? 'wrong-epoch' : opened.error);
      void this.quarantine(env.bytes);
      if (l.t.kind === 'peer') this.dropPeer(l, 'forged');
      return;
    }
    if (l.t.kind === 'peer') return this.onPeerSnapshot(l, env, opened.value);
    l.rec.relaySeq = Math.max(l.rec.relaySeq, relaySeq);
    if (this.isRollback(l.rec, env)) this.addProblem('rollback', l.t.id, env.snapId);
    if (!checkUpdate(opened.value).ok) {
      this.addProblem('bad-update', l.t.id, env.snapId);
      void this.quarantine(env.bytes);
      return;
    }
    // Applied even after a rollback warning: a Yjs merge only adds, so nothing local is lost.
    this.deliver(opened.value);
    const covers: Record<string, number> = {};
    for (const c of env.covers) covers[c.deviceId] = c.through;
    this.adoptSnapshot(l, env, covers);
  }

  /** The relay's snapshot is now `env` (received, or our own accepted): advance coverage and the chain. */
  private adoptSnapshot(l: Link, env: SnapshotEnvelope, covers: Record<string, number>): void {
    for (const [d, through] of Object.entries(covers)) {
      if (!this.isOwnDevice(d)) {
        this.devices.add(d);
        this.seqs.advance(d, through);
        this.drainGaps(l.t.id, d);
      }
      if (through > (l.rec.held[d] ?? 0)) l.rec.held[d] = through;
    }
    const prev = l.rec.snap;
    if (prev) l.rec.older = [...l.rec.older, prev.snapId].slice(-32);
    l.rec.snap = {
      snapId: env.snapId,
      proof: toB64url(snapshotProof(env)),
      covers,
      parent: env.parent ? { snapId: env.parent.snapId, proof: toB64url(env.parent.proof) } : null,
    };
    l.rec.sinceSnap = { count: 0, bytes: 0 };
    if (l.snapTimer !== undefined) clearTimeout(l.snapTimer);
    l.snapTimer = undefined;
    // Updates we sent that the snapshot covers are held (folded in) by the relay.
    this.scheduleSave();
    this.settleWaiters();
    // Our head for this relay moved: peers compare it with theirs now, not at the next reconnect (fork.ts).
    for (const p of this.links) if (p.t.kind === 'peer' && p.peer?.helloed) this.sendPeerHello(p, false);
    this.emitStatus();
  }

  /**
   * A snapshot that cannot follow the one we know: an id we already moved past, a parent that is our
   * snapshot but with another proof, no parent at all, or less coverage than ours. A parent we do not know
   * is a chain of several snapshots since ours; the relay serves only the newest, so that passes.
   */
  private isRollback(rec: TransportRecord, env: SnapshotEnvelope): boolean {
    const known = rec.snap;
    if (!known) return false;
    if (env.snapId === known.snapId) return false;
    if (rec.older.includes(env.snapId)) return true;
    if (!env.parent) return true;
    if (env.parent.snapId === known.snapId) {
      const proof = fromB64url(known.proof);
      if (!proof || !equalBytes(proof, env.parent.proof)) return true;
    }
    const covers = new Map(env.covers.map((c) => [c.deviceId, c.through]));
    for (const [d, through] of Object.entries(known.covers)) if ((covers.get(d) ?? 0) < through) return true;
    return false;
  }

  private deliver(update: Uint8Array): void {
    if (this.holds > 0) this.heldQueue.push({ update });
    else this.applyNow(update);
  }

  private applyNow(update: Uint8Array): void {
    if (this.broken) return;
    try {
      Y.applyUpdateV2(this.doc, update, SYNC_ORIGIN);
      this.remoteSinceCovered = true;
    } catch (e) {
      this.broken = true;
      this.addProblem('apply-failed', '', e instanceof Error ? e.message : String(e));
      for (const cb of [...this.listeners['reload-needed']]) cb();
    }
  }

  private afterRemote(): void {
    this.noteConsistent();
    this.emitStatus();
  }

  holdRemote(): () => void {
    this.holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds > 0) return;
      const queued = this.heldQueue;
      this.heldQueue = [];
      for (const q of queued) this.applyNow(q.update);
      this.noteConsistent();
    };
  }

  private async quarantine(raw: Uint8Array): Promise<void> {
    const key = `${syncQuarantinePrefix(this.docId)}${String(this.now()).padStart(15, '0')}-${newId()}`;
    this.quarantineCount++;
    await this.enqueue(async () => {
      const ops: StorageOp[] = [this.store.put(key, raw)];
      if (this.quarantineCount > MAX_QUARANTINE) {
        const keys = await this.opts.storage.keys(syncQuarantinePrefix(this.docId));
        for (const k of keys.slice(0, Math.max(0, keys.length + 1 - MAX_QUARANTINE))) ops.push({ type: 'del', key: k });
        this.quarantineCount = MAX_QUARANTINE;
      }
      await this.opts.storage.batch(ops).catch(() => {});
    });
  }

  // ---- saving receive positions -------------------------------------------------------------------------

  /** Everything delivered so far is applied (no gap, nothing held): this is a safe point to save. */
  private noteConsistent(): void {
    if (this.gaps.size > 0 || this.heldQueue.length > 0 || this.holds > 0) return;
    for (const l of this.links) l.refetches = 0;
    const transports: Record<string, TransportRecord> = {};
    for (const l of this.links) if (l.t.kind === 'relay') transports[l.t.id] = structuredClone(l.rec);
    const seqs: Record<string, number> = {};
    for (const d of this.devices) seqs[d] = this.seqs.lastSeq(d);
    this.safeRecv = { seqs, transports };
    this.scheduleSave();
  }

  private scheduleSave(): void {
    if (this.closed || this.saveTimer !== undefined) return;
    this.saveTimer = setTimeout(() => {
      this.saveTimer = undefined;
      void this.save();
    }, this.saveDelayMs);
  }

  private save(): Promise<void> {
    if (this.saving) {
      this.saveAgain = true;
      return this.saving;
    }
    this.saving = this.saveOnce();
    return this.saving;
  }

  private async saveOnce(): Promise<void> {
    try {
      const recv = this.safeRecv;
      // Positions only after LocalDoc stored what they stand for.
      if (recv && this.opts.durable) await this.opts.durable().catch(() => {});
      await this.enqueue(async () => {
        const ops: StorageOp[] = [];
        if (recv) ops.push(this.store.putJson(recvKey(this.docId), recv));
        // An entry every relay confirmed is no longer needed.
        const relays = this.links.filter((l) => l.t.kind === 'relay');
        const done = relays.length
          ? this.outbox.filter((e) => relays.every((l) => this.confirmed(l, e.env.deviceId, e.env.seq)))
          : Object.keys(this.savedRecs).length === 0
            ? // Peers only, and no relay ever: keep the newest entries (peers get older ones as a snapshot;
              // a relay added later gets the whole state under a new device id, sync README "Peers").
              this.outbox.slice(0, Math.max(0, this.outbox.length - PEER_ONLY_OUTBOX))
            : [];
        for (const e of done) ops.push({ type: 'del', key: e.key });
        if (
          this.kind === 'edit' &&
          this.remoteSinceCovered &&
          this.gathering.length === 0 &&
          this.sealTimer === undefined
        ) {
          // Nothing local is unsealed, so the whole document is either sealed or remote: restarts need not resend it.
          ops.push(this.store.put(coveredKey(this.docId), Y.encodeSnapshotV2(Y.snapshot(this.doc))));
          this.remoteSinceCovered = false;
        }
        if (ops.length === 0) return;
        await this.opts.storage.batch(ops);
        const gone = new Set(done);
        this.outbox = this.outbox.filter((e) => !gone.has(e));
      });
    } catch {
      // Storage refused: the same state is saved on the next change or at close.
    } finally {
      this.saving = undefined;
      if (this.saveAgain) {
        this.saveAgain = false;
        this.scheduleSave();
      }
    }
  }

  // ---- compaction -----------------------------------------------------------------------------------------

  /** Called on our own ack: we are the most recent writer. */
  private maybeCompact(l: Link): void {
    if (this.kind !== 'edit' || l.t.kind !== 'relay' || l.snapTimer !== undefined || l.snapInFlight) return;
    const { count, bytes } = l.rec.sinceSnap;
    if (count <= this.snapshotEvery.updates && bytes <= this.snapshotEvery.bytes) return;
    l.snapTimer = setTimeout(
      () => {
        l.snapTimer = undefined;
        this.uploadSnapshot(l);
      },
      Math.floor(this.random() * SNAPSHOT_BACKOFF_MS),
    );
  }

  private uploadSnapshot(l: Link): void {
    if (this.closed || this.broken || l.phase !== 'synced' || !l.proven || l.snapInFlight) return;
    // Coverage must describe the state exactly: nothing verified may be waiting outside the Y.Doc.
    if (this.gaps.size > 0 || this.heldQueue.length > 0 || this.holds > 0) return;
    // The current snapshot's coverage is always safe to claim (the relay folded it in, and its state is in
    // the Y.Doc), and a snapshot may never cover less than its parent.
    const covers: Record<string, number> = { ...(l.rec.snap?.covers ?? {}) };
    const all = new Set([...this.devices, ...Object.keys(l.rec.held)]);
    for (const d of all) {
      const held = l.rec.held[d] ?? 0;
      // Never claim an update the relay has not confirmed holding, nor one not applied here.
      const through = this.isOwnDevice(d) ? held : Math.min(held, this.seqs.lastSeq(d));
      if (through > (covers[d] ?? 0)) covers[d] = through;
    }
    const list = Object.entries(covers).map(([deviceId, through]) => ({ deviceId, through }));
    if (list.length > MAX_SNAPSHOT_DEVICES) return;
    const parent = l.rec.snap ? { snapId: l.rec.snap.snapId, proof: fromB64url(l.rec.snap.proof)! } : null;
    let env: SnapshotEnvelope;
    try {
      env = sealSnapshot(this.keys, { epoch: 0, parent, covers: list }, Y.encodeStateAsUpdateV2(this.doc));
    } catch (e) {
      // Too large for one envelope: it will not fit next time either (until the document shrinks), so say
      // it once per session rather than on every ack.
      if (!this.snapshotFailed)
        this.addProblem('rejected', l.t.id, `snapshot: ${e instanceof Error ? e.message : String(e)}`);
      this.snapshotFailed = true;
      return;
    }
    if (this.sendFrame(l, { type: 'snapshot', docId: this.docId, relaySeq: 0, envelope: env })) {
      l.snapInFlight = { env, covers };
    }
  }

  // ---- peers ----------------------------------------------------------------------------------------------

  /**
   * Everything from a peer: a flood meter first (a peer that sends too much is dropped, not the session),
   * then the peer decoder (only peer-hello, update, snapshot and presence, of this document), then the same
   * checks as from a relay.
   */
  private onPeerFrame(l: Link, bytes: Uint8Array): void {
    const p = l.peer;
    if (this.closed || !p) return;
    l.lastRx = this.now();
    if (l.probeDeadline !== undefined) {
      clearTimeout(l.probeDeadline);
      l.probeDeadline = undefined;
    }
    // Real time: the meter bounds work per second of this machine, whatever clock the session was given.
    const now = Date.now();
    const elapsed = Math.max(0, now - p.refilledAt) / 1000;
    p.refilledAt = now;
    p.frameTokens = Math.min(PEER_LIMITS.framesPerSecond, p.frameTokens + elapsed * PEER_LIMITS.framesPerSecond);
    p.byteTokens = Math.min(PEER_LIMITS.bytesPerSecond, p.byteTokens + elapsed * PEER_LIMITS.bytesPerSecond);
    p.frameTokens -= 1;
    p.byteTokens -= bytes.length;
    if (p.frameTokens < 0 || p.byteTokens < 0) return this.dropPeer(l, 'flood');
    const d = decodePeerFrame(bytes);
    if (!d.ok || d.value.docId !== this.docId) return this.dropPeer(l, 'malformed');
    const f = d.value;
    switch (f.type) {
      case 'peer-hello':
        return this.onPeerHello(l, f);
      case 'update':
        this.onRemoteUpdate(l, 0, f.envelope);
        return this.afterRemote();
      case 'snapshot':
        this.onRemoteSnapshot(l, 0, f.envelope);
        return this.afterRemote();
      case 'presence':
        this.receivePresence(l, f.envelope.bytes);
        return;
    }
  }

  private dropPeer(l: Link, why: PeerCloseName): void {
    if (l.phase === 'waiting') return;
    // Dropped for misbehaving: it waits the longest backoff before we try it again.
    l.trouble = `peer ${why}`;
    this.addProblem('peer-dropped', l.t.id, why);
    l.t.disconnect(PEER_CLOSE[why], why);
  }

  /** What this session holds: per device the highest seq with no hole below it, applied here. */
  private holdings(): Map<string, number> {
    const has = new Map<string, number>();
    for (const d of this.devices) {
      const n = this.seqs.lastSeq(d);
      if (n > 0) has.set(d, n);
    }
    // Our own devices (this one and older ones still in the outbox): what we sealed.
    for (const e of this.outbox) if (e.env.seq > (has.get(e.env.deviceId) ?? 0)) has.set(e.env.deviceId, e.env.seq);
    if (this.editStarted && this.nextSeq > 1) has.set(this.myDevice, this.nextSeq - 1);
    return has;
  }

  private myHeads(): PeerHead[] {
    const heads: PeerHead[] = [];
    for (const l of this.links) {
      const snap = l.t.kind === 'relay' ? l.rec.snap : null;
      const proof = snap ? fromB64url(snap.proof) : undefined;
      if (!snap || !proof || l.t.id.length === 0 || new TextEncoder().encode(l.t.id).length > 255) continue;
      const parentProof = snap.parent ? fromB64url(snap.parent.proof) : undefined;
      if (snap.parent === undefined || (snap.parent && !parentProof)) continue;
      heads.push({
        relayId: l.t.id,
        snapId: snap.snapId,
        proof,
        parent: snap.parent && parentProof ? { snapId: snap.parent.snapId, proof: parentProof } : null,
      });
      if (heads.length === 16) break;
    }
    return heads;
  }

  private sendPeerHello(l: Link, reply: boolean): void {
    const has = [...this.holdings()]
      .slice(0, MAX_SNAPSHOT_DEVICES)
      .map(([deviceId, through]) => ({ deviceId, through }));
    l.t.send(
      encodePeerFrame({
        type: 'peer-hello',
        docId: this.docId,
        edit: this.kind === 'edit',
        reply,
        has,
        heads: this.myHeads(),
      }),
    );
  }

  private onPeerHello(l: Link, h: PeerHello): void {
    const p = l.peer!;
    if (h.reply) this.sendPeerHello(l, false);
    // Its own word on what it holds replaces our guess (it may have dropped what we sent it).
    p.has = new Map(h.has.map((x) => [x.deviceId, x.through]));
    p.edit = h.edit;
    const first = !p.helloed;
    p.helloed = true;
    if (first) {
      l.phase = 'synced';
      l.attempts = 0;
      l.trouble = undefined;
      if (l.probeTimer === undefined) this.armProbe(l);
      this.presence.announce();
    }
    this.checkHeads(l, h.heads);
    this.servePeer(l);
    this.emitStatus();
  }

  /** E2EE 4.8 #7: the peer's relay heads against ours (fork.ts). Reported once per pair of heads. */
  private checkHeads(l: Link, theirs: readonly PeerHead[]): void {
    const mine = new Map(this.myHeads().map((h) => [h.relayId, h]));
    for (const t of theirs) {
      const m = mine.get(t.relayId);
      if (!m || !headsFork(m, t)) continue;
      const key = `${t.relayId} ${m.snapId} ${t.snapId}`;
      if (l.peer!.reported.has(key)) continue;
      l.peer!.reported.add(key);
      this.addProblem('fork', t.relayId, l.t.id);
    }
  }

  /** The peer sent or was sent (deviceId, seq): it holds everything of that device up to there. */
  private peerHolds(l: Link, deviceId: string, seq: number): void {
    const p = l.peer;
    if (p && seq > (p.has.get(deviceId) ?? 0)) p.has.set(deviceId, seq);
  }

  /** After new verified envelopes: live to every peer, and to relays if a peer taught them to us. */
  private spread(viaPeer: boolean): void {
    this.servePeers();
    if (viaPeer) for (const l of this.links) this.pump(l);
  }

  private servePeers(): void {
    for (const l of this.links) if (l.t.kind === 'peer') this.servePeer(l);
  }

  /**
   * Sends the peer what it lacks, device by device in seq order, paced. What the log cannot give (it was
   * trimmed, or the session restarted) an edit session covers with one freshly sealed snapshot of its
   * whole state; a view session cannot sign one and sends what it has.
   */
  private servePeer(l: Link): void {
    const p = l.peer;
    if (this.closed || !p || !p.helloed || l.phase !== 'synced' || p.serveTimer !== undefined) return;
    const mine = this.holdings();
    let missing = 0;
    let unservable = false;
    for (const [d, n] of mine) {
      const theirs = p.has.get(d) ?? 0;
      if (n <= theirs) continue;
      missing += n - theirs;
      if (!this.log.after(d, theirs)) unservable = true;
    }
    if (missing === 0) return;
    // At most one fresh snapshot per peer per PEER_SNAPSHOT_EVERY_MS: a hello costs the peer nothing, a
    // snapshot costs us the whole document (a hostile peer repeating `has: []` must not make us loop).
    const snapshotDue = Date.now() - p.snapshotAt >= PEER_SNAPSHOT_EVERY_MS;
    if ((unservable || missing > PEER_SNAPSHOT_OVER) && this.kind === 'edit' && snapshotDue) {
      if (this.holds > 0 || this.heldQueue.length > 0) {
        // The snapshot must contain what it claims: wait until held updates are applied.
        p.serveTimer = setTimeout(() => {
          p.serveTimer = undefined;
          this.servePeer(l);
        }, 200);
        return;
      }
      this.sendPeerSnapshot(l, mine);
    }
    for (const d of this.log.devices()) {
      const run = this.log.after(d, p.has.get(d) ?? 0);
      for (const e of run ?? []) {
        if (l.t.buffered > MAX_BUFFERED) return this.servePeerLater(l, 50);
        const now = Date.now();
        while (l.sendTimes.length > 0 && l.sendTimes[0]! <= now - 1000) l.sendTimes.shift();
        if (l.sendTimes.length >= PEER_SENDS_PER_SECOND) return this.servePeerLater(l, l.sendTimes[0]! + 1000 - now);
        if (!l.t.send(encodePeerFrame({ type: 'update', docId: this.docId, relaySeq: 0, envelope: e.env }))) return;
        l.sendTimes.push(now);
        this.peerHolds(l, d, e.env.seq);
      }
    }
  }

  private servePeerLater(l: Link, delay: number): void {
    const p = l.peer;
    if (!p || p.serveTimer !== undefined) return;
    p.serveTimer = setTimeout(
      () => {
        p.serveTimer = undefined;
        this.servePeer(l);
      },
      Math.max(10, delay),
    );
  }

  /** One snapshot of the whole state, signed like any, claiming exactly what this session holds. */
  private sendPeerSnapshot(l: Link, mine: Map<string, number>): void {
    const p = l.peer!;
    p.snapshotAt = Date.now();
    const covers = [...mine].slice(0, MAX_SNAPSHOT_DEVICES).map(([deviceId, through]) => ({ deviceId, through }));
    let env: SnapshotEnvelope;
    try {
      env = sealSnapshot(this.keys, { epoch: 0, parent: null, covers }, Y.encodeStateAsUpdateV2(this.doc));
    } catch {
      // Larger than one envelope: the peer gets what the log has.
      return;
    }
    if (!l.t.send(encodePeerFrame({ type: 'snapshot', docId: this.docId, relaySeq: 0, envelope: env }))) return;
    for (const c of covers) this.peerHolds(l, c.deviceId, c.through);
  }

  /**
   * A peer's snapshot: verified (signed by the write key, so a view peer cannot make one) and applied like
   * a relay's, its coverage consumed per device. It is no relay's snapshot: no chain, no relay position.
   */
  private onPeerSnapshot(l: Link, env: SnapshotEnvelope, update: Uint8Array): void {
    if (!checkUpdate(update).ok) {
      this.addProblem('bad-update', l.t.id, env.snapId);
      void this.quarantine(env.bytes);
      return;
    }
    this.deliver(update);
    for (const c of env.covers) {
      this.peerHolds(l, c.deviceId, c.through);
      if (this.isOwnDevice(c.deviceId)) continue;
      this.devices.add(c.deviceId);
      this.seqs.advance(c.deviceId, c.through);
      this.drainGaps(l.t.id, c.deviceId);
    }
    this.servePeers();
  }

  // ---- blobs ----------------------------------------------------------------------------------------------

  async putBlob(blobId: string, ciphertext: Uint8Array): Promise<Result<void, 'offline' | 'rejected'>> {
    if (this.kind !== 'edit') return err('offline');
    let l = this.links.find((x) => x.phase === 'synced' && x.proven && x.t.kind === 'relay');
    const proving = this.links.find((x) => x.phase === 'synced' && x.t.kind === 'relay');
    if (!l && proving) {
      // Synced but the prove answer is still on its way (it follows `synced`): wait for it, not 'offline'.
      await this.wait(() => proving.proven || proving.phase !== 'synced' || this.closed).catch(() => {});
      if (proving.proven && proving.phase === 'synced') l = proving;
    }
    if (!l || this.closed) return err('offline');
    const link = l;
    return new Promise((resolve) => {
      const list = link.blobPuts.get(blobId) ?? [];
      list.push(resolve);
      link.blobPuts.set(blobId, list);
      if (!this.sendFrame(link, { type: 'blob-put', docId: this.docId, blobId, data: ciphertext })) {
        link.blobPuts.delete(blobId);
        resolve(err('offline'));
      }
    });
  }

  getBlob(blobId: string): Promise<Result<Uint8Array, 'not-found' | 'offline'>> {
    const l = this.links.find((x) => x.phase === 'synced' && x.t.kind === 'relay');
    if (!l) return Promise.resolve(err('offline'));
    return new Promise((resolve) => {
      // The relay answers blob-get in order, and `not-found` carries no blob id: one request at a time
      // per blob id is enough for images.
      const list = l.blobGets.get(blobId) ?? [];
      list.push(resolve);
      l.blobGets.set(blobId, list);
      if (list.length === 1 && !this.sendFrame(l, { type: 'blob-get', docId: this.docId, blobId })) {
        l.blobGets.delete(blobId);
        resolve(err('offline'));
      }
    });
  }

  // ---- status, problems, events -----------------------------------------------------------------------------

  get status(): SyncStatus {
    return this.lastStatus;
  }

  private pendingCount(): number {
    const relays = this.links.filter((l) => l.t.kind === 'relay');
    // No relay configured (state `local`): nothing waits for an acknowledgement, peers or not.
    if (!this.editing || relays.length === 0) return 0;
    let n = 0;
    for (const e of this.outbox) {
      if (!relays.some((l) => this.confirmed(l, e.env.deviceId, e.env.seq))) n++;
    }
    return n + (this.gathering.length > 0 ? 1 : 0);
  }

  private linkState(l: Link): Exclude<SyncState, 'local'> {
    if (l.trouble !== undefined) return 'error';
    if (l.phase === 'synced') return 'synced';
    if (l.phase === 'waiting') return 'offline';
    return 'connecting';
  }

  private computeStatus(): SyncStatus {
    const transports = this.links.map((l) => {
      const state = this.linkState(l);
      // Per relay, what it has not confirmed yet: "moving to another server" waits for 0 on the new one.
      const pending =
        l.t.kind === 'relay'
          ? { pending: this.outbox.filter((e) => !this.confirmed(l, e.env.deviceId, e.env.seq)).length }
          : {};
      return l.phase === 'waiting' && l.retryAt !== undefined
        ? { id: l.t.id, kind: l.t.kind, state, ...pending, retryAt: l.retryAt }
        : { id: l.t.id, kind: l.t.kind, state, ...pending };
    });
    // Only relays decide the state: a peer's receipt is not durable, so peers never make it `synced`.
    const relays = transports.filter((t) => t.kind === 'relay');
    let state: SyncState;
    if (relays.length === 0) state = 'local';
    else if (this.broken) state = 'error';
    else if (relays.some((t) => t.state === 'synced')) state = 'synced';
    else if (relays.some((t) => t.state === 'error')) state = 'error';
    else if (relays.some((t) => t.state === 'connecting')) state = 'connecting';
    else state = 'offline';
    return { state, pending: this.pendingCount(), transports, problems: this.problems };
  }

  private emitStatus(): void {
    const s = this.computeStatus();
    const key = JSON.stringify([s.state, s.pending, s.transports, s.problems.length, s.problems.at(-1)?.at]);
    this.lastStatus = s;
    if (key === this.statusKey) return;
    this.statusKey = key;
    for (const cb of [...this.listeners.status]) cb(s);
  }

  private addProblem(kind: SyncProblemKind, transportId: string, detail?: string): void {
    const p: SyncProblem =
      detail === undefined ? { kind, transportId, at: this.now() } : { kind, transportId, detail, at: this.now() };
    this.problems = [...this.problems, p].slice(-MAX_PROBLEMS);
    for (const cb of [...this.listeners.problem]) cb(p);
    this.emitStatus();
  }

  on<K extends keyof SessionEvents>(event: K, cb: SessionEvents[K]): () => void {
    const set = this.listeners[event] as Set<SessionEvents[K]>;
    set.add(cb);
    return () => set.delete(cb);
  }

  setUser(user: PeerInfo): void {
    this.awareness.setLocalStateField('user', { name: user.name, color: user.color });
  }

  // ---- waiting ------------------------------------------------------------------------------------------

  private settleWaiters(): void {
    this.waiters = this.waiters.filter((w) => {
      if (!w.check()) return true;
      w.resolve();
      return false;
    });
  }

  private wait(check: () => boolean, signal?: AbortSignal): Promise<void> {
    if (check()) return Promise.resolve();
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        check,
        resolve: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
        reject,
      };
      const onAbort = (): void => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(w);
    });
  }

  async whenAcknowledged(opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.flush();
    await this.wait(() => this.pendingCount() === 0, opts.signal);
  }

  whenSynced(opts: { signal?: AbortSignal } = {}): Promise<void> {
    return this.wait(() => this.links.some((l) => l.everSynced), opts.signal);
  }

  // ---- closing ------------------------------------------------------------------------------------------

  private stopTimers(): void {
    for (const t of [this.sealTimer, this.sealRetry, this.saveTimer]) if (t !== undefined) clearTimeout(t);
    this.sealTimer = this.sealRetry = this.saveTimer = undefined;
    for (const l of this.links) {
      this.clearLinkTimers(l);
      if (l.retryTimer !== undefined) clearTimeout(l.retryTimer);
      l.retryTimer = undefined;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.editing) await this.flush().catch(() => {});
    this.closed = true;
    this.stopTimers();
    this.doc.off('afterTransactionCleanup', this.onTransactionCleanup);
    this.doc.off('updateV2', this.onLocalUpdate);
    this.doc.off('destroy', this.onDocDestroy);
    // Sends our removal while the connections are still up.
    this.presence.destroy();
    for (const l of this.links) l.t.disconnect();
    this.awareness.destroy();
    if (this.gaps.size === 0 && this.heldQueue.length === 0) this.noteConsistent();
    // A save already running took its state earlier: wait for it, then save the final state.
    await this.saving;
    await this.save();
    this.stopTimers();
    const error = new Error('session closed');
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  retryNow(): void {
    for (const l of this.links) {
      if (l.phase !== 'waiting' || l.retryTimer === undefined || this.closed) continue;
      clearTimeout(l.retryTimer);
      l.attempts = 0;
      this.connect(l);
    }
  }

  abandon(): void {
    this.dead = true;
    this.closed = true;
    this.stopTimers();
    this.doc.off('afterTransactionCleanup', this.onTransactionCleanup);
    this.doc.off('updateV2', this.onLocalUpdate);
    this.doc.off('destroy', this.onDocDestroy);
    // A crash sends nothing: connections go first, so the presence removal has nowhere to go.
    for (const l of this.links) l.t.disconnect();
    this.presence.destroy();
    this.awareness.destroy();
    for (const w of this.waiters.splice(0)) w.reject(new Error('session abandoned'));
  }
}

function newPeerLink(now: number): PeerLink {
  return {
    helloed: false,
    edit: false,
    has: new Map(),
    frameTokens: PEER_LIMITS.framesPerSecond,
    byteTokens: PEER_LIMITS.bytesPerSecond,
    refilledAt: Date.now() || now,
    snapshotAt: 0,
    serveTimer: undefined,
    reported: new Set(),
  };
}

function decodeSnapshot(bytes: Uint8Array | undefined): Y.Snapshot {
  if (!bytes) return Y.emptySnapshot;
  try {
    return Y.decodeSnapshotV2(bytes);
  } catch {
    // Unknown: treat everything as never sealed (resending content is harmless; losing it is not).
    return Y.emptySnapshot;
  }
}
