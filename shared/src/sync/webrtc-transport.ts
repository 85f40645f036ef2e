/**
 * A peer Transport over WebRTC data channels (issue #6): one transport per remote peer, one data
 * channel per connection. The mesh (mesh.ts) does the signaling and hands each new channel to the
 * transport (useChannel); a connect() takes the channel that is there, or waits a bounded time for the
 * next one (and says so through onWant, so the mesh can start a link now). The peer protocol above
 * frames is the session's.
 *
 * A data channel message is safe across browsers only up to 16 KiB, and a frame may be 9 MiB, so frames
 * travel in chunks (PROTOCOL.md, "Signaling", data channel framing):
 *
 *   [0x00] ‖ bytes   the last (or only) chunk of a frame
 *   [0x01] ‖ bytes   more chunks of this frame follow
 *   [0x02] ‖ code u16 ‖ reason (UTF-8, ≤ 123 bytes)   goodbye: why the sender is closing
 *
 * Chunks are handed to the channel while its bufferedAmount is below 1 MiB; the rest waits here and
 * `buffered` counts both, so the session's backpressure sees the whole queue.
 */
import type { Transport, TransportClose, TransportHandler } from './types';

/** The slice of RTCDataChannel the transport uses (the browser's, or a fake in unit tests). */
export interface DataChannelLike {
  binaryType: string;
  readonly readyState: string;
  readonly bufferedAmount: number;
  bufferedAmountLowThreshold: number;
  onopen: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  onmessage: ((ev: MessageEvent) => void) | null;
  onbufferedamountlow: ((ev: never) => void) | null;
  send(data: Uint8Array<ArrayBuffer>): void;
  close(): void;
}

export const CHUNK = { last: 0, more: 1, bye: 2 } as const;
/** bytes of one data channel message, header included */
export const CHUNK_BYTES = 16 * 1024;
/** stop handing chunks to the channel above this; bufferedamountlow resumes */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;
/** messages that arrive on a channel before the session connects it (the other side's hello) */
const MAX_EARLY_MESSAGES = 64;

/** Close codes of this transport (PEER_CLOSE of the session's peer links uses 4100–4102). */
export const WEBRTC_CLOSE = {
  /** the other side broke the chunk framing, sent text, or a frame over the limit */
  framing: 4110,
  /** the channel or the connection under it closed without a goodbye, or no channel came in time */
  lost: 4111,
  /** this side's queue grew past its bound: the other side stopped reading */
  stalled: 4112,
  /** the peer left for good (goodbye, or dropped by the mesh) */
  retired: 4113,
} as const;

export interface WebRtcTransportOptions {
  readonly id: string;
  /** largest frame accepted after reassembly */
  readonly maxFrameBytes: number;
  /** queued bytes (not yet handed to the channel) beyond which the link counts as stalled */
  readonly maxQueuedBytes?: number;
  /** how long connect() waits for a channel before it reports close (default 20 s) */
  readonly waitMs?: number;
  /** connect() found no channel: the mesh may start a link now */
  readonly onWant?: () => void;
  /**
   * A connection over a channel ended. `byUs`: this side ended it (the session dropped the peer, or the
   * framing broke), not the other side. The mesh closes the RTCPeerConnection under it.
   */
  readonly onChannelGone?: (info: TransportClose, byUs: boolean, ch: DataChannelLike) => void;
}

export interface WebRtcTransport extends Transport {
  /** A new data channel to this peer (opening or open); it replaces a live or unused earlier one. */
  useChannel(ch: DataChannelLike): void;
  /** The peer is gone for good: the current connection ends and every later connect() ends at once. */
  retire(reason: string): void;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const ignore = (): void => {};

function bye(code: number, reason: string): Uint8Array<ArrayBuffer> {
  let r = encoder.encode(reason);
  if (r.length > 123) r = r.subarray(0, 123);
  const out = new Uint8Array(3 + r.length);
  out[0] = CHUNK.bye;
  out[1] = code >>> 8;
  out[2] = code & 0xff;
  out.set(r, 3);
  return out;
}

function asBytes(data: unknown): Uint8Array | undefined {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return undefined;
}

function quietClose(ch: DataChannelLike): void {
  ch.onopen = ch.onclose = ch.onerror = ch.onbufferedamountlow = ignore;
  ch.onmessage = ignore;
  try {
    ch.close();
  } catch {
    // already closing
  }
}

const isOver = (ch: DataChannelLike): boolean => ch.readyState === 'closing' || ch.readyState === 'closed';

/** One connection attempt: its handler and, once there is one, its channel. */
interface Conn {
  readonly handler: TransportHandler;
  ch: DataChannelLike | undefined;
  opened: boolean;
  over: boolean;
  wait: ReturnType<typeof setTimeout> | undefined;
  readonly queue: Uint8Array<ArrayBuffer>[];
  queued: number;
  parts: Uint8Array[];
  partBytes: number;
}

export function createWebRtcTransport(opts: WebRtcTransportOptions): WebRtcTransport {
  const maxQueued = opts.maxQueuedBytes ?? 64 * 1024 * 1024;
  const waitMs = opts.waitMs ?? 20_000;
  let conn: Conn | undefined;
  /** a channel not yet used by a connection, with what arrived on it so far */
  let spare: { ch: DataChannelLike; early: unknown[] } | undefined;
  let retired = false;

  const end = (c: Conn, info: TransportClose, byUs: boolean): void => {
    if (c.over) return;
    c.over = true;
    if (c.wait !== undefined) clearTimeout(c.wait);
    c.queue.length = 0;
    c.queued = 0;
    c.parts = [];
    const ch = c.ch;
    if (ch) quietClose(ch);
    if (conn === c) conn = undefined;
    c.handler.close(info);
    if (ch) opts.onChannelGone?.(info, byUs, ch);
  };

  /** Ends c from this side, telling the other side why while the channel can still carry it. */
  const leave = (c: Conn, code: number, reason: string): void => {
    if (c.over) return;
    if (c.ch?.readyState === 'open') {
      try {
        c.ch.send(bye(code, reason));
      } catch {
        // the goodbye is a courtesy
      }
    }
    end(c, { code, reason }, true);
  };

  const pump = (c: Conn): void => {
    const ch = c.ch;
    while (ch && !c.over && c.queue.length > 0 && ch.readyState === 'open' && ch.bufferedAmount < HIGH_WATER) {
      const chunk = c.queue.shift()!;
      c.queued -= chunk.length;
      try {
        ch.send(chunk);
      } catch {
        return end(c, { code: WEBRTC_CLOSE.lost, reason: 'send failed' }, false);
      }
    }
  };

  const receive = (c: Conn, data: unknown): void => {
    if (c.over) return;
    const b = asBytes(data);
    if (!b || b.length === 0 || b.length > CHUNK_BYTES) return leave(c, WEBRTC_CLOSE.framing, 'not a chunk');
    const kind = b[0];
    if (kind === CHUNK.bye) {
      const code = b.length >= 3 ? (b[1]! << 8) | b[2]! : WEBRTC_CLOSE.lost;
      return end(c, { code, reason: decoder.decode(b.subarray(3)) }, false);
    }
    if (kind !== CHUNK.last && kind !== CHUNK.more) return leave(c, WEBRTC_CLOSE.framing, 'unknown chunk');
    c.partBytes += b.length - 1;
    if (c.partBytes > opts.maxFrameBytes) return leave(c, WEBRTC_CLOSE.framing, 'frame too large');
    // A copy: the frame owns its bytes whatever the channel does with its buffers.
    c.parts.push(b.slice(1));
    if (kind === CHUNK.more) return;
    let frame: Uint8Array;
    if (c.parts.length === 1) frame = c.parts[0]!;
    else {
      frame = new Uint8Array(c.partBytes);
      let o = 0;
      for (const p of c.parts) {
        frame.set(p, o);
        o += p.length;
      }
    }
    c.parts = [];
    c.partBytes = 0;
    c.handler.frame(frame);
  };

  const bind = (c: Conn, ch: DataChannelLike, early: unknown[]): void => {
    if (c.wait !== undefined) clearTimeout(c.wait);
    c.wait = undefined;
    c.ch = ch;
    ch.binaryType = 'arraybuffer';
    ch.bufferedAmountLowThreshold = LOW_WATER;
    const open = (): void => {
      if (c.over || c.opened) return;
      c.opened = true;
      c.handler.open();
      for (const m of early) receive(c, m);
    };
    ch.onmessage = (ev) => {
      if (c.opened) receive(c, ev.data);
      else if (early.length < MAX_EARLY_MESSAGES) early.push(ev.data);
    };
    ch.onbufferedamountlow = () => pump(c);
    ch.onclose = () => end(c, { code: WEBRTC_CLOSE.lost, reason: 'channel closed' }, false);
    ch.onerror = () => end(c, { code: WEBRTC_CLOSE.lost, reason: 'channel error' }, false);
    if (isOver(ch)) queueMicrotask(() => end(c, { code: WEBRTC_CLOSE.lost, reason: 'channel closed' }, false));
    else if (ch.readyState === 'open') queueMicrotask(open);
    else ch.onopen = open;
  };

  return {
    id: opts.id,
    kind: 'peer',
    get buffered(): number {
      const c = conn;
      return c?.ch && !c.over ? c.ch.bufferedAmount + c.queued : 0;
    },
    connect(handler: TransportHandler): void {
      if (conn) throw new Error('transport already connecting or open: disconnect first');
      const c: Conn = {
        handler,
        ch: undefined,
        opened: false,
        over: false,
        wait: undefined,
        queue: [],
        queued: 0,
        parts: [],
        partBytes: 0,
      };
      conn = c;
      if (retired) {
        queueMicrotask(() => end(c, { code: WEBRTC_CLOSE.retired, reason: 'peer gone', fatal: true }, false));
        return;
      }
      const s = spare;
      spare = undefined;
      if (s && !isOver(s.ch)) return bind(c, s.ch, s.early);
      c.wait = setTimeout(() => end(c, { code: WEBRTC_CLOSE.lost, reason: 'no channel' }, false), waitMs);
      opts.onWant?.();
    },
    send(frame: Uint8Array): boolean {
      const c = conn;
      if (!c || c.over || !c.opened || c.ch?.readyState !== 'open') return false;
      if (frame.length > opts.maxFrameBytes) throw new RangeError('frame exceeds the peer frame limit');
      const body = CHUNK_BYTES - 1;
      let o = 0;
      do {
        const stop = Math.min(frame.length, o + body);
        const chunk = new Uint8Array(1 + stop - o);
        chunk[0] = stop < frame.length ? CHUNK.more : CHUNK.last;
        chunk.set(frame.subarray(o, stop), 1);
        c.queue.push(chunk);
        c.queued += chunk.length;
        o = stop;
      } while (o < frame.length);
      if (c.queued > maxQueued) {
        leave(c, WEBRTC_CLOSE.stalled, 'peer stopped reading');
        return false;
      }
      pump(c);
      return true;
    },
    disconnect(code = 1000, reason = 'disconnect'): void {
      if (conn) leave(conn, code, reason);
    },
    useChannel(ch: DataChannelLike): void {
      if (retired) return quietClose(ch);
      const c = conn;
      if (c && !c.ch) return bind(c, ch, []);
      if (spare) quietClose(spare.ch);
      const early: unknown[] = [];
      spare = { ch, early };
      // A spare that dies (or that the other side fills before the session connects: it should send no
      // more than its hello until ours arrives) is reported like a connection's channel, so the mesh makes
      // a new link instead of waiting on a dead one.
      const lost = (reason: string): void => {
        if (spare?.ch !== ch) return;
        spare = undefined;
        quietClose(ch);
        opts.onChannelGone?.({ code: WEBRTC_CLOSE.lost, reason }, false, ch);
      };
      ch.onmessage = (ev) => {
        if (early.length < MAX_EARLY_MESSAGES) early.push(ev.data);
        else lost('too much before connect');
      };
      ch.onclose = () => lost('channel closed');
      ch.onerror = () => lost('channel error');
      // The peer restarted the link: the connection on the old channel is over.
      if (c) end(c, { code: WEBRTC_CLOSE.lost, reason: 'replaced' }, false);
    },
    retire(reason: string): void {
      retired = true;
      if (spare) quietClose(spare.ch);
      spare = undefined;
      if (conn) leave(conn, WEBRTC_CLOSE.retired, reason);
    },
  };
}
