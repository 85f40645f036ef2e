/** A protocol client for the relay tests: the real `ws` client speaking frames through shared/protocol. */
import {
  decodeFrame,
  encodeFrame,
  signCreate,
  signDelete,
  signProve,
  type Frame,
  type FrameType,
} from '@dure/shared/protocol/index';
import type { DocKeys } from '@dure/shared/local/api';
import WebSocket from 'ws';

type Pred = (f: Frame) => boolean;
interface Waiter {
  pred: Pred;
  resolve: (f: Frame) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** Guards against a hang only; no test asserts on how long anything took. */
const WAIT_MS = 15_000;

export class TestClient {
  private readonly queue: Frame[] = [];
  private readonly waiters: Waiter[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const r = decodeFrame(new Uint8Array(data));
      if (!r.ok) throw new Error(`relay sent an undecodable frame: ${r.error}`);
      const i = this.waiters.findIndex((w) => w.pred(r.value));
      if (i < 0) return void this.queue.push(r.value);
      const [w] = this.waiters.splice(i, 1);
      clearTimeout(w!.timer);
      w!.resolve(r.value);
    });
    this.closed = new Promise((resolve) =>
      ws.on('close', (code, reason) => {
        // Nothing more can arrive: waiters that lost a race with `closed` are dropped, not left to time out.
        for (const w of this.waiters.splice(0)) clearTimeout(w.timer);
        resolve({ code, reason: String(reason) });
      }),
    );
    ws.on('error', () => {});
  }

  static open(port: number): Promise<TestClient> {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/sync`, { maxPayload: 16 * 1024 * 1024 });
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new TestClient(ws)));
      ws.once('error', reject);
    });
  }

  send(f: Frame): void {
    this.ws.send(encodeFrame(f));
  }

  sendRaw(b: Uint8Array): void {
    this.ws.send(b);
  }

  /** The next frame (already received or still to come) that matches. */
  next<T extends FrameType>(type: T, pred: (f: Extract<Frame, { type: T }>) => boolean = () => true) {
    const match = (f: Frame): boolean => f.type === type && pred(f as Extract<Frame, { type: T }>);
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0] as Extract<Frame, { type: T }>);
    return new Promise<Extract<Frame, { type: T }>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${type} frame arrived`)), WAIT_MS);
      this.waiters.push({ pred: match, resolve: resolve as (f: Frame) => void, reject, timer });
    });
  }

  /** The next frame of any type that matches. */
  nextWhere(match: Pred): Promise<Frame> {
    const i = this.queue.findIndex(match);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!);
    return new Promise<Frame>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching frame arrived')), WAIT_MS);
      this.waiters.push({ pred: match, resolve, reject, timer });
    });
  }

  /** A done for `op` or a reject, about docId. */
  outcome(docId: string, op: string): Promise<Frame> {
    return this.nextWhere((f) => f.docId === docId && ((f.type === 'done' && f.op === op) || f.type === 'reject'));
  }

  /** Frames received and not yet taken by next(). */
  unread(): readonly Frame[] {
    return this.queue;
  }

  /** Subscribes and collects the catch-up up to `synced`. */
  async hello(docId: string, since = 0, write = false) {
    this.send({ type: 'hello', docId, write, knownSnapId: null, sinceRelaySeq: since });
    const synced = await this.next('synced', (f) => f.docId === docId);
    const frames = this.queue.filter((f) => f.docId === docId && (f.type === 'update' || f.type === 'snapshot'));
    for (const f of frames) this.queue.splice(this.queue.indexOf(f), 1);
    return { synced, frames };
  }

  async create(keys: DocKeys, inviteToken: Uint8Array = new Uint8Array(0)): Promise<Frame> {
    this.send({
      type: 'create',
      docId: keys.docId,
      writePub: keys.writePub,
      signature: signCreate(keys),
      inviteToken,
    });
    return this.outcome(keys.docId, 'create');
  }

  /** hello with the write flag, then answer the challenge. */
  async prove(keys: DocKeys, since = 0): Promise<void> {
    this.send({ type: 'hello', docId: keys.docId, write: true, knownSnapId: null, sinceRelaySeq: since });
    const c = await this.next('challenge', (f) => f.docId === keys.docId);
    this.send({ type: 'prove', docId: keys.docId, nonce: c.nonce, signature: signProve(keys, c) });
    await this.next('done', (f) => f.docId === keys.docId && f.op === 'prove');
  }

  /** A fresh challenge (hello again with the write flag), then a signed delete. */
  async deleteDoc(keys: DocKeys): Promise<Frame> {
    this.send({ type: 'hello', docId: keys.docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const c = await this.next('challenge', (f) => f.docId === keys.docId);
    this.send({ type: 'delete', docId: keys.docId, nonce: c.nonce, signature: signDelete(keys, c) });
    return this.outcome(keys.docId, 'delete');
  }

  close(): Promise<{ code: number; reason: string }> {
    this.ws.close();
    return this.closed;
  }
}
