/**
 * The WebRTC mesh of one document session (issue #6): finds the other sessions on the same relays,
 * signals through those relays, and hands each data channel to the session as a peer Transport.
 *
 * - Signaling rides on the relay connections the session already has (wrapRelay): signal frames are taken
 *   out before the session sees any frame, and sent on the same WebSocket, which the relay requires
 *   (it forwards signals only between connections subscribed to the document). Every signal is sealed
 *   with the presence key (protocol/signal.ts): the relay never sees SDP, ICE candidates or IPs.
 * - Discovery: once a relay has delivered its catch-up (`synced`), the mesh says `hi` to everyone there;
 *   whoever hears it answers `hi` to the sender alone. Then the peer with the lower id offers (so two
 *   offers never cross), with every ICE candidate in the SDP (gathered with a deadline: it can hang).
 * - Bounded: at most `maxPeers` direct links; everyone else is reached through the relay. A link that does
 *   not open in time, or closes, is retried with backoff by the offering side; a peer the session dropped
 *   for garbage, a flood or a forged envelope is not tried again in this session.
 * - Data channels do not depend on the relay: when it goes down, open links keep carrying frames.
 *
 * Peer ids are random per mesh (per session), never derived from a key, a device id or a person.
 */
import { fromB64url } from '../bytes';
import type { DocKeys } from '../local/api';
import { decodeFrame, encodeFrame, FRAME_TYPE } from '../protocol/frames';
import { MAX_FRAME_BYTES } from '../protocol/limits';
import { PEER_CLOSE } from '../protocol/peer-frames';
import { MAX_SIGNAL_PAYLOAD_BYTES, newPeerId, openSignal, sealSignal } from '../protocol/signal';
import type { Transport, TransportClose, TransportHandler } from './types';
import { createWebRtcTransport, type DataChannelLike, type WebRtcTransport } from './webrtc-transport';

/** What the mesh needs from a session (DocSession has both since issue #6). */
export interface PeerHost {
  addTransport(t: Transport): void;
  removeTransport(id: string): unknown;
}

export interface MeshOptions {
  readonly keys: DocKeys;
  readonly epoch?: number;
  /** STUN/TURN servers; empty by default: a server on this list learns this device's IP address */
  readonly iceServers?: readonly RTCIceServer[];
  /** direct links at most (default 6) */
  readonly maxPeers?: number;
  /** defaults to globalThis.RTCPeerConnection; without one the mesh only relays (it never connects) */
  readonly RTCPeerConnection?: typeof RTCPeerConnection;
  /** an offer or answer waits at most this long for ICE candidates (default 3 s) */
  readonly gatherTimeoutMs?: number;
  /**
   * a link that has not opened this long after it was started is closed and retried, and a session's
   * connect waits this long for a channel (default 20 s)
   */
  readonly connectTimeoutMs?: number;
  readonly random?: () => number;
}

export type MeshPeerState = 'known' | 'connecting' | 'open';

export interface MeshPeerInfo {
  readonly peerId: string;
  readonly state: MeshPeerState;
  /** the session's transport id while a link exists */
  readonly transportId?: string;
}

export interface Mesh {
  readonly peerId: string;
  /** A relay transport that carries this mesh's signaling; give the session this one, not the original. */
  wrapRelay(t: Transport): Transport;
  /** The session that takes the peer transports; links that opened before are handed over now. */
  attach(host: PeerHost): void;
  peers(): readonly MeshPeerInfo[];
  /** called on every change of peers() */
  onChange(cb: () => void): () => void;
  /** Says goodbye on every relay, closes every link (the session should be closed first or next). */
  close(): void;
}

/** Signal messages, JSON inside the sealed signal. */
type Message =
  | { readonly t: 'hi'; readonly re: boolean }
  | { readonly t: 'offer' | 'answer'; readonly sdp: string; readonly n: string }
  | { readonly t: 'bye' };

function parseMessage(payload: Uint8Array): Message | undefined {
  let m: unknown;
  try {
    m = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch {
    return undefined;
  }
  if (typeof m !== 'object' || m === null) return undefined;
  const r = m as Record<string, unknown>;
  if (r.t === 'hi') return { t: 'hi', re: r.re === true };
  if (r.t === 'bye') return { t: 'bye' };
  if ((r.t === 'offer' || r.t === 'answer') && typeof r.sdp === 'string' && typeof r.n === 'string') {
    if (r.n.length === 0 || r.n.length > 64 || r.sdp.length > MAX_SIGNAL_PAYLOAD_BYTES) return undefined;
    return { t: r.t, sdp: r.sdp, n: r.n };
  }
  return undefined;
}

/** The session dropped the peer for what it sent (not for silence, which a bad network also causes). */
const MISBEHAVED: ReadonlySet<number> = new Set([PEER_CLOSE.malformed, PEER_CLOSE.flood, PEER_CLOSE.forged]);
/** peers remembered (heard of, not necessarily linked); the oldest unlinked one makes room */
const MAX_KNOWN = 64;
/** failed attempts before a peer that never answered is forgotten (it comes back with its next `hi`) */
const MAX_ATTEMPTS = 6;
const RETRY_BASE_MS = 2_000;
const RETRY_MAX_MS = 60_000;

interface Path {
  readonly id: string;
  readonly inner: Transport;
  /** the relay delivered `synced` on this connection: it forwards our signals now */
  subscribed: boolean;
}

interface Link {
  readonly pc: RTCPeerConnection;
  readonly dc: RTCDataChannel;
  /** offer/answer pairs carry it, so a late answer cannot hit a newer attempt */
  readonly attempt: string;
}

interface Peer {
  readonly id: string;
  /** one per peer for the whole session; each link's channel is handed to it */
  readonly transport: WebRtcTransport;
  /** the relay this peer was last heard on */
  via: string;
  /** highest signal counter accepted from it (replays are dropped) */
  counter: number;
  state: MeshPeerState;
  link?: Link;
  /** the transport was handed to the session */
  added: boolean;
  attempts: number;
  banned: boolean;
  timer?: ReturnType<typeof setTimeout>;
  retry?: ReturnType<typeof setTimeout>;
  heardAt: number;
}

export function createMesh(opts: MeshOptions): Mesh {
  const keys = opts.keys;
  const epoch = opts.epoch ?? 0;
  const self = newPeerId();
  const maxPeers = opts.maxPeers ?? 6;
  const RTC =
    opts.RTCPeerConnection ?? (globalThis as { RTCPeerConnection?: typeof RTCPeerConnection }).RTCPeerConnection;
  const iceServers = [...(opts.iceServers ?? [])];
  const gatherMs = opts.gatherTimeoutMs ?? 3_000;
  const connectMs = opts.connectTimeoutMs ?? 20_000;
  const random = opts.random ?? Math.random;
  const docIdBytes = fromB64url(keys.docId);
  const paths = new Map<string, Path>();
  const peers = new Map<string, Peer>();
  const listeners = new Set<() => void>();
  let host: PeerHost | undefined;
  let counter = 0;
  let closed = false;

  const changed = (): void => listeners.forEach((cb) => cb());

  const forDoc = (b: Uint8Array): boolean => {
    if (b.length < 18 || !docIdBytes) return false;
    for (let i = 0; i < 16; i++) if (b[2 + i] !== docIdBytes[i]) return false;
    return true;
  };

  const send = (to: string | null, msg: Message, via?: string): void => {
    if (closed && msg.t !== 'bye') return;
    const payload = new TextEncoder().encode(JSON.stringify(msg));
    if (payload.length > MAX_SIGNAL_PAYLOAD_BYTES) return;
    counter = (counter + 1) >>> 0;
    const data = sealSignal(keys, { epoch, from: self, to, counter }, payload);
    const frame = encodeFrame({ type: 'signal', docId: keys.docId, from: self, to, data });
    const first = via ? paths.get(via) : undefined;
    // To one peer: the relay it was heard on, or any other subscribed one. To everyone: every relay.
    const targets = to === null ? [...paths.values()] : first?.subscribed ? [first] : [...paths.values()];
    for (const p of targets) {
      if (!p.subscribed) continue;
      p.inner.send(frame);
      if (to !== null) return;
    }
  };

  const linked = (): number => [...peers.values()].filter((p) => p.state !== 'known').length;

  const clearTimers = (p: Peer): void => {
    if (p.timer !== undefined) clearTimeout(p.timer);
    if (p.retry !== undefined) clearTimeout(p.retry);
    p.timer = p.retry = undefined;
  };

  /** Closes the current link to p, if any; the offering side tries again after a backoff. */
  const dropLink = (p: Peer, retry: boolean): void => {
    if (p.timer !== undefined) clearTimeout(p.timer);
    p.timer = undefined;
    const link = p.link;
    p.link = undefined;
    try {
      link?.pc.close();
    } catch {
      // closing twice is harmless
    }
    if (p.state !== 'known') {
      p.state = 'known';
      changed();
    }
    if (closed || !retry || p.banned || p.retry !== undefined) return;
    p.attempts++;
    if (p.attempts >= MAX_ATTEMPTS) return forget(p, false);
    if (self < p.id) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (p.attempts - 1)) * (0.5 + random());
      p.retry = setTimeout(() => {
        p.retry = undefined;
        maybeConnect(p);
      }, delay);
    }
  };

  /** The peer left, misbehaved or never answered: its transport leaves the session. */
  const forget = (p: Peer, ban: boolean): void => {
    clearTimers(p);
    if (ban) p.banned = true;
    dropLink(p, false);
    p.transport.retire(ban ? 'dropped' : 'gone');
    if (p.added) host?.removeTransport(p.transport.id);
    p.added = false;
    // A banned id stays known, so its next `hi` does not bring it back.
    if (!ban) peers.delete(p.id);
    changed();
    // A slot may have come free: peers that found it full are tried now.
    if (!closed) for (const q of peers.values()) maybeConnect(q);
  };

  const gathered = (pc: RTCPeerConnection): Promise<void> =>
    new Promise((resolve) => {
      if (pc.iceGatheringState === 'complete') return resolve();
      const done = (): void => {
        clearTimeout(timer);
        pc.removeEventListener('icegatheringstatechange', check);
        pc.removeEventListener('icecandidate', onCandidate);
        resolve();
      };
      const check = (): void => {
        if (pc.iceGatheringState === 'complete') done();
      };
      const onCandidate = (e: RTCPeerConnectionIceEvent): void => {
        if (!e.candidate) done();
      };
      // Gathering can hang without ever reporting complete: send what there is after the deadline.
      const timer = setTimeout(done, gatherMs);
      pc.addEventListener('icegatheringstatechange', check);
      pc.addEventListener('icecandidate', onCandidate);
    });

  const hand = (p: Peer): void => {
    if (!host || p.added || p.state !== 'open') return;
    p.added = true;
    host.addTransport(p.transport);
  };

  /** A connection and its one data channel (negotiated id 0 on both sides: no ondatachannel race). */
  const newLink = (p: Peer, attempt: string): RTCPeerConnection | undefined => {
    if (!RTC) return undefined;
    let pc: RTCPeerConnection;
    try {
      pc = new RTC({ iceServers });
    } catch {
      return undefined;
    }
    const dc = pc.createDataChannel('dure', { negotiated: true, id: 0, ordered: true });
    const link: Link = { pc, dc, attempt };
    p.link = link;
    p.state = 'connecting';
    p.timer = setTimeout(() => {
      p.timer = undefined;
      if (p.link === link && p.state === 'connecting') dropLink(p, true);
    }, connectMs);
    dc.addEventListener('open', () => {
      if (p.link !== link || closed) return;
      p.state = 'open';
      p.attempts = 0;
      if (p.timer !== undefined) clearTimeout(p.timer);
      p.timer = undefined;
      p.transport.useChannel(dc as unknown as DataChannelLike);
      hand(p);
      changed();
    });
    pc.addEventListener('connectionstatechange', () => {
      if (p.link === link && (pc.connectionState === 'failed' || pc.connectionState === 'closed')) dropLink(p, true);
    });
    changed();
    return pc;
  };

  const maybeConnect = (p: Peer): void => {
    if (closed || p.banned || p.state !== 'known' || p.retry !== undefined) return;
    if (!(self < p.id) || linked() >= maxPeers) return;
    const attempt = newPeerId();
    const pc = newLink(p, attempt);
    if (!pc) return;
    void (async () => {
      try {
        await pc.setLocalDescription(await pc.createOffer());
        await gathered(pc);
        if (p.link?.pc !== pc || !pc.localDescription) return;
        send(p.id, { t: 'offer', sdp: pc.localDescription.sdp, n: attempt }, p.via);
      } catch {
        if (p.link?.pc === pc) dropLink(p, true);
      }
    })();
  };

  const onOffer = (p: Peer, sdp: string, n: string): void => {
    // Only the lower id offers; another offer from it means it restarted the link.
    if (!(p.id < self) || p.banned) return;
    if (p.link) dropLink(p, false);
    if (linked() >= maxPeers) return;
    const pc = newLink(p, n);
    if (!pc) return;
    void (async () => {
      try {
        await pc.setRemoteDescription({ type: 'offer', sdp });
        await pc.setLocalDescription(await pc.createAnswer());
        await gathered(pc);
        if (p.link?.pc !== pc || !pc.localDescription) return;
        send(p.id, { t: 'answer', sdp: pc.localDescription.sdp, n }, p.via);
      } catch {
        if (p.link?.pc === pc) dropLink(p, true);
      }
    })();
  };

  const onAnswer = (p: Peer, sdp: string, n: string): void => {
    const pc = p.link?.pc;
    if (!pc || p.link?.attempt !== n || pc.signalingState !== 'have-local-offer') return;
    pc.setRemoteDescription({ type: 'answer', sdp }).catch(() => {
      if (p.link?.pc === pc) dropLink(p, true);
    });
  };

  /** The session wants a connection to p and there is no channel: start a link now, or ask p to. */
  const want = (p: Peer): void => {
    if (closed || p.banned || p.state !== 'known') return;
    if (self < p.id) {
      if (p.retry !== undefined) clearTimeout(p.retry);
      p.retry = undefined;
      maybeConnect(p);
      return;
    }
    // The answering side can only ask. A peer that never offers again (its browser died without a
    // goodbye) is forgotten after as many asks as an offerer makes attempts, so it leaves the session.
    p.attempts++;
    if (p.attempts >= MAX_ATTEMPTS) return forget(p, false);
    send(p.id, { t: 'hi', re: false }, p.via);
  };

  const remember = (id: string, via: string): Peer | undefined => {
    const had = peers.get(id);
    if (had) return had;
    if (peers.size >= MAX_KNOWN) {
      const oldest = [...peers.values()]
        .filter((x) => x.state === 'known' && !x.added)
        .sort((x, y) => x.heardAt - y.heardAt)[0];
      if (!oldest) return undefined;
      forget(oldest, false);
    }
    const p: Peer = {
      id,
      via,
      counter: 0,
      state: 'known',
      added: false,
      attempts: 0,
      banned: false,
      heardAt: Date.now(),
      transport: createWebRtcTransport({
        id: `webrtc:${id}`,
        maxFrameBytes: MAX_FRAME_BYTES,
        waitMs: connectMs,
        onWant: () => want(p),
        onChannelGone: (info: TransportClose, byUs: boolean, ch: DataChannelLike) => {
          if ((p.link?.dc as unknown) !== ch) return;
          // Dropped by the session for garbage, a flood or a forgery: not tried again in this session.
          if (byUs && MISBEHAVED.has(info.code)) forget(p, true);
          else dropLink(p, true);
        },
      }),
    };
    peers.set(id, p);
    changed();
    return p;
  };

  const onSignal = (path: Path, bytes: Uint8Array): void => {
    const d = decodeFrame(bytes);
    if (!d.ok || d.value.type !== 'signal' || d.value.docId !== keys.docId) return;
    const opened = openSignal(keys, d.value, self);
    if (!opened.ok) return;
    const { from, counter: n, payload } = opened.value;
    const msg = parseMessage(payload);
    if (!msg) return;
    const known = peers.get(from);
    if (known && n <= known.counter) return;
    if (msg.t === 'bye') {
      if (known && !known.banned) forget(known, false);
      return;
    }
    const p = known ?? remember(from, path.id);
    if (!p || p.banned) return;
    p.counter = n;
    p.via = path.id;
    p.heardAt = Date.now();
    if (msg.t === 'hi') {
      if (!msg.re) send(from, { t: 'hi', re: true }, path.id);
      if (p.attempts >= MAX_ATTEMPTS - 1) p.attempts = 0;
      maybeConnect(p);
    } else if (msg.t === 'offer') onOffer(p, msg.sdp, msg.n);
    else onAnswer(p, msg.sdp, msg.n);
  };

  return {
    peerId: self,
    wrapRelay(inner: Transport): Transport {
      const path: Path = { id: inner.id, inner, subscribed: false };
      return {
        id: inner.id,
        kind: inner.kind,
        get buffered(): number {
          return inner.buffered;
        },
        connect(h: TransportHandler): void {
          paths.set(inner.id, path);
          inner.connect({
            open: () => h.open(),
            frame: (b) => {
              if (b.length > 1 && b[1] === FRAME_TYPE.signal) return onSignal(path, b);
              // The relay answers every hello with synced: the first one means it forwards our signals.
              if (!path.subscribed && b.length > 1 && b[1] === FRAME_TYPE.synced && forDoc(b)) {
                path.subscribed = true;
                h.frame(b);
                send(null, { t: 'hi', re: false });
                return;
              }
              h.frame(b);
            },
            close: (info) => {
              path.subscribed = false;
              h.close(info);
            },
          });
        },
        send: (frame: Uint8Array) => inner.send(frame),
        disconnect: (code?: number, reason?: string) => {
          (inner.disconnect as (code?: number, reason?: string) => void)(code, reason);
        },
      };
    },
    attach(h: PeerHost): void {
      host = h;
      for (const p of peers.values()) hand(p);
    },
    peers(): readonly MeshPeerInfo[] {
      return [...peers.values()]
        .filter((p) => !p.banned)
        .map((p) => ({ peerId: p.id, state: p.state, transportId: p.transport.id }));
    },
    onChange(cb: () => void): () => void {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    close(): void {
      if (closed) return;
      send(null, { t: 'bye' });
      closed = true;
      for (const p of [...peers.values()]) forget(p, false);
      peers.clear();
      listeners.clear();
    },
  };
}
