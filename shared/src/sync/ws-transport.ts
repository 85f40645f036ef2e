import { CLOSE } from '../protocol/limits';
import type { Transport, TransportClose, TransportHandler } from './types';

/**
 * The slice of the WebSocket API the transport uses. The browser's WebSocket has it, and so does the
 * `ws` package's class (Node 20 has no global WebSocket), which callers pass as `WebSocket`.
 */
/** Method syntax makes the parameter bivariant, so the browser's and `ws`'s richer event types fit. */
type Handler<E> = { bivariance(ev: E): void }['bivariance'];

export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketClass = new (url: string) => WebSocketLike;

export interface WebSocketTransportOptions {
  /** ws:// or wss:// address of the relay's sync endpoint (…/sync) */
  readonly url: string;
  /** defaults to the url: per-relay state is kept under it */
  readonly id?: string;
  /** defaults to globalThis.WebSocket */
  readonly WebSocket?: WebSocketClass;
}

const OPEN = 1;

/** Close codes after which retrying soon cannot help: the relay refused what this client sends. */
const FATAL_CODES: ReadonlySet<number> = new Set([CLOSE.malformed, CLOSE.unsupportedVersion, CLOSE.tooManyDocuments]);

/** No close code at all (the socket failed before or without a close handshake). */
const ABNORMAL = 1006;
const ignore = (): void => {};

export function closeInfo(code: number, reason: string): TransportClose {
  return FATAL_CODES.has(code) ? { code, reason, fatal: true } : { code, reason };
}

/**
 * A Transport over one WebSocket per connect(). It does nothing above frames: no retry, no queue
 * (a frame sent while not open is dropped and reported as such; the session resends from its outbox).
 */
export function createWebSocketTransport(opts: WebSocketTransportOptions): Transport {
  const WS = opts.WebSocket ?? (globalThis as { WebSocket?: WebSocketClass }).WebSocket;
  if (!WS) throw new TypeError('no WebSocket implementation: pass one (the ws package in Node)');
  let socket: WebSocketLike | undefined;
  /** ends the current attempt exactly once; undefined when there is none */
  let finish: ((info: TransportClose) => void) | undefined;

  return {
    id: opts.id ?? opts.url,
    kind: 'relay',
    get buffered(): number {
      return socket?.bufferedAmount ?? 0;
    },
    connect(handler: TransportHandler): void {
      if (finish) throw new Error('transport already connecting or open: disconnect first');
      let done = false;
      let ws: WebSocketLike;
      const end = (info: TransportClose): void => {
        if (done) return;
        done = true;
        if (socket === ws) socket = undefined;
        if (finish === end) finish = undefined;
        if (ws) {
          // Later events from this socket belong to an attempt that is over. No-ops, not null: the `ws`
          // package throws an 'error' event that has no listener.
          ws.onopen = ws.onmessage = ws.onclose = ws.onerror = ignore;
        }
        handler.close(info);
      };
      finish = end;
      try {
        ws = new WS(opts.url);
      } catch (e) {
        // An address the WebSocket refuses outright will not work on retry either.
        const reason = e instanceof Error ? e.message : String(e);
        queueMicrotask(() => end({ code: ABNORMAL, reason, fatal: true }));
        return;
      }
      socket = ws;
      ws.binaryType = 'arraybuffer';
      ws.onopen = () => {
        if (!done) handler.open();
      };
      ws.onmessage = (ev) => {
        if (done) return;
        // The relay sends binary frames only; anything else is not a frame.
        if (ev.data instanceof ArrayBuffer) handler.frame(new Uint8Array(ev.data));
        else if (ArrayBuffer.isView(ev.data)) {
          const v = ev.data;
          handler.frame(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
        }
      };
      ws.onclose = (ev) => end(closeInfo(ev.code, ev.reason));
      // An error is always followed by close in browsers; `ws` too, but do not depend on it.
      ws.onerror = () => {
        if (ws.readyState !== OPEN) queueMicrotask(() => end({ code: ABNORMAL, reason: 'connection failed' }));
      };
    },
    send(frame: Uint8Array): boolean {
      if (!socket || socket.readyState !== OPEN || !finish) return false;
      try {
        socket.send(frame);
        return true;
      } catch {
        return false;
      }
    },
    disconnect(): void {
      const s = socket;
      const f = finish;
      if (!f) return;
      try {
        s?.close(1000, 'disconnect');
      } catch {
        // closing a socket that never opened may throw in some implementations; the attempt ends anyway
      }
      f({ code: 1000, reason: 'disconnect' });
    },
  };
}
