/**
 * The WebRTC transport and mesh in real Chromium: two RTCPeerConnections in one page, no STUN
 * (`iceServers: []`). This works on a machine with a non-loopback interface and a default route
 * (TOOLCHAIN.md §5); a network namespace with only `lo` gathers no candidates at all.
 */
import { describe, expect, it } from 'vitest';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '../../src/crypto/capability';
import { decodeFrame, encodeFrame, FRAME_TYPE, MAX_FRAME_BYTES } from '../../src/protocol/index';
import { createMesh, type Mesh, type PeerHost } from '../../src/sync/mesh';
import type { Transport, TransportClose, TransportHandler } from '../../src/sync/types';
import {
  CHUNK_BYTES,
  WEBRTC_CLOSE,
  createWebRtcTransport,
  type DataChannelLike,
  type WebRtcTransport,
} from '../../src/sync/webrtc-transport';
import { runTransportContract, serveEcho, type TransportFixture } from './transport-contract';

/** Guards against a hang only. */
const WAIT_MS = 15_000;

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

/** Two connected peer connections in this page, each with the negotiated channel id 0. */
function channelPair(): { a: RTCDataChannel; b: RTCDataChannel; close(): void } {
  const pa = new RTCPeerConnection({ iceServers: [] });
  const pb = new RTCPeerConnection({ iceServers: [] });
  pa.onicecandidate = (e) => void (e.candidate && pb.addIceCandidate(e.candidate));
  pb.onicecandidate = (e) => void (e.candidate && pa.addIceCandidate(e.candidate));
  const a = pa.createDataChannel('dure', { negotiated: true, id: 0 });
  const b = pb.createDataChannel('dure', { negotiated: true, id: 0 });
  void (async () => {
    await pa.setLocalDescription(await pa.createOffer());
    await pb.setRemoteDescription(pa.localDescription!);
    await pb.setLocalDescription(await pb.createAnswer());
    await pa.setRemoteDescription(pb.localDescription!);
  })();
  return {
    a,
    b,
    close() {
      pa.close();
      pb.close();
    },
  };
}

const opened = (ch: RTCDataChannel): Promise<void> =>
  ch.readyState === 'open'
    ? Promise.resolve()
    : within(new Promise((r) => ch.addEventListener('open', () => r())), 'open');

/**
 * A peer transport whose far end is another WebRTC transport answering every frame (serveEcho); each
 * connect() that finds no channel gets a fresh pair of connections, as the mesh would make.
 */
function echoFixture(): TransportFixture {
  const pairs: ReturnType<typeof channelPair>[] = [];
  const far = createWebRtcTransport({ id: 'webrtc:near', maxFrameBytes: MAX_FRAME_BYTES });
  const stop = serveEcho(far);
  const make = (): WebRtcTransport => {
    const near: WebRtcTransport = createWebRtcTransport({
      id: 'webrtc:far',
      maxFrameBytes: MAX_FRAME_BYTES,
      onWant: () => {
        const pair = channelPair();
        pairs.push(pair);
        far.useChannel(pair.b as unknown as DataChannelLike);
        near.useChannel(pair.a as unknown as DataChannelLike);
      },
    });
    return near;
  };
  return {
    make,
    makeUnreachable: () => createWebRtcTransport({ id: 'webrtc:nobody', maxFrameBytes: MAX_FRAME_BYTES, waitMs: 200 }),
    probe: { request: Uint8Array.of(1, 2, 3, 4), isAnswer: (f) => f.length === 5 && f[0] === 0xee && f[4] === 4 },
    cleanup() {
      stop();
      for (const p of pairs.splice(0)) p.close();
    },
  };
}

runTransportContract('WebRTC data channel (Chromium, two connections in one page)', echoFixture, { echoes: true });

interface Side {
  readonly frames: Uint8Array[];
  readonly closes: TransportClose[];
  readonly open: Promise<void>;
  readonly closed: Promise<TransportClose>;
  next(n: number): Promise<Uint8Array>;
}

function attach(t: Transport): Side {
  const frames: Uint8Array[] = [];
  const closes: TransportClose[] = [];
  let onOpen!: () => void;
  let onClose!: (c: TransportClose) => void;
  const waiters: { n: number; resolve: (f: Uint8Array) => void }[] = [];
  const handler: TransportHandler = {
    open: () => onOpen(),
    frame: (b) => {
      frames.push(b);
      for (const w of waiters.splice(0)) {
        if (frames.length >= w.n) w.resolve(frames[w.n - 1]!);
        else waiters.push(w);
      }
    },
    close: (c) => {
      closes.push(c);
      onClose(c);
    },
  };
  const open = new Promise<void>((r) => (onOpen = r));
  const closed = new Promise<TransportClose>((r) => (onClose = r));
  t.connect(handler);
  return {
    frames,
    closes,
    // Lazy: a deadline starts only for what a test waits for.
    get open() {
      return within(open, 'open');
    },
    get closed() {
      return within(closed, 'close');
    },
    next: (n) =>
      frames.length >= n
        ? Promise.resolve(frames[n - 1]!)
        : within(new Promise((resolve) => waiters.push({ n, resolve })), `frame ${n}`),
  };
}

/** Two transports joined by one channel pair. */
async function joined() {
  const pair = channelPair();
  const ta = createWebRtcTransport({ id: 'webrtc:b', maxFrameBytes: MAX_FRAME_BYTES });
  const tb = createWebRtcTransport({ id: 'webrtc:a', maxFrameBytes: MAX_FRAME_BYTES });
  ta.useChannel(pair.a as unknown as DataChannelLike);
  tb.useChannel(pair.b as unknown as DataChannelLike);
  const a = attach(ta);
  const b = attach(tb);
  await a.open;
  await b.open;
  return { pair, ta, tb, a, b };
}

describe('WebRTC transport framing', () => {
  it('carries frames far larger than one data channel message, whole and in order', async () => {
    const { ta, tb, a, b, pair } = await joined();
    const big = new Uint8Array(3 * 1024 * 1024 + 5);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    const small = Uint8Array.of(42);
    expect(ta.send(big)).toBe(true);
    expect(ta.send(small)).toBe(true);
    // Most of 3 MiB cannot have left yet: the queue shows in `buffered` for the session's backpressure.
    expect(ta.buffered).toBeGreaterThan(CHUNK_BYTES);
    // Compared by hand: a deep equality over 3 MiB takes longer than the transfer.
    const got = await b.next(1);
    expect(got.length).toBe(big.length);
    expect(got.findIndex((v, i) => v !== big[i])).toBe(-1);
    expect(await b.next(2)).toEqual(small);
    expect(tb.send(Uint8Array.of(7))).toBe(true);
    expect(await a.next(1)).toEqual(Uint8Array.of(7));
    pair.close();
  });

  it('passes a close code to the other side, and each side reports one close', async () => {
    const { ta, a, b, pair } = await joined();
    ta.disconnect(4101, 'flood');
    expect(await a.closed).toMatchObject({ code: 4101 });
    expect(await b.closed).toMatchObject({ code: 4101, reason: 'flood' });
    await new Promise((r) => setTimeout(r, 50));
    expect(a.closes).toHaveLength(1);
    expect(b.closes).toHaveLength(1);
    pair.close();
  });

  it('closes a link whose other side breaks the framing (text, unknown chunk kind)', async () => {
    for (const junk of ['text, not bytes', Uint8Array.of(9, 1, 2)]) {
      const pair = channelPair();
      const t = createWebRtcTransport({ id: 'webrtc:junk', maxFrameBytes: MAX_FRAME_BYTES });
      t.useChannel(pair.a as unknown as DataChannelLike);
      const side = attach(t);
      await side.open;
      await opened(pair.b);
      pair.b.send(junk as string);
      expect(await side.closed).toMatchObject({ code: WEBRTC_CLOSE.framing });
      expect(side.frames).toEqual([]);
      pair.close();
    }
  });

  it('closes a link that announces a frame over the limit, before holding it', async () => {
    const pair = channelPair();
    const t = createWebRtcTransport({ id: 'webrtc:big', maxFrameBytes: 40_000 });
    t.useChannel(pair.a as unknown as DataChannelLike);
    const side = attach(t);
    await side.open;
    await opened(pair.b);
    const more = new Uint8Array(CHUNK_BYTES);
    more[0] = 1;
    for (let i = 0; i < 4; i++) pair.b.send(more);
    expect(await side.closed).toMatchObject({ code: WEBRTC_CLOSE.framing });
    expect(side.frames).toEqual([]);
    pair.close();
  });

  it('reports a channel that dies or overflows before the session connects, so the mesh can relink', async () => {
    for (const mode of ['close', 'overflow'] as const) {
      const pair = channelPair();
      const gone: TransportClose[] = [];
      const t = createWebRtcTransport({
        id: 'webrtc:early',
        maxFrameBytes: MAX_FRAME_BYTES,
        onChannelGone: (info) => gone.push(info),
      });
      t.useChannel(pair.a as unknown as DataChannelLike);
      await opened(pair.b);
      if (mode === 'close') pair.b.close();
      else for (let i = 0; i < 65; i++) pair.b.send(Uint8Array.of(0, i));
      await expect.poll(() => gone.length, { timeout: WAIT_MS }).toBe(1);
      expect(gone[0]).toMatchObject({ code: WEBRTC_CLOSE.lost });
      // The session's next connect finds no channel and waits for the next one.
      const side = attach(t);
      t.disconnect();
      expect(await side.closed).toMatchObject({ code: 1000 });
      expect(side.frames).toEqual([]);
      pair.close();
    }
  });

  it('a retired peer ends its connection and refuses the next', async () => {
    const { ta, a, pair } = await joined();
    ta.retire('gone');
    expect(await a.closed).toMatchObject({ code: WEBRTC_CLOSE.retired });
    const again = attach(ta);
    expect(await again.closed).toMatchObject({ code: WEBRTC_CLOSE.retired, fatal: true });
    pair.close();
  });
});

// ---- the mesh ------------------------------------------------------------------------------------------

/** One relay in memory: forwards signal frames between subscribed connections as the real one does. */
class MemoryRelay {
  readonly conns = new Set<{ handler: TransportHandler; peerId?: string }>();
  up = true;
  transport(docId: string): Transport & { vanish(): void } {
    return memoryRelayTransport(this, docId);
  }
  /** The relay process dies: every connection closes. */
  kill(): void {
    this.up = false;
    for (const c of [...this.conns]) {
      this.conns.delete(c);
      c.handler.close({ code: 1006, reason: 'relay gone' });
    }
  }
}

function memoryRelayTransport(relay: MemoryRelay, docId: string): Transport & { vanish(): void } {
  let me: { handler: TransportHandler; peerId?: string } | undefined;
  return {
    id: 'ws://relay.test/sync',
    kind: 'relay',
    buffered: 0,
    connect(handler) {
      if (!relay.up) return void queueMicrotask(() => handler.close({ code: 1006, reason: 'down' }));
      me = { handler };
      relay.conns.add(me);
      queueMicrotask(() => {
        handler.open();
        handler.frame(encodeFrame({ type: 'synced', docId, relaySeq: 0 }));
      });
    },
    send(frame) {
      if (!me || !relay.up || !relay.conns.has(me)) return false;
      if (frame[1] !== FRAME_TYPE.signal) return true;
      const d = decodeFrame(frame);
      if (!d.ok || d.value.type !== 'signal') return true;
      const f = d.value;
      me.peerId ??= f.from;
      for (const c of relay.conns) {
        if (c !== me && (f.to === null || c.peerId === f.to)) c.handler.frame(frame);
      }
      return true;
    },
    /** This connection is gone without a word (its browser was killed): nothing in or out any more. */
    vanish() {
      if (me) relay.conns.delete(me);
    },
    disconnect() {
      if (!me) return;
      relay.conns.delete(me);
      const h = me.handler;
      me = undefined;
      h.close({ code: 1000, reason: 'disconnect' });
    },
  };
}

class Host implements PeerHost {
  readonly transports: Transport[] = [];
  readonly sides = new Map<string, Side>();
  private onAdd: (() => void) | undefined;
  addTransport(t: Transport): void {
    this.transports.push(t);
    this.sides.set(t.id, attach(t));
    this.onAdd?.();
  }
  removeTransport(id: string): void {
    const i = this.transports.findIndex((t) => t.id === id);
    if (i >= 0) this.transports.splice(i, 1);
  }
  added(): Promise<Side> {
    const first = this.transports[0];
    if (first) return Promise.resolve(this.sides.get(first.id)!);
    return within(
      new Promise<Side>((r) => (this.onAdd = () => r(this.sides.get(this.transports[0]!.id)!))),
      'a peer transport',
    );
  }
}

function session<H extends PeerHost = Host>(relay: MemoryRelay, mesh: Mesh, docId: string, given?: H) {
  const host = given ?? (new Host() as unknown as H);
  const inner = relay.transport(docId);
  const relayLink = mesh.wrapRelay(inner);
  const relayFrames: Uint8Array[] = [];
  relayLink.connect({ open: () => {}, frame: (b) => relayFrames.push(b), close: () => {} });
  mesh.attach(host);
  return { host, relayFrames, vanish: () => inner.vanish() };
}

/** Like the session: a peer transport that closes is connected again, until it is removed. */
class ReconnectingHost implements PeerHost {
  readonly transports: Transport[] = [];
  addTransport(t: Transport): void {
    this.transports.push(t);
    const go = (): void => {
      if (!this.transports.includes(t)) return;
      t.connect({ open: () => {}, frame: () => {}, close: () => void setTimeout(go, 20) });
    };
    go();
  }
  removeTransport(id: string): void {
    const i = this.transports.findIndex((t) => t.id === id);
    if (i >= 0) this.transports.splice(i, 1)[0]!.disconnect();
  }
}

describe('WebRTC mesh (two sessions in one page, signaling through a relay)', () => {
  it('finds the other session, links directly, keeps the link when the relay dies, and hides signals from the session', async () => {
    const cap = newEditCapability();
    const edit = deriveDocKeys(cap);
    const view = deriveDocKeys(viewCapabilityOf(cap));
    const relay = new MemoryRelay();
    const ma = createMesh({ keys: edit });
    const mb = createMesh({ keys: view });
    const a = session(relay, ma, edit.docId);
    const b = session(relay, mb, view.docId);
    const sa = await a.host.added();
    const sb = await b.host.added();
    await sa.open;
    await sb.open;
    expect(a.host.transports.map((t) => t.id)).toEqual([`webrtc:${mb.peerId}`]);
    expect(b.host.transports.map((t) => t.id)).toEqual([`webrtc:${ma.peerId}`]);
    expect(ma.peers()).toEqual([{ peerId: mb.peerId, state: 'open', transportId: `webrtc:${mb.peerId}` }]);
    // The session saw the relay's synced, never a signal frame.
    expect(a.relayFrames.map((f) => f[1])).toEqual([FRAME_TYPE.synced]);
    expect(b.relayFrames.map((f) => f[1])).toEqual([FRAME_TYPE.synced]);

    relay.kill();
    a.host.transports[0]!.send(Uint8Array.of(5, 6));
    b.host.transports[0]!.send(Uint8Array.of(7));
    expect(await sb.next(1)).toEqual(Uint8Array.of(5, 6));
    expect(await sa.next(1)).toEqual(Uint8Array.of(7));
    ma.close();
    mb.close();
  });

  it('a session dropped for garbage is not linked again; a goodbye removes the peer', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const relay = new MemoryRelay();
    const ma = createMesh({ keys });
    const mb = createMesh({ keys });
    const a = session(relay, ma, keys.docId);
    const b = session(relay, mb, keys.docId);
    const sa = await a.host.added();
    await sa.open;
    // The session drops the peer (PEER_CLOSE malformed): it leaves the session and stays out.
    a.host.transports[0]!.disconnect(4100, 'malformed');
    await sa.closed;
    expect(a.host.transports).toEqual([]);
    expect(ma.peers()).toEqual([]);
    mb.close();
    expect(b.host.transports).toEqual([]);
    ma.close();
  });

  it('a peer that vanishes without a goodbye leaves the session of the side that can only ask', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const relay = new MemoryRelay();
    const m1 = createMesh({ keys, connectTimeoutMs: 300 });
    const m2 = createMesh({ keys, connectTimeoutMs: 300 });
    // The lower id offers; the other side (the survivor here) can only ask it to.
    const [low, high] = m1.peerId < m2.peerId ? [m1, m2] : [m2, m1];
    const gone = session(relay, low, keys.docId, new ReconnectingHost());
    const survivor = session(relay, high, keys.docId, new ReconnectingHost());
    await expect.poll(() => high.peers().map((p) => p.state), { timeout: WAIT_MS }).toEqual(['open']);
    expect(survivor.host.transports).toHaveLength(1);
    // The offering browser dies: its relay connection vanishes, its link closes without a goodbye.
    gone.vanish();
    (gone.host.transports[0] as Transport).disconnect(1006, 'killed');
    await expect.poll(() => survivor.host.transports.length, { timeout: WAIT_MS }).toBe(0);
    expect(high.peers()).toEqual([]);
    high.close();
    low.close();
  });

  it('links at most maxPeers sessions directly; the rest stay on the relay', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const relay = new MemoryRelay();
    const hub = createMesh({ keys, maxPeers: 1 });
    const others = [createMesh({ keys }), createMesh({ keys })];
    const h = session(relay, hub, keys.docId);
    for (const m of others) session(relay, m, keys.docId);
    await (
      await h.host.added()
    ).open;
    // Give the second peer every chance to link too (its offer or answer is refused by the bound).
    await new Promise((r) => setTimeout(r, 1500));
    expect(h.host.transports).toHaveLength(1);
    expect(hub.peers().filter((p) => p.state !== 'known')).toHaveLength(1);
    hub.close();
    for (const m of others) m.close();
  });
});
