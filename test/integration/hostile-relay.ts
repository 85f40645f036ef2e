/**
 * A hostile relay for client-side attack tests (E2EE 4.8 from the client's side): a WebSocket
 * man-in-the-middle on 127.0.0.1 in front of the real sync-server. Every frame is forwarded as is
 * unless an installed attack says otherwise; attacks see decoded frames and may drop them, replace them,
 * hold them for later, or the test may inject frames of its own (replays, forgeries, old snapshots).
 *
 * What it can do is exactly what PROTOCOL.md says a relay can do: withhold, delay, reorder, replay and
 * alter bytes. It holds no keys: forged envelopes come from the test, which has to sign them with a key
 * that is not the document's (a viewer's or an attacker's).
 */
import type { AddressInfo } from 'node:net';
import { decodeFrame, encodeFrame, type Frame } from '@dure/shared/protocol/index';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export type Direction = 'down' /* relay → client */ | 'up'; /* client → relay */

export interface Seen {
  readonly conn: number;
  readonly dir: Direction;
  /** undefined when the bytes do not decode as a frame */
  readonly frame: Frame | undefined;
  readonly raw: Uint8Array;
}

/** What to do with one frame: forward it (`pass`), forget it (`drop`) or send these bytes instead. */
export type Verdict = 'pass' | 'drop' | readonly Uint8Array[];

export interface Attack {
  readonly name: string;
  filter(seen: Seen): Verdict;
}

export interface HostileRelay {
  /** ws://127.0.0.1:port/sync: give this to the victim's transport */
  readonly url: string;
  readonly port: number;
  /** every frame in both directions, in the order the proxy saw them */
  readonly log: readonly Seen[];
  /** Installs an attack; the returned function removes it (frames it still holds are not released). */
  attack(a: Attack): () => void;
  /** Sends bytes to every open client connection (or one), as if the relay had sent them. */
  inject(raw: Uint8Array, conn?: number): void;
  /** Ids of the client connections that are open now. */
  connections(): number[];
  /** Closes every client connection (and its upstream) with 1001, as a relay restart would. */
  dropConnections(): void;
  close(): Promise<void>;
}

const WS_OPEN = 1;

/** Codes a peer may send in a close frame (RFC 6455 7.4); others (1005, 1006, 1015) only describe. */
const sendableClose = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

function closeWith(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  if (sendableClose(code)) ws.close(code, reason.slice(0, 120));
  else ws.terminate();
}

const bytesOf = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
};

export async function startHostileRelay(upstreamUrl: string): Promise<HostileRelay> {
  const attacks: Attack[] = [];
  const log: Seen[] = [];
  const clients = new Map<number, WebSocket>();
  const upstreams = new Map<number, WebSocket>();
  let nextConn = 1;

  const wss = new WebSocketServer({ host: '127.0.0.1', port: 0, path: '/sync', maxPayload: 16 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const port = (wss.address() as AddressInfo).port;

  /** Runs the attacks in order; the first one that does not pass decides. */
  const judge = (seen: Seen): readonly Uint8Array[] => {
    log.push(seen);
    for (const a of [...attacks]) {
      const v = a.filter(seen);
      if (v === 'drop') return [];
      if (v !== 'pass') return v;
    }
    return [seen.raw];
  };

  wss.on('connection', (client) => {
    const conn = nextConn++;
    clients.set(conn, client);
    const upstream = new WebSocket(upstreamUrl, { maxPayload: 16 * 1024 * 1024 });
    upstreams.set(conn, upstream);
    const early: Uint8Array[] = [];

    const seen = (dir: Direction, raw: Uint8Array): Seen => {
      const f = decodeFrame(raw);
      return { conn, dir, frame: f.ok ? f.value : undefined, raw };
    };

    client.on('message', (data: RawData) => {
      for (const out of judge(seen('up', bytesOf(data)))) {
        if (upstream.readyState === WS_OPEN) upstream.send(out);
        else early.push(out);
      }
    });
    upstream.on('open', () => {
      for (const out of early.splice(0)) upstream.send(out);
    });
    upstream.on('message', (data: RawData) => {
      for (const out of judge(seen('down', bytesOf(data)))) {
        if (client.readyState === WS_OPEN) client.send(out);
      }
    });
    client.on('close', (code, reason) => {
      clients.delete(conn);
      upstreams.delete(conn);
      closeWith(upstream, code, String(reason));
    });
    upstream.on('close', (code, reason) => {
      upstreams.delete(conn);
      closeWith(client, code, String(reason));
    });
    client.on('error', () => {});
    upstream.on('error', () => {
      closeWith(client, 1011, 'upstream failed');
    });
  });

  return {
    url: `ws://127.0.0.1:${port}/sync`,
    port,
    log,
    attack(a) {
      attacks.push(a);
      return () => {
        const i = attacks.indexOf(a);
        if (i >= 0) attacks.splice(i, 1);
      };
    },
    inject(raw, conn) {
      for (const [id, ws] of clients) {
        if (conn !== undefined && id !== conn) continue;
        if (ws.readyState === WS_OPEN) ws.send(raw);
      }
    },
    connections: () => [...clients.entries()].filter(([, ws]) => ws.readyState === WS_OPEN).map(([id]) => id),
    dropConnections() {
      for (const ws of clients.values()) closeWith(ws, 1001, 'going away');
      for (const ws of upstreams.values()) closeWith(ws, 1001, 'going away');
    },
    async close() {
      for (const ws of clients.values()) ws.terminate();
      for (const ws of upstreams.values()) ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

// ---- attacks --------------------------------------------------------------------------------------

type UpdateFrame = Extract<Frame, { type: 'update' }>;
type SnapshotFrame = Extract<Frame, { type: 'snapshot' }>;

/** Update frames the relay delivers to the victim (not the client's own uploads). */
export function isDownUpdate(s: Seen): s is Seen & { frame: UpdateFrame } {
  return s.dir === 'down' && s.frame?.type === 'update';
}

export function isDownSnapshot(s: Seen): s is Seen & { frame: SnapshotFrame } {
  return s.dir === 'down' && s.frame?.type === 'snapshot';
}

export interface UpdateMatch {
  readonly deviceId?: string;
  readonly seq?: number;
}

const matches = (f: UpdateFrame, m: UpdateMatch): boolean =>
  (m.deviceId === undefined || f.envelope.deviceId === m.deviceId) && (m.seq === undefined || f.envelope.seq === m.seq);

/**
 * Where parts of an update frame's envelope sit: the frame header (18) and relaySeq (8), the envelope's
 * var32 length (4), then the envelope (PROTOCOL.md): version, kind, docId (16), epoch (4), deviceId (16),
 * seq (8), nonce (24), ciphertext length (4), ciphertext, signature (64).
 */
export const UPDATE_FRAME_OFFSETS = {
  envelope: 30,
  epoch: 30 + 18,
  deviceId: 30 + 22,
  seq: 30 + 38,
  nonce: 30 + 46,
  /** from the end of the frame */
  signatureFromEnd: 64,
} as const;

export type TamperPart = 'ciphertext' | 'seq' | 'epoch' | 'nonce' | 'signature';

/** One byte of the frame changed; the result still decodes as a frame (only the signature or AEAD can tell). */
export function tamperBytes(raw: Uint8Array, part: TamperPart): Uint8Array {
  const out = raw.slice();
  const O = UPDATE_FRAME_OFFSETS;
  const at = {
    ciphertext: out.length - O.signatureFromEnd - 1, // the last byte of the AEAD tag
    seq: O.seq + 6, // seq + 256: never zero, so the frame still decodes
    epoch: O.epoch + 3,
    nonce: O.nonce,
    signature: out.length - 1,
  }[part];
  out[at]! ^= 0x01;
  return out;
}

/** E2EE 4.8 #1, #2: the matching update arrives with one byte changed. */
export function tamper(match: UpdateMatch, part: TamperPart = 'ciphertext'): Attack & { readonly hits: number } {
  let hits = 0;
  return {
    name: `tamper ${part}`,
    get hits() {
      return hits;
    },
    filter(s) {
      if (!isDownUpdate(s) || !matches(s.frame, match)) return 'pass';
      hits++;
      return [tamperBytes(s.raw, part)];
    },
  };
}

/** E2EE 4.8 #5: the matching update is never delivered while the attack is installed (catch-ups included). */
export function withhold(match: UpdateMatch): Attack & { readonly hits: number } {
  let hits = 0;
  return {
    name: 'withhold',
    get hits() {
      return hits;
    },
    filter(s) {
      if (!isDownUpdate(s) || !matches(s.frame, match)) return 'pass';
      hits++;
      return 'drop';
    },
  };
}

/**
 * E2EE 4.8 #4: the first matching update is held back and delivered right after the next update frame
 * on the same connection (so `seq k+1` arrives before `seq k`). `release()` sends it if nothing followed.
 */
export function reorder(
  match: UpdateMatch,
  inject: (raw: Uint8Array, conn: number) => void,
): Attack & { readonly held: boolean; readonly done: boolean; release(): void } {
  let held: Seen | undefined;
  let done = false;
  return {
    name: 'reorder',
    get held() {
      return held !== undefined;
    },
    get done() {
      return done;
    },
    release() {
      if (!held) return;
      const h = held;
      held = undefined;
      done = true;
      inject(h.raw, h.conn);
    },
    filter(s) {
      if (done || !isDownUpdate(s)) return 'pass';
      if (!held) {
        if (!matches(s.frame, match)) return 'pass';
        held = s;
        return 'drop';
      }
      if (s.conn !== held.conn) return 'pass';
      const h = held;
      held = undefined;
      done = true;
      return [s.raw, h.raw];
    },
  };
}

/** E2EE 4.8 #3: every matching update is delivered twice in a row. */
export function duplicate(match: UpdateMatch): Attack & { readonly hits: number } {
  let hits = 0;
  return {
    name: 'replay',
    get hits() {
      return hits;
    },
    filter(s) {
      if (!isDownUpdate(s) || !matches(s.frame, match)) return 'pass';
      hits++;
      return [s.raw, s.raw];
    },
  };
}

/** Re-encodes a frame with a different relaySeq (a hostile relay numbers its deliveries as it likes). */
export function withRelaySeq(f: UpdateFrame | SnapshotFrame, relaySeq: number): Uint8Array {
  return encodeFrame({ ...f, relaySeq });
}

/** Whatever the relay sends, a snapshot frame delivered to the victim is replaced by `old` (E2EE 4.8 #6). */
export function serveOldSnapshot(old: Uint8Array): Attack & { readonly hits: number } {
  let hits = 0;
  return {
    name: 'rollback',
    get hits() {
      return hits;
    },
    filter(s) {
      if (!isDownSnapshot(s)) return 'pass';
      hits++;
      return [old];
    },
  };
}
