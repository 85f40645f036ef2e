/**
 * One WebSocket connection to the relay: many documents, each with its own state (subscribed, proven,
 * outstanding challenge). Frames are handled one at a time in arrival order, so an ack always follows the
 * durable commit of the update it names and catch-up is never interleaved with a later frame's work.
 *
 * Everything here trusts only what decodeFrame validated. Writes (update, snapshot, blob-put) are refused
 * before the store sees their payload unless this connection proved write capability for that document.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { equalBytes, randomBytes } from '@dure/shared/bytes';
import {
  CHALLENGE_NONCE_BYTES,
  CLOSE,
  decodeEnvelope,
  decodeFrame,
  encodeFrame,
  extendsSnapshot,
  newId,
  verifyCreate,
  verifyDelete,
  verifyEnvelopeSignature,
  verifyProve,
  type CloseCode,
  type DecodeError,
  type Frame,
  type RejectReason,
  type SnapshotEnvelope,
  type UpdateEnvelope,
} from '@dure/shared/protocol/index';
import type { Logger } from '../log';
import type { RelayStore, StoredUpdate } from '../store/index';
import type { Hub, Subscriber } from './hub';
import { WindowCounter } from './rate';

/** The slice of a `ws` WebSocket the connection uses (tests and other transports can supply their own). */
export interface FrameSocket {
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
  readonly readyState: number;
  /** bytes queued for sending and not yet written to the network */
  readonly bufferedAmount: number;
}
const OPEN = 1;

export interface RelayLimits {
  readonly framesPerSecond: number;
  readonly documentsPerConnection: number;
  readonly proveDeadlineMs: number;
  /** presence frames per second per document; the excess is dropped (cursors are lossy anyway) */
  readonly presencePerSecond: number;
  /** WebRTC signal frames per second per document and connection; the excess is dropped (peers retry) */
  readonly signalPerSecond: number;
  /** frames received but not yet handled; a client that outruns the store is closed as a flood */
  readonly maxQueuedFrames: number;
  /** a reader this far behind is closed (it reconnects and catches up) instead of growing memory */
  readonly maxBufferedBytes: number;
  /** distinct devices one document may have; a new device beyond it is refused `too-many-devices` */
  readonly devicesPerDocument: number;
}

export interface RelayContext {
  readonly store: RelayStore;
  readonly hub: Hub;
  readonly logger: Logger;
  readonly limits: RelayLimits;
  readonly counters: RelayCounters;
  /** SHA-256 of the operator's invite token: create needs a token with the same hash (constant-time compare) */
  readonly inviteTokenHash?: Uint8Array;
}

export interface RelayCounters {
  acks: number;
  rejects: number;
  framesIn: number;
  bytesIn: number;
  framesOut: number;
  bytesOut: number;
  /** reason → count (reasons are the protocol's fixed names, never ids) */
  rejectsByReason: Map<string, number>;
  /** WebSocket close code → count */
  closesByCode: Map<number, number>;
}

export function newRelayCounters(): RelayCounters {
  return {
    acks: 0,
    rejects: 0,
    framesIn: 0,
    bytesIn: 0,
    framesOut: 0,
    bytesOut: 0,
    rejectsByReason: new Map(),
    closesByCode: new Map(),
  };
}

interface DocState {
  subscribed: boolean;
  proven: boolean;
  /** live frames that arrived while the catch-up read was in flight; null once live */
  pending: { relaySeq: number; frame: Uint8Array }[] | null;
  /** single-use nonce of the last challenge, for prove or delete */
  nonce: Uint8Array | undefined;
  /** set at the first challenge while unproven and never moved: traffic cannot extend it */
  deadline: ReturnType<typeof setTimeout> | undefined;
  readonly presence: WindowCounter;
  readonly signals: WindowCounter;
  /** the peer id this connection signals as on this document: fixed by its first signal frame */
  peerId: string | undefined;
}

function closeCodeFor(e: DecodeError): CloseCode {
  if (e === 'unsupported-version') return CLOSE.unsupportedVersion;
  if (e === 'too-large') return CLOSE.frameTooLarge;
  return CLOSE.malformed;
}

/** True when there is no current snapshot (the first one may name a parent held elsewhere), or `env` names
 * the current one with its proof. */
function extendsCurrent(env: SnapshotEnvelope, current: Uint8Array | undefined): boolean {
  if (!current) return true;
  const decoded = decodeEnvelope(current);
  if (!decoded.ok || decoded.value.kind !== 'snapshot') throw new Error('the stored snapshot does not decode');
  return extendsSnapshot(env, decoded.value);
}

/** A stored update as a frame. Only docId and bytes are encoded; the header fields are the store's copy. */
function storedUpdateFrame(docId: string, u: StoredUpdate): Uint8Array {
  const envelope: UpdateEnvelope = {
    kind: 'update',
    docId,
    epoch: 0,
    deviceId: u.deviceId,
    seq: u.deviceSeq,
    bytes: u.envelope,
  };
  return encodeFrame({ type: 'update', docId, relaySeq: u.relaySeq, envelope });
}

export class RelayConnection implements Subscriber {
  readonly connectionId = newId();
  private readonly docs = new Map<string, DocState>();
  private readonly frames: WindowCounter;
  private chain: Promise<void> = Promise.resolve();
  private queued = 0;
  private closed = false;
  /** A socket that sends nothing would otherwise hold a connection slot forever: it gets the same fixed
   * deadline as an unanswered challenge (close 4004), cleared by its first frame of any kind. */
  private silence: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly socket: FrameSocket,
    private readonly ctx: RelayContext,
  ) {
    this.frames = new WindowCounter(ctx.limits.framesPerSecond);
    this.silence = setTimeout(() => this.fail(CLOSE.proveTimeout, 'no frame'), ctx.limits.proveDeadlineMs);
    // The server's lifetime is the socket's, not this timer's.
    this.silence.unref?.();
  }

  /** Everything in flight has been handled (for a graceful shutdown). */
  get idle(): Promise<void> {
    return this.chain;
  }

  receive(data: Uint8Array, isBinary: boolean): void {
    if (this.closed) return;
    this.stopSilence();
    this.ctx.counters.framesIn++;
    this.ctx.counters.bytesIn += data.length;
    if (!isBinary) return this.fail(CLOSE.malformed, 'text frame');
    if (!this.frames.take() || this.queued >= this.ctx.limits.maxQueuedFrames) {
      return this.fail(CLOSE.rateLimited, 'rate limited');
    }
    this.queued++;
    this.chain = this.chain
      .then(() => (this.closed ? undefined : this.handle(data)))
      .catch((e: unknown) => {
        this.ctx.logger.log('error', 'relay handler failed', { error: e instanceof Error ? e.name : 'unknown' });
        this.fail(CLOSE.internal, 'internal error');
      })
      .finally(() => {
        this.queued--;
      });
  }

  /** The socket closed (either side): forget every subscription and timer. */
  closedBySocket(): void {
    this.closed = true;
    this.stopSilence();
    for (const docId of [...this.docs.keys()]) this.drop(docId);
  }

  deliver(docId: string, relaySeq: number, frame: Uint8Array): void {
    const st = this.docs.get(docId);
    if (!st?.subscribed) return;
    if (st.pending) st.pending.push({ relaySeq, frame });
    else this.send(frame);
  }

  docDeleted(docId: string): void {
    if (!this.docs.has(docId)) return;
    this.drop(docId);
    this.reject(docId, 'unknown-doc');
  }

  private async handle(data: Uint8Array): Promise<void> {
    const decoded = decodeFrame(data);
    if (!decoded.ok) return this.fail(closeCodeFor(decoded.error), decoded.error);
    const f = decoded.value;
    switch (f.type) {
      case 'hello':
        return this.hello(f);
      case 'create':
        return this.create(f);
      case 'prove':
        return this.prove(f);
      case 'update':
        return this.update(f);
      case 'snapshot':
        return this.snapshot(f);
      case 'delete':
        return this.delete(f);
      case 'presence':
        return this.presence(f);
      case 'signal':
        return this.signal(f);
      case 'blob-put':
        return this.blobPut(f);
      case 'blob-get':
        return this.blobGet(f);
      default:
        // challenge, ack, synced, reject, blob, done: only a relay sends these.
        return this.fail(CLOSE.malformed, 'relay-only frame type');
    }
  }

  private stateFor(docId: string): DocState | undefined {
    let st = this.docs.get(docId);
    if (st) return st;
    if (this.docs.size >= this.ctx.limits.documentsPerConnection) {
      this.fail(CLOSE.tooManyDocuments, 'too many documents');
      return undefined;
    }
    st = {
      subscribed: false,
      proven: false,
      pending: null,
      nonce: undefined,
      deadline: undefined,
      presence: new WindowCounter(this.ctx.limits.presencePerSecond),
      signals: new WindowCounter(this.ctx.limits.signalPerSecond),
      peerId: undefined,
    };
    this.docs.set(docId, st);
    return st;
  }

  private drop(docId: string): void {
    const st = this.docs.get(docId);
    if (!st) return;
    if (st.deadline) clearTimeout(st.deadline);
    this.docs.delete(docId);
    this.ctx.hub.unsubscribe(docId, this);
  }

  private async hello(f: Extract<Frame, { type: 'hello' }>): Promise<void> {
    const { store, hub } = this.ctx;
    if (!(await store.getDoc(f.docId))) return this.reject(f.docId, 'unknown-doc');
    const st = this.stateFor(f.docId);
    if (!st) return;
    // Subscribe before reading: whatever commits after the read is buffered, not missed.
    st.pending = [];
    if (!st.subscribed) {
      st.subscribed = true;
      hub.subscribe(f.docId, this);
    }
    const read = await store.readSince(f.docId, f.sinceRelaySeq);
    if (this.closed) return;
    if (!read.ok) {
      this.drop(f.docId);
      return this.reject(f.docId, 'unknown-doc');
    }
    const { snapshot, updates, headSeq } = read.value;
    if (snapshot) {
      const env = decodeEnvelope(snapshot.envelope);
      if (env.ok && env.value.kind === 'snapshot') {
        if (env.value.snapId !== f.knownSnapId) {
          this.send(
            encodeFrame({ type: 'snapshot', docId: f.docId, relaySeq: snapshot.relaySeq, envelope: env.value }),
          );
        }
      } else {
        this.ctx.logger.log('error', 'stored snapshot does not decode');
      }
    }
    for (const u of updates) this.send(storedUpdateFrame(f.docId, u));
    this.send(encodeFrame({ type: 'synced', docId: f.docId, relaySeq: headSeq }));
    const live = st.pending;
    st.pending = null;
    // relaySeq 0 is presence (never stored); anything ≤ headSeq was in the read already.
    for (const p of live) if (p.relaySeq === 0 || p.relaySeq > headSeq) this.send(p.frame);
    void store.touch(f.docId);
    if (f.write) this.challenge(f.docId, st);
  }

  private challenge(docId: string, st: DocState): void {
    const nonce = randomBytes(CHALLENGE_NONCE_BYTES);
    st.nonce = nonce;
    if (!st.proven && !st.deadline) {
      st.deadline = setTimeout(() => {
        st.deadline = undefined;
        if (!st.proven && this.docs.get(docId) === st) this.fail(CLOSE.proveTimeout, 'prove deadline');
      }, this.ctx.limits.proveDeadlineMs);
      st.deadline.unref?.();
    }
    this.send(encodeFrame({ type: 'challenge', docId, connectionId: this.connectionId, nonce }));
  }

  /** The outstanding nonce for docId if it equals `nonce`; it is consumed either way (single use). */
  private takeNonce(docId: string, nonce: Uint8Array): boolean {
    const st = this.docs.get(docId);
    const held = st?.nonce;
    if (!st || !held) return false;
    st.nonce = undefined;
    return equalBytes(held, nonce);
  }

  private async create(f: Extract<Frame, { type: 'create' }>): Promise<void> {
    if (this.ctx.inviteTokenHash && !inviteMatches(this.ctx.inviteTokenHash, f.inviteToken)) {
      return this.reject(f.docId, 'invite-required');
    }
    if (!verifyCreate(f.docId, f.writePub, f.signature)) return this.reject(f.docId, 'bad-signature');
    const r = await this.ctx.store.createDoc(f.docId, f.writePub);
    if (!r.ok) return this.reject(f.docId, r.error);
    this.send(encodeFrame({ type: 'done', docId: f.docId, op: 'create', blobId: null }));
  }

  private async prove(f: Extract<Frame, { type: 'prove' }>): Promise<void> {
    if (!this.takeNonce(f.docId, f.nonce)) return this.reject(f.docId, 'stale-challenge');
    const doc = await this.ctx.store.getDoc(f.docId);
    if (!doc) return this.reject(f.docId, 'unknown-doc');
    const challenge = { docId: f.docId, connectionId: this.connectionId, nonce: f.nonce };
    if (!verifyProve(doc.writePub, challenge, f.signature)) return this.reject(f.docId, 'bad-signature');
    const st = this.docs.get(f.docId);
    if (!st) return this.reject(f.docId, 'unknown-doc');
    st.proven = true;
    if (st.deadline) clearTimeout(st.deadline);
    st.deadline = undefined;
    this.send(encodeFrame({ type: 'done', docId: f.docId, op: 'prove', blobId: null }));
  }

  private proven(docId: string): boolean {
    return this.docs.get(docId)?.proven === true;
  }

  private async update(f: Extract<Frame, { type: 'update' }>): Promise<void> {
    const env = f.envelope;
    if (!this.proven(f.docId)) return this.reject(f.docId, 'not-proven', env.deviceId, env.seq);
    // Checked by the store inside its transaction: a seq that skips ahead would make every client wait for
    // an update that never comes (E2EE 4.8 #4/#5), and each new device costs state in every client.
    const r = await this.ctx.store.appendUpdate(f.docId, env.deviceId, env.seq, env.bytes, {
      contiguous: true,
      maxDevices: this.ctx.limits.devicesPerDocument,
    });
    if (!r.ok) {
      // `duplicate` (already held: a retransmission after a lost ack) tells the sender to treat it as acked.
      return this.reject(f.docId, r.error, env.deviceId, env.seq);
    }
    this.ack(f.docId, env, r.value.relaySeq);
    const frame = encodeFrame({ type: 'update', docId: f.docId, relaySeq: r.value.relaySeq, envelope: env });
    this.ctx.hub.fanOut(f.docId, this, r.value.relaySeq, frame);
  }

  private ack(docId: string, env: UpdateEnvelope, relaySeq: number): void {
    this.ctx.counters.acks++;
    this.send(encodeFrame({ type: 'ack', docId, deviceId: env.deviceId, seq: env.seq, relaySeq }));
  }

  private async snapshot(f: Extract<Frame, { type: 'snapshot' }>): Promise<void> {
    if (!this.proven(f.docId)) return this.reject(f.docId, 'not-proven');
    const doc = await this.ctx.store.getDoc(f.docId);
    if (!doc) return this.reject(f.docId, 'unknown-doc');
    // Always verified: a snapshot deletes the updates it covers.
    if (!verifyEnvelopeSignature(doc.writePub, f.envelope)) return this.reject(f.docId, 'bad-signature');
    const covers = new Map(f.envelope.covers.map((c) => [c.deviceId, c.through]));
    // The chain must stay linear: a snapshot made without knowing the current one is stale even when it
    // covers as much (clients would see two snapshots where neither extends the other: a fork warning).
    // Checked inside the store's transaction, so two concurrent snapshots cannot both pass.
    const r = await this.ctx.store.applySnapshot(f.docId, f.envelope.bytes, covers, (current) =>
      extendsCurrent(f.envelope, current),
    );
    if (!r.ok) {
      const reason: RejectReason =
        r.error === 'not-held'
          ? 'snapshot-not-covered'
          : r.error === 'regresses' || r.error === 'stale'
            ? 'snapshot-stale'
            : r.error;
      return this.reject(f.docId, reason);
    }
    this.send(encodeFrame({ type: 'done', docId: f.docId, op: 'snapshot', blobId: null }));
    const frame = encodeFrame({ type: 'snapshot', docId: f.docId, relaySeq: r.value.relaySeq, envelope: f.envelope });
    this.ctx.hub.fanOut(f.docId, this, r.value.relaySeq, frame);
  }

  private async delete(f: Extract<Frame, { type: 'delete' }>): Promise<void> {
    // A write like any other (PROTOCOL.md relay rules); the signature over a fresh nonce is checked as well.
    if (!this.proven(f.docId)) return this.reject(f.docId, 'not-proven');
    if (!this.takeNonce(f.docId, f.nonce)) return this.reject(f.docId, 'stale-challenge');
    const doc = await this.ctx.store.getDoc(f.docId);
    if (!doc) return this.reject(f.docId, 'unknown-doc');
    const challenge = { docId: f.docId, connectionId: this.connectionId, nonce: f.nonce };
    if (!verifyDelete(doc.writePub, challenge, f.signature)) return this.reject(f.docId, 'bad-signature');
    const r = await this.ctx.store.deleteDoc(f.docId);
    if (!r.ok) return this.reject(f.docId, r.error);
    this.drop(f.docId);
    this.ctx.hub.deleted(f.docId, this);
    this.send(encodeFrame({ type: 'done', docId: f.docId, op: 'delete', blobId: null }));
  }

  private presence(f: Extract<Frame, { type: 'presence' }>): void {
    const st = this.docs.get(f.docId);
    // Only to a document this connection subscribed to, and never stored.
    if (!st?.subscribed || !st.presence.take()) return;
    this.ctx.hub.fanOut(f.docId, this, 0, encodeFrame(f));
  }

  /**
   * Forwarded like presence: only between connections subscribed to the document, never stored and never
   * logged (the sealed data is opaque; what the relay learns is who sent how many bytes to whom). A
   * connection's first signal on a document fixes its peer id there; a frame naming another sender, or a
   * peer id another connection already holds, goes nowhere, so one subscriber cannot pose as another.
   */
  private signal(f: Extract<Frame, { type: 'signal' }>): void {
    const st = this.docs.get(f.docId);
    if (!st?.subscribed || !st.signals.take()) return;
    if (st.peerId === undefined) {
      if (!this.ctx.hub.claimPeer(f.docId, f.from, this)) return;
      st.peerId = f.from;
    } else if (st.peerId !== f.from) return;
    const frame = encodeFrame(f);
    if (f.to === null) this.ctx.hub.fanOut(f.docId, this, 0, frame);
    else this.ctx.hub.sendToPeer(f.docId, f.to, this, frame);
  }

  private async blobPut(f: Extract<Frame, { type: 'blob-put' }>): Promise<void> {
    if (!this.proven(f.docId)) return this.reject(f.docId, 'not-proven');
    const r = await this.ctx.store.putBlob(f.docId, f.blobId, f.data);
    // Content-addressed: an existing blobId already holds these bytes.
    if (!r.ok && r.error !== 'blob-exists') return this.reject(f.docId, r.error);
    this.send(encodeFrame({ type: 'done', docId: f.docId, op: 'blob-put', blobId: f.blobId }));
  }

  private async blobGet(f: Extract<Frame, { type: 'blob-get' }>): Promise<void> {
    const data = await this.ctx.store.getBlob(f.docId, f.blobId);
    if (!data) return this.reject(f.docId, 'not-found');
    this.send(encodeFrame({ type: 'blob', docId: f.docId, blobId: f.blobId, data }));
  }

  private reject(docId: string | null, reason: RejectReason, deviceId: string | null = null, seq = 0): void {
    const c = this.ctx.counters;
    c.rejects++;
    c.rejectsByReason.set(reason, (c.rejectsByReason.get(reason) ?? 0) + 1);
    this.send(encodeFrame({ type: 'reject', docId, reason, deviceId, seq }));
  }

  private send(frame: Uint8Array): void {
    if (this.closed || this.socket.readyState !== OPEN) return;
    if (this.socket.bufferedAmount > this.ctx.limits.maxBufferedBytes) {
      return this.fail(CLOSE.rateLimited, 'reader too far behind');
    }
    this.ctx.counters.framesOut++;
    this.ctx.counters.bytesOut += frame.length;
    this.socket.send(frame);
  }

  /** Closes only this connection, with a named code. */
  private stopSilence(): void {
    if (this.silence) clearTimeout(this.silence);
    this.silence = undefined;
  }

  private fail(code: CloseCode, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.ctx.logger.log('warn', 'connection closed by relay', { code, reason });
    this.socket.close(code, reason);
    this.closedBySocket();
  }
}

/** Both sides are hashed first so the comparison has a fixed length and takes the same time whatever the
 * token's length or first differing byte. */
function inviteMatches(expectedHash: Uint8Array, token: Uint8Array): boolean {
  return timingSafeEqual(expectedHash, createHash('sha256').update(token).digest());
}
