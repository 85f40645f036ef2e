/**
 * A Dure protocol client speaking frames directly (shared/src/protocol over `ws`), doing on receipt what
 * the engine does: decode the frame, check (deviceId, seq), verify the signature against the link's write
 * key, decrypt, decode and apply the Yjs update to its own Y.Doc. Local Yjs updates are gathered for the
 * engine's batching window (DEFAULT_BATCH_MS of shared/src/sync/session.ts, 40 ms), merged and sealed
 * (encrypted and signed) as one envelope when the window closes, as the engine does while synced;
 * `batchMs: 0` seals one envelope per update. Presence is the engine's too: the same PresenceChannel
 * (shared/src/sync/presence.ts) on an Awareness of this client's document, announced once synced and
 * renewed by its 15 s heartbeat; incoming presence envelopes are opened and applied by it.
 *
 * Used for the workloads whose client counts one core cannot run full engines for (see OpenOptions.verify
 * in clients.ts), and for uploading fixtures.
 */
import type { DocKeys } from '@dure/shared/local/api';
import {
  DeviceSeqs,
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
  type Frame,
  type OpenError,
  type SnapshotEnvelope,
  type UpdateEnvelope,
} from '@dure/shared/protocol/index';
import type { Result } from '@dure/shared';
import { checkUpdate } from '@dure/shared/local/records';
import { PresenceChannel } from '@dure/shared/sync/presence';
import { DEFAULT_BATCH_MS } from '@dure/shared/sync/session';
import { Awareness } from 'y-protocols/awareness';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { BenchClient, Marks } from './clients';

export const REMOTE = Symbol('remote');

/** Opens (verifies + decrypts) an update envelope; a per-process cache may stand in front (clients.ts). */
/**
 * The engine's batching (session.ts onLocalUpdate/scheduleSeal/sealNow): the first update of a window
 * starts a timer of `windowMs`; the updates gathered until it fires are merged (Y.mergeUpdatesV2) and
 * handed to `seal` as one. The window does not slide: a steady typist gets one envelope per window.
 * `windowMs` 0 hands every update on at once.
 */
export class UpdateBatcher {
  private gathering: Uint8Array[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSealAt = -Infinity;

  constructor(
    readonly windowMs: number,
    private readonly seal: (update: Uint8Array) => void,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (!(windowMs >= 0)) throw new Error('batch window must be ≥ 0 ms');
  }

  add(update: Uint8Array): void {
    if (this.windowMs === 0) return this.seal(update);
    this.gathering.push(update);
    // as the engine (session.ts onLocalUpdate): the window counts from the last seal, so an update after a
    // pause goes out at once (in a timer of 0, which still merges the updates of one tick)
    this.timer ??= setTimeout(() => this.flush(), Math.max(0, this.lastSealAt + this.windowMs - this.now()));
  }

  /** Seals what is gathered now (before waiting for acknowledgements, or on close). */
  flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.gathering.length === 0) return;
    const updates = this.gathering;
    this.gathering = [];
    this.lastSealAt = this.now();
    this.seal(updates.length === 1 ? updates[0]! : Y.mergeUpdatesV2(updates));
  }

  close(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.gathering = [];
  }
}

export type OpenUpdateFn = (keys: DocKeys, env: UpdateEnvelope) => Result<Uint8Array, OpenError>;

export interface FramesOptions {
  readonly url: string;
  readonly keys: DocKeys;
  /** hello with the write flag and prove (an editor); false: a reader */
  readonly write: boolean;
  /** register the document first (create frame) */
  readonly create?: boolean;
  readonly openUpdate?: OpenUpdateFn;
  /** the batching window for local updates; default the engine's (DEFAULT_BATCH_MS); 0: one envelope each */
  readonly batchMs?: number;
  readonly now: () => number;
}

const WAIT_MS = 60_000;

export class DureFramesClient implements BenchClient {
  readonly doc = new Y.Doc();
  readonly marks: Marks = {};
  readonly synced: Promise<void>;
  readonly problems: string[] = [];
  private readonly ws: WebSocket;
  private readonly deviceId = newId();
  private seq = 0;
  private acked = 0;
  private proven = false;
  private readonly outbox: Uint8Array[] = [];
  private readonly seqs = new DeviceSeqs();
  private readonly waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private resolveSynced!: () => void;
  private rejectSynced!: (e: Error) => void;
  private isSynced = false;
  private readonly batcher: UpdateBatcher;
  private readonly awareness: Awareness;
  private readonly presence: PresenceChannel;

  constructor(private readonly opts: FramesOptions) {
    this.synced = new Promise((res, rej) => {
      this.resolveSynced = res;
      this.rejectSynced = rej;
    });
    // a run with a client that never got its catch-up fails at once, with the reason
    this.synced.catch(() => {});
    const docId = opts.keys.docId;
    void opts.keys.writePub; // computed now, not inside a timed region
    this.marks.start = opts.now();
    this.ws = new WebSocket(opts.url, { perMessageDeflate: false, maxPayload: 16 * 1024 * 1024 });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('error', (e) => this.problems.push(`socket: ${e.message}`));
    this.ws.on('close', (code) => {
      if (!this.isSynced) this.rejectSynced(new Error(`closed (${code}) before synced: ${this.problems.join('; ')}`));
    });
    this.ws.on('open', () => {
      this.marks.open = opts.now();
      if (opts.create) {
        this.send({
          type: 'create',
          docId,
          writePub: opts.keys.writePub,
          signature: signCreate(opts.keys),
          inviteToken: new Uint8Array(0),
        });
      }
      this.send({ type: 'hello', docId, write: opts.write, knownSnapId: null, sinceRelaySeq: 0 });
      this.marks.hello = opts.now();
    });
    this.ws.on('message', (data: Buffer) => this.onFrame(new Uint8Array(data.buffer, data.byteOffset, data.length)));
    this.batcher = new UpdateBatcher(opts.batchMs ?? DEFAULT_BATCH_MS, (u) => this.sendUpdate(u));
    this.doc.on('updateV2', (u: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) this.batcher.add(u);
    });
    this.awareness = new Awareness(this.doc);
    this.presence = new PresenceChannel({
      keys: opts.keys,
      awareness: this.awareness,
      send: (bytes) => this.sendPresence(bytes),
    });
  }

  /** As the engine: presence goes out only on a synced connection. */
  private sendPresence(bytes: Uint8Array): void {
    const env = decodeEnvelope(bytes);
    if (!env.ok || env.value.kind !== 'presence' || !this.isSynced) return;
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.send({ type: 'presence', docId: this.opts.keys.docId, envelope: env.value });
  }

  private send(f: Frame): void {
    this.ws.send(encodeFrame(f));
  }

  private sendUpdate(u: Uint8Array): void {
    const env = sealUpdate(this.opts.keys, { epoch: 0, deviceId: this.deviceId, seq: ++this.seq }, u);
    const bytes = encodeFrame({ type: 'update', docId: this.opts.keys.docId, relaySeq: 0, envelope: env });
    if (this.proven) this.ws.send(bytes);
    else this.outbox.push(bytes);
  }

  private onFrame(bytes: Uint8Array): void {
    const now = this.opts.now();
    const r = decodeFrame(bytes);
    if (!r.ok) return void this.problems.push(`undecodable frame: ${r.error}`);
    const f = r.value;
    switch (f.type) {
      case 'challenge':
        this.send({ type: 'prove', docId: f.docId, nonce: f.nonce, signature: signProve(this.opts.keys, f) });
        break;
      case 'done':
        if (f.op === 'prove') {
          this.proven = true;
          for (const b of this.outbox.splice(0)) this.ws.send(b);
        }
        break;
      case 'snapshot':
        this.marks.snapshotFrame ??= now;
        this.applySnapshot(f.envelope);
        this.marks.applied = this.opts.now();
        break;
      case 'update':
        this.marks.firstUpdate ??= now;
        this.applyUpdate(f.envelope);
        this.marks.applied = this.opts.now();
        break;
      case 'ack':
        this.acked = Math.max(this.acked, f.seq);
        break;
      case 'synced':
        this.marks.synced = now;
        this.isSynced = true;
        this.resolveSynced();
        // the engine's onSynced: who is here is known without waiting for a heartbeat
        this.presence.announce();
        break;
      case 'presence':
        // refusals (replays, rate limits) are the channel's business, as in the engine
        this.presence.receive(f.envelope.bytes);
        break;
      case 'reject':
        if (f.reason !== 'doc-exists' && f.reason !== 'duplicate') this.problems.push(`reject ${f.reason}`);
        break;
      default:
        break;
    }
    for (let i = 0; i < this.waiters.length; i++) {
      const w = this.waiters[i]!;
      if (w.pred(f)) {
        this.waiters.splice(i, 1);
        w.resolve(f);
        break;
      }
    }
  }

  private applyUpdate(env: UpdateEnvelope): void {
    const verdict = this.seqs.check(env.deviceId, env.seq);
    if (verdict === 'replay') return;
    if (verdict === 'gap') return void this.problems.push('seq gap');
    const plain = (this.opts.openUpdate ?? openUpdate)(this.opts.keys, env);
    if (!plain.ok) return void this.problems.push(`open update: ${plain.error}`);
    // decoded in full before it is applied, as the engine does (Yjs can half-apply a bad update)
    if (!checkUpdate(plain.value).ok) return void this.problems.push('undecodable update');
    Y.applyUpdateV2(this.doc, plain.value, REMOTE);
    this.seqs.accept(env.deviceId, env.seq);
  }

  private applySnapshot(env: SnapshotEnvelope): void {
    const plain = openSnapshot(this.opts.keys, env);
    if (!plain.ok) return void this.problems.push(`open snapshot: ${plain.error}`);
    if (!checkUpdate(plain.value).ok) return void this.problems.push('undecodable snapshot');
    Y.applyUpdateV2(this.doc, plain.value, REMOTE);
    for (const c of env.covers) this.seqs.advance(c.deviceId, c.through);
  }

  private next(pred: (f: Frame) => boolean, what: string): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS);
      this.waiters.push({
        pred,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
      });
    });
  }

  /** Resolves once the relay acknowledged every update sent so far. */
  async whenStored(): Promise<void> {
    // what is gathered is sealed now rather than at the window's end: the caller waits for it either way
    this.batcher.flush();
    while (this.acked < this.seq) await this.next((f) => f.type === 'ack' || f.type === 'reject', 'ack');
  }

  /**
   * Uploads the whole document as the first snapshot, covering this device's updates (all acknowledged
   * first, as the relay requires), so that the relay hard-deletes them and a new device gets one snapshot.
   */
  async uploadSnapshot(): Promise<void> {
    await this.whenStored();
    const env = sealSnapshot(
      this.opts.keys,
      { epoch: 0, parent: null, covers: this.seq > 0 ? [{ deviceId: this.deviceId, through: this.seq }] : [] },
      Y.encodeStateAsUpdateV2(this.doc),
    );
    const outcome = this.next(
      (f) => (f.type === 'done' && f.op === 'snapshot') || (f.type === 'reject' && f.seq === 0),
      'snapshot outcome',
    );
    this.send({ type: 'snapshot', docId: this.opts.keys.docId, relaySeq: 0, envelope: env });
    const f = await outcome;
    if (f.type === 'reject') throw new Error(`snapshot refused: ${f.reason}`);
  }

  close(): void {
    this.batcher.close();
    this.presence.destroy();
    this.awareness.destroy();
    this.ws.close();
  }
}
