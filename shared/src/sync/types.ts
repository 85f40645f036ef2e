/**
 * The client sync engine's contract (issue #4): what apps (web/, electron/, the CLI) and transports
 * see. One DocSession per open document owns the Y.Doc's link to the network: it seals local Yjs
 * updates into signed envelopes, keeps them until a relay acknowledges them, verifies and decrypts
 * everything that arrives, and reports a status that never lies. Types only; the implementation is
 * session.ts beside this file.
 */
import type { Awareness } from 'y-protocols/awareness';
import type { Result } from '../result';

// ---- transports -------------------------------------------------------------------------------------

/** Why a transport's connection ended; `code` is the WebSocket close code (PROTOCOL.md `CLOSE`) when there is one. */
export interface TransportClose {
  readonly code: number;
  readonly reason: string;
  /** true when the other side refused us for good (e.g. malformed, too many documents): do not retry fast */
  readonly fatal?: boolean;
}

export interface TransportHandler {
  open(): void;
  frame(bytes: Uint8Array): void;
  close(info: TransportClose): void;
}

/**
 * One connection attempt to one relay or peer, carrying whole frames (PROTOCOL.md). Reconnecting,
 * backoff and everything above frames live in the session, so a transport stays small enough to have
 * one contract suite (shared/test/sync/transport-contract.ts) that every implementation passes.
 */
export interface Transport {
  /** stable across reconnects and reloads: per-relay state (acks, relaySeq, snapshot) is kept under it */
  readonly id: string;
  readonly kind: 'relay' | 'peer';
  /** Starts one connection attempt; exactly one `close` follows every `connect`, after `open` or not. */
  connect(handler: TransportHandler): void;
  /** Queues a frame; returns false when not open (the frame is dropped; the session resends from its outbox). */
  send(frame: Uint8Array): boolean;
  /** Bytes queued but not yet written (WebSocket bufferedAmount): the session stops sending above a limit. */
  readonly buffered: number;
  /**
   * Ends the current attempt; `close` is still reported. `code`/`reason` (optional, e.g. PEER_CLOSE when
   * the session drops a misbehaving peer) are passed to the other side where the medium can carry them.
   */
  disconnect(code?: number, reason?: string): void;
}

// ---- status -----------------------------------------------------------------------------------------

/**
 * The automation contract's `sync-status` data-state; `local` = no relay configured. Only relays count:
 * a peer's receipt is not a durable ack, so peers never make the state `synced` (a session with peers
 * and no relay stays `local`, its peers listed in `transports` with kind 'peer').
 */
export type SyncState = 'local' | 'offline' | 'connecting' | 'synced' | 'error';

export type SyncProblemKind =
  /** an envelope failed to verify (bad signature, wrong doc) or decrypt: dropped, nothing applied */
  | 'bad-envelope'
  /** an envelope decrypted but the Yjs update did not decode: quarantined, nothing applied */
  | 'bad-update'
  /** a device's seqs have a hole the relay did not fill after catch-up: someone's changes are missing */
  | 'missing-updates'
  /** the relay served a snapshot that does not extend the one this device knew */
  | 'rollback'
  /** the relay refused our write (reason in detail), e.g. storage-unavailable, too-many-devices */
  | 'rejected'
  /** the document is not on this relay and this device cannot create it (view link) */
  | 'unknown-doc'
  /** applying a verified, decoded update threw: the app must reload the document from local storage */
  | 'apply-failed'
  /**
   * two snapshot chains of one relay that cannot both be true (E2EE 4.8 #7): a peer's head for that relay
   * and ours have the same parent, or the same id with another proof. `transportId` is the relay's id,
   * `detail` names the peer transport that showed the other head. Nothing is thrown away.
   */
  | 'fork'
  /** a peer was dropped for misbehaving (garbage, flood, silence); `detail` is the PEER_CLOSE name */
  | 'peer-dropped';

export interface SyncProblem {
  readonly kind: SyncProblemKind;
  readonly transportId: string;
  /** machine-readable detail (a reject reason, an OpenError, a device id); never document content */
  readonly detail?: string;
  readonly at: number;
}

export interface SyncStatus {
  readonly state: SyncState;
  /** local changes (sealed envelopes plus the batch being gathered) that no relay has acknowledged yet (peers do not count) */
  readonly pending: number;
  /** per transport, for a details view */
  readonly transports: readonly {
    readonly id: string;
    /** 'peer': a direct link (tab, WebRTC, memory); its 'synced' means hellos exchanged, never an ack */
    readonly kind: 'relay' | 'peer';
    readonly state: Exclude<SyncState, 'local'>;
    /** relays only: sealed local changes this relay has not acknowledged yet (others may have) */
    readonly pending?: number;
    /** ms since epoch of the next reconnect attempt, while waiting to retry */
    readonly retryAt?: number;
  }[];
  /** the latest problems, newest last (bounded) */
  readonly problems: readonly SyncProblem[];
}

export interface SessionEvents {
  status(s: SyncStatus): void;
  problem(p: SyncProblem): void;
  /** applying a remote update threw after it decoded: close this session, reopen the document from storage */
  'reload-needed'(): void;
}

// ---- presence ---------------------------------------------------------------------------------------

/** What one participant shows others (inside the encrypted presence envelope, as awareness state `user`). */
export interface PeerInfo {
  /** ≤ 64 UTF-16 code units after trimming; receivers truncate longer names */
  readonly name: string;
  /** `#rrggbb`; receivers replace anything else with a colour derived from the client id */
  readonly color: string;
}

// ---- the session --------------------------------------------------------------------------------------

export interface DocSession {
  readonly docId: string;
  readonly kind: 'edit' | 'view';
  /** y-protocols awareness bound to the session's Y.Doc; set `user` with setUser(). Encrypted on the wire. */
  readonly awareness: Awareness;
  readonly status: SyncStatus;
  on<K extends keyof SessionEvents>(event: K, cb: SessionEvents[K]): () => void;
  setUser(user: PeerInfo): void;
  /**
   * Holds remote updates back (verified and queued, not applied to the Y.Doc) until every returned
   * release function has been called. The editor holds while an IME composition is open (Korean
   * input: see ARCHITECTURE.md, "Remote updates and an open composition").
   */
  holdRemote(): () => void;
  /** Seals the batch being gathered now and resolves once every sealed envelope is stored locally. */
  flush(): Promise<void>;
  /** Resolves when every local change so far has been acknowledged by at least one relay (for the CLI and tests). */
  whenAcknowledged(opts?: { signal?: AbortSignal }): Promise<void>;
  /** Resolves once a relay has delivered its catch-up (`synced`) at least once since start. */
  whenSynced(opts?: { signal?: AbortSignal }): Promise<void>;
  close(): Promise<void>;
  /**
   * Adds a relay or peer at runtime (a tab or WebRTC peer appeared, the user added a relay) and starts
   * connecting it. A relay's saved position (by id) is used if the session has one. Throws if a transport
   * with this id is already present (misuse).
   */
  addTransport(t: Transport): void;
  /**
   * Disconnects and forgets a transport (a peer left, the user removed a relay). A removed relay's
   * per-relay state (position, acks, snapshot) is dropped, so adding it again later starts from zero;
   * outbox entries only it had not confirmed stop counting as needed for it. Unknown ids are ignored.
   */
  removeTransport(id: string): void;
  /**
   * Uploads an encrypted blob (an image; id and ciphertext from local/blobs) through a synced relay on
   * which this session proved write: ok once the relay stored it. 'offline' when no relay is synced (or
   * the session is a view), 'rejected' when the relay refused it (too large, storage unavailable).
   */
  putBlob(blobId: string, ciphertext: Uint8Array): Promise<Result<void, 'offline' | 'rejected'>>;
  /** Fetches an encrypted blob from a synced relay. */
  getBlob(blobId: string): Promise<Result<Uint8Array, 'not-found' | 'offline'>>;
  /**
   * Through which transport a collaborator's presence (awareness client id) last arrived: the who-is-here list
   * shows "directly" for a peer and the relay's host otherwise. Undefined for our own id or one not seen yet.
   */
  presenceRoute(clientId: number): { readonly id: string; readonly kind: 'relay' | 'peer' } | undefined;
}
