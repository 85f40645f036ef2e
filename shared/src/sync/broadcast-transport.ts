import { newId } from '../protocol/index';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import type { Transport, TransportClose, TransportHandler } from './types';

/**
 * Tabs of one browser (or threads of one Node process) as peers, over BroadcastChannel. Every tab with a
 * document open joins ONE channel per document, named `dure/v1/peers/<docId>` (the document id is all it
 * reveals; no key material). The channel is a bus, but the session's peer protocol is point to point
 * (what THIS peer holds), so each remote tab becomes its own Transport (`bc:<tabId>`): messages carry
 * `from`/`to` tab ids and connection numbers, and every end ignores what is not addressed to it.
 * `createBroadcastChannelPeers` discovers tabs (a `here` on start, answered by `hi`; `bye` on close) and
 * hands out one transport per remote tab. Wire (structured-clone objects, PROTOCOL.md "Peer frames"):
 *
 *   { t: 'here' | 'bye', from }                  discovery, to everyone
 *   { t: 'hi', from, to }                        answer to here
 *   { t: 'syn', from, to, c }                    connect attempt c of `from`
 *   { t: 'ack', from, to, c, r }                 accepted: my attempt c pairs with your attempt r
 *   { t: 'data', from, to, c, r, b }             one frame (Uint8Array ≤ MAX_FRAME_BYTES)
 *   { t: 'fin', from, to, c, code, reason }      attempt c ended
 */
export interface BroadcastChannelLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  removeEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
  close(): void;
}
export type BroadcastChannelClass = new (name: string) => BroadcastChannelLike;

export const broadcastChannelName = (docId: string): string => `dure/v1/peers/${docId}`;

export interface BroadcastTransportOptions {
  /** the channel name: broadcastChannelName(docId) */
  readonly name: string;
  /** this tab's id (random per tab and session) */
  readonly self: string;
  /** the remote tab's id */
  readonly remote: string;
  /** an attempt the remote does not answer within this closes with 1006 (default 5 s) */
  readonly connectTimeoutMs?: number;
  /** defaults to globalThis.BroadcastChannel (browsers, Node ≥ 18) */
  readonly BroadcastChannel?: BroadcastChannelClass;
}

type Msg =
  | { t: 'here'; from: string }
  | { t: 'bye'; from: string }
  | { t: 'hi'; from: string; to: string }
  | { t: 'syn'; from: string; to: string; c: number }
  | { t: 'ack'; from: string; to: string; c: number; r: number }
  | { t: 'data'; from: string; to: string; c: number; r: number; b: Uint8Array }
  | { t: 'fin'; from: string; to: string; c: number; code: number; reason: string };

const str = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 64;
const num = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v > 0;

/** Tabs of the same origin can post anything: shape-check every message, drop the rest. */
export function parseMsg(data: unknown): Msg | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const m = data as Record<string, unknown>;
  if (!str(m.from)) return undefined;
  switch (m.t) {
    case 'here':
      return { t: 'here', from: m.from };
    case 'bye':
      return { t: 'bye', from: m.from };
    case 'hi':
      return str(m.to) ? { t: 'hi', from: m.from, to: m.to } : undefined;
    case 'syn':
      return str(m.to) && num(m.c) ? { t: 'syn', from: m.from, to: m.to, c: m.c } : undefined;
    case 'ack':
      return str(m.to) && num(m.c) && num(m.r) ? { t: 'ack', from: m.from, to: m.to, c: m.c, r: m.r } : undefined;
    case 'data':
      return str(m.to) && num(m.c) && num(m.r) && m.b instanceof Uint8Array && m.b.length <= MAX_FRAME_BYTES
        ? { t: 'data', from: m.from, to: m.to, c: m.c, r: m.r, b: m.b }
        : undefined;
    case 'fin':
      return str(m.to) && num(m.c) && typeof m.code === 'number' && typeof m.reason === 'string'
        ? { t: 'fin', from: m.from, to: m.to, c: m.c, code: m.code, reason: m.reason.slice(0, 120) }
        : undefined;
    default:
      return undefined;
  }
}

const ABNORMAL = 1006;
let attemptCounter = 0;

function channelClass(given?: BroadcastChannelClass): BroadcastChannelClass {
  const BC = given ?? (globalThis as { BroadcastChannel?: BroadcastChannelClass }).BroadcastChannel;
  if (!BC) throw new TypeError('no BroadcastChannel in this environment');
  return BC;
}

/** One remote tab as a Transport (kind 'peer', id `bc:<remote>`). */
export function createBroadcastChannelTransport(opts: BroadcastTransportOptions): Transport {
  const BC = channelClass(opts.BroadcastChannel);
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  let current:
    | {
        ch: BroadcastChannelLike;
        c: number;
        /** the remote's attempt we are paired with, once open */
        r: number | undefined;
        /** `tell`: what the remote is told (a fin), if anything */
        finish: (info: TransportClose, tell: TransportClose | undefined) => void;
      }
    | undefined;

  return {
    id: `bc:${opts.remote}`,
    kind: 'peer',
    get buffered(): number {
      return 0;
    },
    connect(handler: TransportHandler): void {
      if (current) throw new Error('transport already connecting or open: disconnect first');
      const ch = new BC(opts.name);
      const c = ++attemptCounter;
      let done = false;
      const post = (m: Msg): void => {
        try {
          ch.postMessage(m);
        } catch {
          // a closed channel: the attempt is ending anyway
        }
      };
      const noAnswer = { code: ABNORMAL, reason: 'no answer' };
      const timer = setTimeout(() => finish(noAnswer, noAnswer), timeoutMs);
      const open = (r: number): void => {
        if (!current || current.c !== c || current.r !== undefined) return;
        current.r = r;
        clearTimeout(timer);
        handler.open();
      };
      const listener = (ev: { data: unknown }): void => {
        const m = parseMsg(ev.data);
        if (!m || done || m.from !== opts.remote) return;
        if (m.t === 'bye') return finish({ code: 1001, reason: 'tab closed' }, undefined);
        if (m.t === 'here' || m.t === 'hi' || m.to !== opts.self) return;
        const paired = current?.r;
        switch (m.t) {
          case 'syn':
            if (paired === undefined) {
              post({ t: 'ack', from: opts.self, to: opts.remote, c, r: m.c });
              open(m.c);
            } else if (m.c !== paired) {
              // The remote started over (its side closed): this connection is gone.
              finish({ code: ABNORMAL, reason: 'remote reconnected' }, undefined);
            }
            return;
          case 'ack':
            if (m.r === c && paired === undefined) open(m.c);
            return;
          case 'data':
            if (paired !== undefined && m.c === paired && m.r === c) handler.frame(m.b);
            return;
          case 'fin':
            if (paired !== undefined && m.c === paired) finish({ code: m.code, reason: m.reason }, undefined);
            return;
        }
      };
      const finish = (info: TransportClose, tell: TransportClose | undefined): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        if (tell) post({ t: 'fin', from: opts.self, to: opts.remote, c, code: tell.code, reason: tell.reason });
        ch.removeEventListener('message', listener);
        // Node drops messages still queued when the sending channel closes in the same turn (the fin).
        if (tell) setTimeout(() => ch.close(), 50);
        else ch.close();
        if (current?.c === c) current = undefined;
        queueMicrotask(() => handler.close(info));
      };
      current = { ch, c, r: undefined, finish };
      ch.addEventListener('message', listener);
      post({ t: 'syn', from: opts.self, to: opts.remote, c });
    },
    send(frame: Uint8Array): boolean {
      const cur = current;
      if (!cur || cur.r === undefined || frame.length > MAX_FRAME_BYTES) return false;
      try {
        cur.ch.postMessage({ t: 'data', from: opts.self, to: opts.remote, c: cur.c, r: cur.r, b: frame.slice() });
        return true;
      } catch {
        return false;
      }
    },
    disconnect(code = 1000, reason = 'disconnect'): void {
      current?.finish({ code: 1000, reason: 'disconnect' }, { code, reason });
    },
  };
}

export interface BroadcastPeersOptions {
  readonly docId: string;
  /** a new remote tab: add it to the session (session.addTransport) */
  onTransport(t: Transport): void;
  /** a remote tab left (`bye`) or stopped answering: remove it (session.removeTransport) */
  onGone(id: string): void;
  readonly connectTimeoutMs?: number;
  readonly BroadcastChannel?: BroadcastChannelClass;
}

export interface BroadcastPeers {
  /** this tab's id on the channel */
  readonly self: string;
  /** Says `bye` and leaves the channel (call on pagehide and when the document closes). */
  close(): void;
}

/** Discovers the other tabs that have the document open and gives one Transport per tab. */
export function createBroadcastChannelPeers(opts: BroadcastPeersOptions): BroadcastPeers {
  const BC = channelClass(opts.BroadcastChannel);
  const self = newId();
  const name = broadcastChannelName(opts.docId);
  const ch = new BC(name);
  const known = new Set<string>();
  let closed = false;

  const meet = (remote: string): void => {
    if (known.has(remote) || remote === self) return;
    known.add(remote);
    const inner = createBroadcastChannelTransport({
      name,
      self,
      remote,
      connectTimeoutMs: opts.connectTimeoutMs,
      BroadcastChannel: BC,
    });
    // A tab that stops answering is forgotten; if it is still there its next syn or here brings it back.
    const t: Transport = {
      id: inner.id,
      kind: 'peer',
      get buffered() {
        return inner.buffered;
      },
      connect(handler) {
        inner.connect({
          open: () => handler.open(),
          frame: (b) => handler.frame(b),
          close: (info) => {
            handler.close(info);
            if (!closed && info.code === ABNORMAL && info.reason === 'no answer' && known.delete(remote)) {
              opts.onGone(inner.id);
            }
          },
        });
      },
      send: (f) => inner.send(f),
      disconnect: (code, reason) => inner.disconnect(code, reason),
    };
    try {
      opts.onTransport(t);
    } catch {
      // The session still holds the earlier transport for this tab (not removed after onGone): that one
      // reconnects by itself, so this duplicate is not needed.
    }
  };

  ch.addEventListener('message', (ev) => {
    if (closed) return;
    const m = parseMsg(ev.data);
    if (!m || m.from === self) return;
    if (m.t === 'here') {
      meet(m.from);
      ch.postMessage({ t: 'hi', from: self, to: m.from });
    } else if (m.t === 'bye') {
      if (known.delete(m.from)) opts.onGone(`bc:${m.from}`);
    } else if ((m.t === 'hi' || m.t === 'syn') && m.to === self) meet(m.from);
  });
  ch.postMessage({ t: 'here', from: self });

  return {
    self,
    close(): void {
      if (closed) return;
      closed = true;
      ch.postMessage({ t: 'bye', from: self });
      // Node drops messages still queued when the sending channel closes in the same turn.
      setTimeout(() => ch.close(), 50);
    },
  };
}
