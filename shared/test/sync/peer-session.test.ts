/**
 * Sessions as peers over the memory transport (no relay): the peer hello, what each side sends the other,
 * live forwarding, the fresh snapshot for what a log no longer has, and peers that misbehave (forged
 * envelopes, garbage, floods, silence) dropped while the rest goes on. Real keys, real envelopes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../../src/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '../../src/crypto/capability';
import type { DocKeys } from '../../src/local/api';
import {
  PEER_CLOSE,
  decodePeerFrame,
  encodePeerFrame,
  newId,
  sealUpdate,
  type PeerFrame,
} from '../../src/protocol/index';
import { MemoryStorage } from '../../src/storage/memory';
import { createBroadcastChannelPeers } from '../../src/sync/broadcast-transport';
import { createMemoryTransportPair, type MemoryLink } from '../../src/sync/memory-transport';
import { startSession, type SessionOptions } from '../../src/sync/session';
import type { Transport, TransportClose } from '../../src/sync/types';
import { ScriptedRelay } from './scripted-relay';

type Session = Awaited<ReturnType<typeof startSession>>;

interface Peer {
  readonly ydoc: Y.Doc;
  readonly storage: MemoryStorage;
  readonly docKey: Uint8Array;
  session: Session;
}

const open: Session[] = [];
afterEach(async () => {
  for (const s of open.splice(0)) await s.close().catch(() => {});
});

function keysFor(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

async function startPeer(
  keys: DocKeys,
  transports: Transport[],
  opts: Partial<SessionOptions> & { ydoc?: Y.Doc; storage?: MemoryStorage; docKey?: Uint8Array } = {},
): Promise<Peer> {
  const ydoc = opts.ydoc ?? new Y.Doc();
  const storage = opts.storage ?? new MemoryStorage();
  const docKey = opts.docKey ?? randomBytes(32);
  const session = await startSession({
    keys,
    transports,
    batchMs: 0,
    offlineBatchMs: 0,
    saveDelayMs: 0,
    ...opts,
    ydoc,
    storage,
    docKey,
  });
  open.push(session);
  return { ydoc, storage, docKey, session };
}

/** Guards against a hang only. */
async function until(pred: () => boolean, what: string, ms = 15_000): Promise<void> {
  const stop = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const text = (d: Y.Doc): string => d.getText('t').toString();
const type = (d: Y.Doc, s: string): void => d.getText('t').insert(d.getText('t').length, s);

/** The far end of a memory link driven by the test: it sees decoded frames and sends raw bytes. */
function rawPeer(t: Transport) {
  const frames: PeerFrame[] = [];
  const closes: TransportClose[] = [];
  let opened = false;
  t.connect({
    open: () => void (opened = true),
    frame: (b) => {
      const f = decodePeerFrame(b);
      if (f.ok) frames.push(f.value);
    },
    close: (info) => void closes.push(info),
  });
  return {
    frames,
    closes,
    get opened() {
      return opened;
    },
    send: (b: Uint8Array) => t.send(b),
  };
}

function link(ids: [string, string] = ['peer:B', 'peer:A']): MemoryLink {
  return createMemoryTransportPair({ ids });
}

// Hang guards only (a loaded CI machine is slow); nothing asserts on time.
describe('sessions as peers (memory transport, no relay)', { timeout: 30_000 }, () => {
  it('two edit sessions converge both ways; the state stays local and the peer is listed as a synced peer', async () => {
    const { edit } = keysFor();
    const l = link();
    const a = await startPeer(edit, [l.a]);
    const b = await startPeer(edit, [l.b]);
    type(a.ydoc, '안녕 ');
    type(b.ydoc, 'hello ');
    await until(() => text(a.ydoc) === text(b.ydoc) && text(a.ydoc).length === 9, 'convergence');
    expect(text(a.ydoc)).toContain('안녕');
    expect(text(a.ydoc)).toContain('hello');
    await until(() => a.session.status.transports[0]?.state === 'synced', 'peer synced');
    expect(a.session.status.state).toBe('local');
    expect(a.session.status.transports).toEqual([{ id: 'peer:B', kind: 'peer', state: 'synced' }]);
    // no relay configured: nothing waits for an acknowledgement
    expect(a.session.status.pending).toBe(0);
    // live: later edits flow too
    type(b.ydoc, '두레');
    await until(() => text(a.ydoc).endsWith('두레'), 'live edit');
  });

  it('two "tabs" find each other over BroadcastChannel (one transport per remote tab) and converge; bye removes the peer', async () => {
    const { edit } = keysFor();
    const a = await startPeer(edit, []);
    const b = await startPeer(edit, []);
    const hub = (p: Peer) =>
      createBroadcastChannelPeers({
        docId: edit.docId,
        onTransport: (t) => p.session.addTransport(t),
        onGone: (id) => p.session.removeTransport(id),
      });
    const ha = hub(a);
    const hb = hub(b);
    try {
      type(a.ydoc, '탭 하나 ');
      type(b.ydoc, 'tab two ');
      await until(() => text(a.ydoc) === text(b.ydoc) && text(a.ydoc).length === 13, 'tabs converge');
      expect(a.session.status.transports).toEqual([{ id: `bc:${hb.self}`, kind: 'peer', state: 'synced' }]);
      hb.close();
      await until(() => a.session.status.transports.length === 0, 'A forgets the closed tab');
    } finally {
      ha.close();
      hb.close();
    }
  });

  it('with a relay configured but unreachable, a synced peer does not make the state synced: edits stay pending', async () => {
    const { edit } = keysFor();
    const l = link();
    const deadRelay = createMemoryTransportPair({ kind: 'relay', ids: ['wss://down.example/sync', 'unused'] });
    deadRelay.cut();
    const a = await startPeer(edit, [deadRelay.a, l.a]);
    const b = await startPeer(edit, [l.b]);
    type(a.ydoc, 'typed while the relay is down');
    await until(() => text(b.ydoc) === 'typed while the relay is down', 'the peer has it');
    await a.session.flush();
    const s = a.session.status;
    expect(s.state === 'offline' || s.state === 'connecting').toBe(true);
    expect(s.pending).toBeGreaterThan(0);
    expect(s.transports.find((t) => t.kind === 'peer')?.state).toBe('synced');
    expect(s.transports.find((t) => t.kind === 'relay')?.state).not.toBe('synced');
  });

  it('a partition heals: edits made on both sides meanwhile meet', async () => {
    const { edit } = keysFor();
    const l = link();
    const a = await startPeer(edit, [l.a]);
    const b = await startPeer(edit, [l.b]);
    type(a.ydoc, 'one ');
    await until(() => text(b.ydoc) === 'one ', 'first edit');
    l.cut();
    type(a.ydoc, 'A-side ');
    type(b.ydoc, 'B-side ');
    await new Promise((r) => setTimeout(r, 30));
    expect(text(a.ydoc)).not.toContain('B-side');
    l.heal();
    a.session.retryNow();
    b.session.retryNow();
    await until(() => text(a.ydoc) === text(b.ydoc) && text(a.ydoc).includes('B-side'), 'healed');
    expect(text(b.ydoc)).toContain('A-side');
  });

  it('a relayed chain: C learns A edits through B (live forwarding), and A learns C edits', async () => {
    const { edit } = keysFor();
    const ab = link(['peer:B', 'peer:A']);
    const bc = link(['peer:C', 'peer:B']);
    const a = await startPeer(edit, [ab.a]);
    await startPeer(edit, [ab.b, bc.a]);
    const c = await startPeer(edit, [bc.b]);
    type(a.ydoc, 'from A ');
    type(c.ydoc, 'from C ');
    await until(() => text(a.ydoc) === text(c.ydoc) && text(a.ydoc).length === 14, 'A and C through B');
  });

  it('a peer that restarted (its log is gone) still gives a newcomer everything: a fresh snapshot', async () => {
    const { edit } = keysFor();
    const ab = link(['peer:B', 'peer:A']);
    const a = await startPeer(edit, [ab.a]);
    const b = await startPeer(edit, [ab.b]);
    type(b.ydoc, 'written by B ');
    await until(() => text(a.ydoc) === 'written by B ', 'A has B edit');
    await b.session.close();
    // A restarts on the same storage and Y.Doc (as the app reopens from LocalDoc): its log of B's envelopes is gone
    await a.session.close();
    const ac = link(['peer:C', 'peer:A']);
    const a2 = await startPeer(edit, [ac.a], { ydoc: a.ydoc, storage: a.storage, docKey: a.docKey });
    const c = await startPeer(edit, [ac.b]);
    await until(() => text(c.ydoc) === 'written by B ', 'C has B edit through A');
    // and C counts B's seqs as consumed: B's own envelopes arriving later are no-ops, and A and C stay equal
    type(c.ydoc, 'C ');
    await until(() => text(a2.ydoc) === 'written by B C ', 'A has C edit');
  });

  it('a peer repeating an empty hello gets at most one fresh snapshot (no snapshot loop on demand)', async () => {
    const { edit } = keysFor();
    const ab = link(['peer:B', 'peer:A']);
    const a = await startPeer(edit, [ab.a]);
    const b = await startPeer(edit, [ab.b]);
    type(b.ydoc, 'B wrote this ');
    await until(() => text(a.ydoc) === 'B wrote this ', 'A has B edit');
    await b.session.close();
    await a.session.close();
    const h = link(['peer:asker', 'peer:A']);
    await startPeer(edit, [h.a], { ydoc: a.ydoc, storage: a.storage, docKey: a.docKey });
    const raw = rawPeer(h.b);
    await until(() => raw.frames.some((f) => f.type === 'peer-hello'), 'A says hello');
    const empty = encodePeerFrame({
      type: 'peer-hello',
      docId: edit.docId,
      edit: false,
      reply: true,
      has: [],
      heads: [],
    });
    for (let i = 0; i < 30; i++) {
      raw.send(empty);
      await new Promise((r) => setTimeout(r, 2));
    }
    await until(() => raw.frames.filter((f) => f.type === 'peer-hello').length >= 31, 'A answers every hello');
    expect(raw.frames.filter((f) => f.type === 'snapshot')).toHaveLength(1);
    expect(raw.closes).toEqual([]);
  });

  it('a session started with no transport gets one later (addTransport) and syncs; removeTransport forgets it', async () => {
    const { edit } = keysFor();
    const l = link();
    const a = await startPeer(edit, []);
    type(a.ydoc, 'before any peer ');
    expect(a.session.status.transports).toEqual([]);
    const b = await startPeer(edit, [l.b]);
    a.session.addTransport(l.a);
    expect(() => a.session.addTransport(l.a)).toThrow();
    await until(() => text(b.ydoc) === 'before any peer ', 'B has what A typed before the peer came');
    a.session.removeTransport('peer:B');
    expect(a.session.status.transports).toEqual([]);
    type(a.ydoc, 'after ');
    await new Promise((r) => setTimeout(r, 30));
    expect(text(b.ydoc)).toBe('before any peer ');
  });

  it("removeTransport drops a relay's saved position: added again, it is read from the start", async () => {
    const { view } = keysFor();
    const id = 'wss://one.example/sync';
    const r1 = new ScriptedRelay(id);
    const p = await startPeer(view, [r1]);
    await until(() => r1.open, 'relay open');
    r1.deliver({ type: 'synced', docId: view.docId, relaySeq: 42 });
    await until(() => p.session.status.state === 'synced', 'synced');
    expect(p.session.status.transports).toEqual([{ id, kind: 'relay', state: 'synced', pending: 0 }]);
    await p.session.close();
    // restarted: the saved position is used
    const r2 = new ScriptedRelay(id);
    const p2 = await startPeer(view, [r2], { ydoc: p.ydoc, storage: p.storage, docKey: p.docKey });
    await until(() => r2.sent.some((f) => f.type === 'hello'), 'hello after restart');
    expect(r2.sent.find((f) => f.type === 'hello')).toMatchObject({ sinceRelaySeq: 42 });
    // removed and added again: from the start
    p2.session.removeTransport(id);
    expect(p2.session.status.state).toBe('local');
    const r3 = new ScriptedRelay(id);
    p2.session.addTransport(r3);
    await until(() => r3.sent.some((f) => f.type === 'hello'), 'hello to the re-added relay');
    expect(r3.sent.find((f) => f.type === 'hello')).toMatchObject({ sinceRelaySeq: 0, knownSnapId: null });
  });

  it('a view peer reads but cannot write: its typing is never sealed, and its forged update is rejected and it is dropped', async () => {
    const { edit, view } = keysFor();
    const l = link(['peer:viewer', 'peer:editor']);
    const e = await startPeer(edit, [l.a]);
    const v = await startPeer(view, [l.b]);
    type(e.ydoc, 'editor text ');
    await until(() => text(v.ydoc) === 'editor text ', 'viewer reads');
    type(v.ydoc, 'viewer typed ');
    await new Promise((r) => setTimeout(r, 50));
    expect(text(e.ydoc)).toBe('editor text ');

    // A modified viewer: valid encryption (it has the read secret), signed with a key that is not the link's.
    const forger: DocKeys = {
      docId: view.docId,
      kind: 'edit',
      readSecret: view.readSecret,
      writePub: view.writePub,
      writeSeed: randomBytes(32),
      contentKey: (n) => view.contentKey(n),
      presenceKey: (n) => view.presenceKey(n),
      blobKey: (b) => view.blobKey(b),
    };
    const forged = new Y.Doc();
    forged.getText('t').insert(0, 'FORGED ');
    const env = sealUpdate(forger, { epoch: 0, deviceId: newId(), seq: 1 }, Y.encodeStateAsUpdateV2(forged));
    const h = createMemoryTransportPair({ ids: ['peer:forger', 'peer:editor'] });
    e.session.addTransport(h.a);
    const raw = rawPeer(h.b);
    await until(() => raw.frames.some((f) => f.type === 'peer-hello'), 'editor hello');
    raw.send(encodePeerFrame({ type: 'peer-hello', docId: edit.docId, edit: true, reply: false, has: [], heads: [] }));
    raw.send(encodePeerFrame({ type: 'update', docId: edit.docId, relaySeq: 0, envelope: env }));
    await until(() => raw.closes.length > 0, 'forger dropped');
    expect(raw.closes[0]!.code).toBe(PEER_CLOSE.forged);
    expect(text(e.ydoc)).toBe('editor text ');
    const kinds = e.session.status.problems.map((p) => [p.kind, p.transportId, p.detail]);
    expect(kinds).toContainEqual(['peer-dropped', 'peer:forger', 'forged']);
    // the honest viewer is still connected and still reads
    type(e.ydoc, 'more ');
    await until(() => text(v.ydoc).includes('more '), 'viewer still reads');
    expect(e.session.status.transports.find((t) => t.id === 'peer:forger')?.state).toBe('error');
  });

  it('garbage from a peer drops that peer (malformed), not the session', async () => {
    const { edit } = keysFor();
    const good = link(['peer:good', 'peer:me']);
    const bad = link(['peer:bad', 'peer:me']);
    const me = await startPeer(edit, [good.a, bad.a]);
    const other = await startPeer(edit, [good.b]);
    const raw = rawPeer(bad.b);
    await until(() => raw.opened, 'bad peer open');
    raw.send(Uint8Array.of(1, 0x20, 0, 0, 0));
    await until(() => raw.closes.length > 0, 'bad peer dropped');
    expect(raw.closes[0]!.code).toBe(PEER_CLOSE.malformed);
    type(other.ydoc, 'still syncing');
    await until(() => text(me.ydoc) === 'still syncing', 'the good peer goes on');
  });

  it('a relay-only frame from a peer (an ack) is malformed there', async () => {
    const f = decodePeerFrame(
      // ack: version, type 0x06, docId, deviceId, seq, relaySeq
      Uint8Array.of(1, 6, ...randomBytes(16), ...randomBytes(16), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1),
    );
    expect(f.ok ? f.value.type : f.error).toBe('malformed');
  });

  it('a flooding peer is dropped (flood) while the others go on', async () => {
    const { edit } = keysFor();
    const good = link(['peer:good', 'peer:me']);
    const bad = link(['peer:flood', 'peer:me']);
    const me = await startPeer(edit, [good.a, bad.a]);
    const other = await startPeer(edit, [good.b]);
    const raw = rawPeer(bad.b);
    await until(() => raw.opened, 'flooder open');
    const hello = encodePeerFrame({
      type: 'peer-hello',
      docId: edit.docId,
      edit: true,
      reply: false,
      has: [],
      heads: [],
    });
    for (let i = 0; i < 2000 && raw.closes.length === 0; i++) raw.send(hello);
    await until(() => raw.closes.length > 0, 'flooder dropped');
    expect(raw.closes[0]!.code).toBe(PEER_CLOSE.flood);
    expect(me.session.status.problems.map((p) => p.detail)).toContain('flood');
    type(other.ydoc, 'unaffected');
    await until(() => text(me.ydoc) === 'unaffected', 'the good peer goes on');
  });

  it('a peer that says nothing is dropped (silent) after the liveness deadline', async () => {
    const { edit } = keysFor();
    const l = link(['peer:mute', 'peer:me']);
    const me = await startPeer(edit, [l.a], { probeIdleMs: 100, probeTimeoutMs: 100 });
    const raw = rawPeer(l.b);
    await until(() => raw.closes.length > 0, 'mute peer dropped');
    expect(raw.closes[0]!.code).toBe(PEER_CLOSE.silent);
    expect(me.session.status.problems.map((p) => [p.kind, p.detail])).toContainEqual(['peer-dropped', 'silent']);
  });
});
