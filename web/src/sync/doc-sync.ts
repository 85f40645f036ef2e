/**
 * One open document's link to the network, as the page sees it (SyncView). Only one tab per document
 * runs the sync session: the one holding the Web Lock `dure-sync:<docId>`. It posts its status and
 * who is here on the BroadcastChannel `dure-sync-status`; other tabs show that and send their edits
 * through LocalDoc records, which reach the leader's Y.Doc and from there the relay. When the leader
 * closes the document its lock is released and a waiting tab starts its own session.
 *
 * Two sessions on one document's storage would each think they own the outbox (and could seal one
 * seq twice with different bytes), so without Web Locks (a plain-http LAN page) a tab runs the
 * session only when no other tab answers on the channel, and of two that claimed at once one yields.
 */
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import * as Y from 'yjs';
import { blobKey, type DocKeys, type Storage } from '@dure/shared';
import type { DocSession, PeerInfo, SyncState, SyncStatus, Transport } from '@dure/shared/sync/types';
import { addPendingUpload, donePendingUpload, pendingUploads } from './blob-uploads';
import { cleanName, isColor, type PrefStore } from './prefs';
import { localPrefs, RelayList, type RelayListView } from './relay-list';
import { relayHost } from './relays';
import { LOCAL_STATUS } from './status-text';
import { withPeers } from './webrtc';

/** What the web app needs from shared/src/sync (injected, so the core can run without a relay). */
export interface SyncEngine {
  startSession(opts: {
    ydoc: Y.Doc;
    keys: DocKeys;
    storage: Storage;
    docKey: Uint8Array;
    transports: Transport[];
    inviteToken?: Uint8Array;
    /** resolves once what is applied to the Y.Doc is stored (LocalDoc.flush) */
    durable?: () => Promise<void>;
  }): Promise<DocSession>;
  createTransport(url: string): Transport;
}

/** Read when a document opens: a changed setting applies to documents opened afterwards. */
export interface SyncConfig {
  /**
   * this device's own relay (WebSocket URL); undefined = this device only. A document that lists its
   * relays uses those instead (web/src/sync/relays.ts says which).
   */
  readonly url: string | undefined;
  readonly inviteToken?: Uint8Array;
  readonly user: PeerInfo;
}

export interface PeerView {
  readonly clientId: number;
  readonly name: string;
  readonly color: string;
  /** this person: the session's own awareness client, or the leader tab of this same device */
  readonly self: boolean;
  /**
   * How this device hears from them (absent for this person): directly (a WebRTC peer) or through
   * relays, by host. Without a per-person route from the engine: every relay synced now, which is
   * where their presence can come from.
   */
  readonly via?: PeerRoute;
}

export interface PeerRoute {
  readonly direct: boolean;
  readonly relays: readonly string[];
}

export type SyncRole = 'off' | 'waiting' | 'follower' | 'leader';

export interface SyncViewEvents {
  status(s: SyncStatus): void;
  peers(p: readonly PeerView[]): void;
  /** the session's awareness became available (this tab took the lead) or went away */
  awareness(a: Awareness | undefined): void;
  /** applying a remote update failed: the page must reopen the document from storage */
  'reload-needed'(): void;
  /**
   * A document without a relay now has one to use (this person confirmed one, here or in another tab):
   * the page opens it again, with a session. Nothing went wrong, so nothing to tell the person.
   */
  'reopen-needed'(): void;
}

export interface SyncView {
  readonly role: SyncRole;
  readonly status: SyncStatus;
  readonly peers: readonly PeerView[];
  /** the session's y-protocols awareness, only in the tab that runs the session */
  readonly awareness: Awareness | undefined;
  /** the document's relays and this device's choices; undefined when the app has no sync engine */
  readonly relays: RelayListView | undefined;
  on<K extends keyof SyncViewEvents>(event: K, cb: SyncViewEvents[K]): () => void;
  setUser(user: PeerInfo): void;
  /**
   * The page is going away (pagehide): say goodbye to collaborators now, so their lists drop this
   * person without waiting for the awareness timeout. `setUser` (on pageshow) says hello again.
   */
  leave(): void;
  /** Holds remote updates back (IME composition); a no-op in tabs that do not run the session. */
  holdRemote(): () => void;
  /**
   * An image stored on this device must reach the relay: uploaded now when this tab's session is
   * synced, otherwise remembered and uploaded at the next sync (by whichever tab runs the session).
   */
  uploadBlob(blobId: string): void;
  /**
   * The sealed blob record from a relay (as BlobStore stores it), waiting for a synced session; undefined
   * when there is no relay, the relay does not have it after a few tries, or the document closes.
   */
  fetchBlob(blobId: string): Promise<Uint8Array | undefined>;
  /** Closes the session (its last batch is stored first) and lets another tab take over. */
  close(): Promise<void>;
}

export const STATUS_CHANNEL = 'dure-sync-status';
export const lockName = (docId: string): string => `dure-sync:${docId}`;

type Message =
  | { readonly type: 'ask'; readonly docId: string }
  | { readonly type: 'blobs'; readonly docId: string }
  /** collaborators' awareness states (carets), y-protocols encoding, for tabs that do not run the session */
  | { readonly type: 'carets'; readonly docId: string; readonly update: Uint8Array }
  | {
      readonly type: 'status';
      readonly docId: string;
      readonly status: SyncStatus;
      readonly peers: PeerView[];
      /** the leader's Y.Doc state vector: which of a follower's own edits it has taken in */
      readonly sv?: Uint8Array;
      /** the posting tab (random): without Web Locks two tabs may both lead; the larger one yields */
      readonly from?: number;
    }
  | { readonly type: 'gone'; readonly docId: string };

const STATES: readonly SyncState[] = ['local', 'offline', 'connecting', 'synced', 'error'];

/** Messages come from other tabs of this origin; still, take only the shapes this module sends. */
function parseMessage(m: unknown): Message | undefined {
  if (typeof m !== 'object' || m === null) return undefined;
  const r = m as Record<string, unknown>;
  if (typeof r.docId !== 'string') return undefined;
  if (r.type === 'ask' || r.type === 'gone' || r.type === 'blobs') return { type: r.type, docId: r.docId };
  if (r.type === 'carets')
    return r.update instanceof Uint8Array ? { type: 'carets', docId: r.docId, update: r.update } : undefined;
  if (r.type !== 'status') return undefined;
  const s = r.status as Partial<SyncStatus> | undefined;
  if (!s || !STATES.includes(s.state as SyncState) || typeof s.pending !== 'number') return undefined;
  const status: SyncStatus = {
    state: s.state as SyncState,
    pending: s.pending,
    transports: Array.isArray(s.transports) ? s.transports : [],
    problems: Array.isArray(s.problems) ? s.problems : [],
  };
  const peers = Array.isArray(r.peers) ? r.peers.flatMap((p) => sanitizePeer(p, undefined)) : [];
  return {
    type: 'status',
    docId: r.docId,
    status,
    peers,
    ...(r.sv instanceof Uint8Array ? { sv: r.sv } : {}),
    ...(typeof r.from === 'number' ? { from: r.from } : {}),
  };
}

function sanitizePeer(p: unknown, selfId: number | undefined): PeerView[] {
  if (typeof p !== 'object' || p === null) return [];
  const r = p as Record<string, unknown>;
  if (typeof r.clientId !== 'number') return [];
  const name = typeof r.name === 'string' ? cleanName(r.name) : '';
  const via = r.via as Partial<PeerRoute> | undefined;
  const route: PeerRoute | undefined =
    typeof via === 'object' && via !== null && typeof via.direct === 'boolean' && Array.isArray(via.relays)
      ? { direct: via.direct, relays: via.relays.filter((x): x is string => typeof x === 'string').slice(0, 16) }
      : undefined;
  return [
    {
      clientId: r.clientId,
      name,
      color: isColor(r.color) ? r.color : '#455a64',
      self: selfId === undefined ? r.self === true : r.clientId === selfId,
      ...(route ? { via: route } : {}),
    },
  ];
}

/** Each collaborator's route; see PeerView.via. */
function withRoutes(peers: PeerView[], session: DocSession): PeerView[] {
  const routeOf = session.presenceRoute.bind(session);
  const live = session.status.transports.filter((t) => t.state === 'synced');
  const synced = live.filter((t) => t.kind !== 'peer').map((t) => relayHost(t.id));
  return peers.map((p) => {
    if (p.self) return p;
    const r = routeOf(p.clientId);
    // A route through a transport that is gone (a relay died) says nothing any more.
    if (r && live.some((t) => t.id === r.id))
      return { ...p, via: { direct: r.kind === 'peer', relays: r.kind === 'relay' ? [relayHost(r.id)] : [] } };
    return { ...p, via: { direct: false, relays: synced } };
  });
}

/** Everyone the awareness knows with a `user` field, this person first. */
export function peersOf(awareness: Awareness): PeerView[] {
  const out: PeerView[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const user = (state as { user?: { name?: unknown; color?: unknown } }).user;
    // Only name and colour come from the person; the route is this device's own observation.
    const shown = typeof user === 'object' && user !== null ? { name: user.name, color: user.color } : {};
    out.push(...sanitizePeer({ ...shown, clientId }, awareness.clientID));
  }
  return out.sort((a, b) => Number(b.self) - Number(a.self) || a.name.localeCompare(b.name) || a.clientId - b.clientId);
}

type Listeners = { [K in keyof SyncViewEvents]: Set<SyncViewEvents[K]> };

export interface SyncViewOptions {
  readonly docId: string;
  readonly ydoc: Y.Doc;
  readonly keys: DocKeys;
  readonly docKey: Uint8Array;
  readonly storage: Storage;
  /** LocalDoc.flush: the session records how far it received only after LocalDoc stored it */
  readonly durable?: () => Promise<void>;
  readonly engine: SyncEngine | undefined;
  readonly config: SyncConfig;
  /** navigator.locks; undefined on pages without Web Locks (each tab then runs its session) */
  readonly locks?: Pick<LockManager, 'request'>;
  /** BroadcastChannel for the status; undefined where there is none */
  readonly channel?: () => BroadcastChannel;
  /** where this device's relay choices per document are kept (default: localStorage) */
  readonly prefs?: PrefStore;
}

export function openSyncView(opts: SyncViewOptions): SyncView {
  if (!opts.engine) return new OffView(opts.config.user, undefined);
  const relays = new RelayList({
    docId: opts.docId,
    ydoc: opts.ydoc,
    own: opts.config.url,
    canEdit: opts.keys.kind === 'edit',
    store: opts.prefs ?? localPrefs(),
    ...(typeof window !== 'undefined' ? { events: window } : {}),
  });
  if (relays.used.length === 0) return new OffView(opts.config.user, relays);
  // Direct WebRTC links to collaborators, signaled through the same relays (webrtc.ts).
  return new SharedSyncView(opts, withPeers(opts.engine, opts.keys), relays);
}

/** No relay configured: the automation contract's `local` state, and this person alone. */
class OffView implements SyncView {
  readonly role = 'off';
  readonly status = LOCAL_STATUS;
  readonly awareness = undefined;
  peers: readonly PeerView[];
  private readonly listeners = new Set<(p: readonly PeerView[]) => void>();
  private readonly reload = new Set<() => void>();
  private readonly stopRelays: () => void;
  constructor(
    user: PeerInfo,
    readonly relays: RelayListView | undefined,
  ) {
    this.peers = [{ clientId: 0, ...user, self: true }];
    // A relay chosen for this document (here or in another tab): the page reopens it with a session.
    this.stopRelays =
      relays?.on(() => {
        if (relays.used.length > 0) this.reload.forEach((cb) => cb());
      }) ?? (() => undefined);
  }
  on<K extends keyof SyncViewEvents>(event: K, cb: SyncViewEvents[K]): () => void {
    if (event === 'reopen-needed') {
      const f = cb as SyncViewEvents['reopen-needed'];
      this.reload.add(f);
      return () => this.reload.delete(f);
    }
    if (event !== 'peers') return () => undefined;
    const f = cb as SyncViewEvents['peers'];
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }
  setUser(user: PeerInfo): void {
    this.peers = [{ clientId: 0, ...user, self: true }];
    this.listeners.forEach((cb) => cb(this.peers));
  }
  holdRemote(): () => void {
    return () => undefined;
  }
  uploadBlob(): void {}
  leave(): void {}
  fetchBlob(): Promise<Uint8Array | undefined> {
    return Promise.resolve(undefined);
  }
  close(): Promise<void> {
    this.stopRelays();
    this.relays?.dispose();
    return Promise.resolve();
  }
}

/** A blob may reach the relay a little after the update that references it: ask again a few times. */
const FETCH_TRIES = 5;
const FETCH_RETRY_MS = 2000;

const CONNECTING: SyncStatus = Object.freeze({ state: 'connecting', pending: 0, transports: [], problems: [] });
/** Without Web Locks: how long a tab waits for another tab's answer before it runs the session. */
const CLAIM_MS = 300;
const CLAIM_JITTER_MS = 300;
/**
 * Without Web Locks nothing tells a follower that the leading tab is gone when it dies without a word
 * (closed before its 'gone' went out, crashed, killed): a follower asks every WATCH_MS and takes over
 * after LEADER_SILENT_MS without an answer. A leader that was only busy yields again (see onMessage).
 */
const WATCH_MS = 2000;
const LEADER_SILENT_MS = 5000;

class SharedSyncView implements SyncView {
  role: SyncRole = 'waiting';
  status: SyncStatus = CONNECTING;
  peers: readonly PeerView[];
  private session: DocSession | undefined;
  private user: PeerInfo;
  private closed = false;
  private readonly abort = new AbortController();
  private releaseLock: () => void = () => undefined;
  private readonly lockHeld: Promise<void>;
  private readonly channel: BroadcastChannel | undefined;
  private readonly stops: (() => void)[] = [];
  private readonly listeners: Listeners = {
    status: new Set(),
    peers: new Set(),
    awareness: new Set(),
    'reload-needed': new Set(),
    'reopen-needed': new Set(),
  };

  constructor(
    private readonly opts: SyncViewOptions,
    private readonly engine: SyncEngine,
    readonly relays: RelayList,
  ) {
    this.user = opts.config.user;
    this.stopRelays = relays.on(() => {
      if (this.role === 'leader' && !this.closed) this.leading = this.leading.then(() => this.followRelays());
    });
    this.peers = [{ clientId: 0, ...this.user, self: true }];
    this.lockHeld = new Promise((resolve) => (this.releaseLock = resolve));
    try {
      this.channel = opts.channel?.();
    } catch {
      this.channel = undefined;
    }
    this.channel?.addEventListener('message', this.onMessage);
    opts.ydoc.on('update', this.onOwnUpdate);
    this.post({ type: 'ask', docId: opts.docId });
    if (opts.locks) {
      opts.locks
        .request(lockName(opts.docId), { signal: this.abort.signal }, async () => {
          if (this.closed) return;
          this.leading = this.lead();
          await this.leading;
          await this.lockHeld;
        })
        .catch((e: unknown) => {
          // AbortError: the page closed while another tab led; anything else leaves this tab a follower.
          if (!this.closed) console.error('waiting to run the sync session failed', e);
        });
    } else if (this.channel) {
      this.claim();
      this.watchTimer = setInterval(() => this.watchLeader(), WATCH_MS);
    } else this.leading = this.lead();
  }

  private watchTimer: ReturnType<typeof setInterval> | undefined;
  private leaderHeardAt = 0;

  private watchLeader(): void {
    if (this.closed || this.role !== 'follower') return;
    if (Date.now() - this.leaderHeardAt > LEADER_SILENT_MS) {
      this.role = 'waiting';
      this.setStatus({ ...CONNECTING, pending: this.status.pending });
      this.claim();
    } else this.post({ type: 'ask', docId: this.opts.docId });
  }

  private readonly tabId = Math.random();
  private claimTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * Without Web Locks (a plain-http page): lead only when no tab answers for this document within a
   * moment. Two sessions on one device's outbox could seal the same seq with different bytes, and
   * the relay would take the second for a duplicate: at most one tab may run it.
   */
  private claim(): void {
    clearTimeout(this.claimTimer);
    this.post({ type: 'ask', docId: this.opts.docId });
    this.claimTimer = setTimeout(
      () => {
        if (!this.closed && this.role === 'waiting') this.leading = this.lead();
      },
      CLAIM_MS + Math.random() * CLAIM_JITTER_MS,
    );
  }

  /** Another tab leads too (both claimed at once, no Web Locks): close this session, follow that tab. */
  private async yieldLead(): Promise<void> {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    this.role = 'follower';
    this.stops.splice(0).forEach((f) => f());
    this.listeners.awareness.forEach((cb) => cb(undefined));
    await session.close().catch((e: unknown) => console.error('closing the second session failed', e));
  }

  /** A session being started: closing waits for it, so it is closed before storage is let go. */
  private leading: Promise<void> = Promise.resolve();
  private readonly stopRelays: () => void;
  /** the relays the running session was given or has been told about since */
  private sessionRelays: readonly string[] = [];

  /**
   * The relays to use changed (a collaborator listed one, this person confirmed or removed one): the
   * running session gets or loses that relay's transport (a new relay then gets the whole document).
   */
  private followRelays(): void {
    const session = this.session;
    if (!session || this.closed) return;
    const want = this.relays.used;
    const have = this.sessionRelays;
    for (const url of want) if (!have.includes(url)) session.addTransport(this.engine.createTransport(url));
    for (const url of have) if (!want.includes(url)) session.removeTransport(url);
    this.sessionRelays = [...want];
  }

  get awareness(): Awareness | undefined {
    return this.session?.awareness ?? this.mirror;
  }

  /**
   * In a tab that does not run the session: collaborators' states as the leader tab posts them, so
   * their carets show here too. Its own local state stays null (this tab's caret is not published).
   */
  private mirror: Awareness | undefined;

  private dropMirror(): void {
    this.mirror?.destroy();
    this.mirror = undefined;
  }

  private postCarets(awareness: Awareness, ids: readonly number[]): void {
    const remote = ids.filter((id) => id !== awareness.clientID);
    if (remote.length > 0)
      this.post({ type: 'carets', docId: this.opts.docId, update: encodeAwarenessUpdate(awareness, remote) });
  }

  on<K extends keyof SyncViewEvents>(event: K, cb: SyncViewEvents[K]): () => void {
    (this.listeners[event] as Set<SyncViewEvents[K]>).add(cb);
    return () => (this.listeners[event] as Set<SyncViewEvents[K]>).delete(cb);
  }

  setUser(user: PeerInfo): void {
    this.user = user;
    const a = this.session?.awareness;
    // After leave() the local state is null, which setLocalStateField would leave as it is.
    if (a && a.getLocalState() === null) a.setLocalState({ user: { name: user.name, color: user.color } });
    if (this.session) this.session.setUser(user);
    else this.setPeers(this.peers.map((p) => (p.self ? { ...p, ...user } : p)));
  }

  leave(): void {
    // A null local state is y-protocols' removal; the presence channel sends it at once (pagehide
    // leaves no time for anything asynchronous).
    const a = this.session?.awareness;
    if (a && a.getLocalState() !== null) a.setLocalState(null);
  }

  holdRemote(): () => void {
    return this.session?.holdRemote() ?? (() => undefined);
  }

  uploadBlob(blobId: string): void {
    if (this.opts.keys.kind !== 'edit') return;
    addPendingUpload(this.opts.docId, blobId);
    if (this.session) void this.uploadPending();
    else this.post({ type: 'blobs', docId: this.opts.docId });
  }

  private uploading = false;
  /** Sends every remembered image of this document, one at a time, while the session is synced. */
  private async uploadPending(): Promise<void> {
    if (this.uploading) return;
    this.uploading = true;
    try {
      for (const blobId of pendingUploads(this.opts.docId)) {
        const session = this.session;
        if (!session || session.status.state !== 'synced') return;
        const sealed = await this.opts.storage.get(blobKey(this.opts.docId, blobId));
        // Gone from the device (the document or image was deleted): nothing left to send.
        if (sealed === undefined) {
          donePendingUpload(this.opts.docId, blobId);
          continue;
        }
        const r = await session.putBlob(blobId, sealed);
        if (r.ok) donePendingUpload(this.opts.docId, blobId);
        else if (r.error === 'offline') return;
        else console.error('the relay refused an image; it stays on this device', r.error);
      }
    } catch (e) {
      console.error('uploading images failed; retried at the next sync', e);
    } finally {
      this.uploading = false;
    }
  }

  async fetchBlob(blobId: string): Promise<Uint8Array | undefined> {
    for (let i = 0; i < FETCH_TRIES && !this.closed; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, FETCH_RETRY_MS));
      if (!(await this.whenSynced())) return undefined;
      const r = await this.session?.getBlob(blobId);
      if (r?.ok) return r.value;
    }
    return undefined;
  }

  /** Resolves true once this tab's session is synced, false when the document closes first. */
  private whenSynced(): Promise<boolean> {
    return new Promise((resolve) => {
      let off: () => void = () => undefined;
      const done = (v: boolean): true => {
        off();
        this.closers.delete(onClose);
        resolve(v);
        return true;
      };
      const onClose = (): void => void done(false);
      const check = (): boolean =>
        this.closed ? done(false) : this.session?.status.state === 'synced' ? done(true) : false;
      if (check()) return;
      this.closers.add(onClose);
      off = this.on('status', () => void check());
    });
  }

  private readonly closers = new Set<() => void>();

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.claimTimer);
    clearInterval(this.watchTimer);
    this.closers.forEach((f) => f());
    this.closers.clear();
    this.dropMirror();
    this.opts.ydoc.off('update', this.onOwnUpdate);
    this.stopRelays();
    this.relays.dispose();
    this.abort.abort();
    this.stops.splice(0).forEach((f) => f());
    await this.leading;
    const session = this.session;
    this.session = undefined;
    try {
      if (session) {
        await session.close();
        this.post({ type: 'gone', docId: this.opts.docId });
      }
    } finally {
      this.releaseLock();
      this.channel?.removeEventListener('message', this.onMessage);
      this.channel?.close();
    }
  }

  private async lead(): Promise<void> {
    let session: DocSession;
    const relays = [...this.relays.used];
    try {
      session = await this.engine.startSession({
        ydoc: this.opts.ydoc,
        keys: this.opts.keys,
        storage: this.opts.storage,
        docKey: this.opts.docKey,
        // One transport per relay, its id the relay's URL: the session keeps acks and positions per relay.
        transports: relays.map((url) => this.engine.createTransport(url)),
        ...(this.opts.config.inviteToken ? { inviteToken: this.opts.config.inviteToken } : {}),
        ...(this.opts.durable ? { durable: this.opts.durable } : {}),
      });
    } catch (e) {
      console.error('starting the sync session failed', e);
      this.role = 'leader';
      this.setStatus({ state: 'error', pending: this.status.pending, transports: [], problems: [] });
      return;
    }
    if (this.closed) {
      await session.close();
      return;
    }
    this.session = session;
    this.sessionRelays = relays;
    this.role = 'leader';
    session.setUser(this.user);
    const awareness = session.awareness;
    const onAwareness = (): void => {
      this.setPeers(withRoutes(peersOf(awareness), session));
      this.broadcast();
    };
    // A renewal changes no state but may come by another route (a relay died, a direct link opened).
    const onRenewal = (): void => {
      const next = withRoutes(peersOf(awareness), session);
      if (JSON.stringify(next) !== JSON.stringify(this.peers)) onAwareness();
    };
    // The relay keeps no presence: someone who just arrived knows only those who spoke since. Greeting
    // a newcomer with this person's state shows them who is here now, not at the next heartbeat.
    const onArrival = ({ added }: { added: number[] }, origin: unknown): void => {
      if (origin !== 'local' && added.some((id) => id !== awareness.clientID) && awareness.getLocalState() !== null)
        awareness.setLocalState(awareness.getLocalState());
    };
    // Every change of a collaborator's state (renewals too: the other tabs' copies must not time out).
    const onUpdate = ({ added, updated, removed }: Record<'added' | 'updated' | 'removed', number[]>): void =>
      this.postCarets(awareness, [...added, ...updated, ...removed]);
    awareness.on('change', onAwareness);
    awareness.on('update', onRenewal);
    awareness.on('change', onArrival);
    awareness.on('update', onUpdate);
    this.stops.push(() => awareness.off('change', onAwareness));
    this.stops.push(() => awareness.off('update', onRenewal));
    this.stops.push(() => awareness.off('change', onArrival));
    this.stops.push(() => awareness.off('update', onUpdate));
    this.stops.push(
      session.on('status', (s) => {
        this.setStatus(s);
        // Which relays are synced says how this device reaches the others.
        this.setPeers(withRoutes(peersOf(awareness), session));
        this.broadcast();
        // Not only on becoming synced: the relay takes blobs once write access is proven, which the
        // session reports as a later status while already synced.
        if (s.state === 'synced') void this.uploadPending();
      }),
    );
    this.stops.push(session.on('reload-needed', () => this.listeners['reload-needed'].forEach((cb) => cb())));
    // Back online after a long outage: reconnect now rather than when the backoff says (up to 30 s).
    const retryNow = (session as { retryNow?: () => void }).retryNow?.bind(session);
    if (retryNow && typeof window !== 'undefined') {
      window.addEventListener('online', retryNow);
      this.stops.push(() => window.removeEventListener('online', retryNow));
    }
    this.dropMirror();
    this.listeners.awareness.forEach((cb) => cb(awareness));
    this.setStatus(session.status);
    onAwareness();
    void this.uploadPending();
    // A relay chosen or removed while the session was starting.
    this.followRelays();
  }

  private readonly onMessage = (ev: MessageEvent): void => {
    const m = parseMessage(ev.data);
    if (!m || m.docId !== this.opts.docId || this.closed) return;
    if (this.role === 'leader') {
      if (m.type === 'status' && !this.opts.locks && (m.from ?? 0) < this.tabId) void this.yieldLead();
      if (m.type === 'ask') {
        this.broadcast();
        const a = this.session?.awareness;
        if (a) this.postCarets(a, [...a.getStates().keys()]);
      }
      if (m.type === 'blobs') void this.uploadPending();
      return;
    }
    if (m.type === 'carets') {
      if (!this.mirror) {
        this.mirror = new Awareness(this.opts.ydoc);
        this.mirror.setLocalState(null);
        const mirror = this.mirror;
        this.listeners.awareness.forEach((cb) => cb(mirror));
      }
      try {
        applyAwarenessUpdate(this.mirror, m.update, 'leader-tab');
      } catch (e) {
        console.error('a caret update from the other tab did not decode', e);
      }
      return;
    }
    if (m.type === 'status') {
      this.role = 'follower';
      this.leaderHeardAt = Date.now();
      this.leaderHas = undefined;
      if (m.sv) {
        try {
          this.leaderHas = Y.decodeStateVector(m.sv).get(this.opts.ydoc.clientID) ?? 0;
        } catch {
          // A garbled vector: count this tab's edits as not yet taken in, the cautious side.
        }
      }
      this.leaderStatus = m.status;
      this.setPeers(m.peers);
      this.setStatus(this.followerStatus());
    } else if (m.type === 'gone') {
      // The lock passes to a waiting tab (maybe this one) which reports once its session runs.
      this.role = 'waiting';
      this.setStatus({ ...CONNECTING, pending: this.status.pending });
      if (!this.opts.locks) this.claim();
    }
  };

  private broadcast(): void {
    if (this.role !== 'leader') return;
    this.post({
      type: 'status',
      docId: this.opts.docId,
      status: this.status,
      peers: [...this.peers],
      sv: Y.encodeStateVector(this.opts.ydoc),
      from: this.tabId,
    });
  }

  /** The leader's status, as of the last message; how far it has taken in this tab's edits. */
  private leaderStatus: SyncStatus | undefined;
  private leaderHas: number | undefined;

  /**
   * In a tab that does not run the session, the leader's status counts only what reached the leader.
   * This tab's own edits still on their way (in its local records, not yet in the leader's Y.Doc) are
   * one more pending change, so the status never says all is sent while they travel.
   */
  private followerStatus(): SyncStatus {
    const s = this.leaderStatus ?? this.status;
    const own = Y.getState(this.opts.ydoc.store, this.opts.ydoc.clientID);
    return own > (this.leaderHas ?? 0) ? { ...s, pending: s.pending + 1 } : s;
  }

  /** This tab's edits change what it has not yet handed to the leader. */
  private readonly onOwnUpdate = (): void => {
    if (this.role !== 'follower' || this.closed) return;
    const next = this.followerStatus();
    if (next.pending !== this.status.pending) this.setStatus(next);
  };

  private post(m: Message): void {
    try {
      this.channel?.postMessage(m);
    } catch (e) {
      // A status that cannot be cloned or a closed channel: other tabs keep their last status.
      console.error('posting the sync status failed', e);
    }
  }

  private setStatus(s: SyncStatus): void {
    this.status = s;
    this.listeners.status.forEach((cb) => cb(s));
  }

  private setPeers(p: readonly PeerView[]): void {
    this.peers = p;
    this.listeners.peers.forEach((cb) => cb(p));
  }
}
