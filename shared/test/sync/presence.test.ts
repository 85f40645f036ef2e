import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Awareness, removeAwarenessStates } from 'y-protocols/awareness';
import * as Y from 'yjs';
import type { DocKeys } from '../../src/local/api';
import { newId, sealPresence } from '../../src/protocol/index';
import { PRESENCE_LIMITS, PresenceChannel, colorForClient, type PresenceError } from '../../src/sync/presence';
import { newDoc } from '../protocol-helpers';

const cleanups: (() => void)[] = [];
afterEach(() => {
  while (cleanups.length) cleanups.pop()!();
  vi.useRealTimers();
});

interface Peer {
  doc: Y.Doc;
  awareness: Awareness;
  channel: PresenceChannel;
  /** envelopes this peer sent, oldest first */
  sent: Uint8Array[];
}

function peer(keys: DocKeys, opts: { now?: () => number; minIntervalMs?: number; epoch?: number } = {}): Peer {
  const doc = new Y.Doc();
  doc.getXmlFragment('default');
  const awareness = new Awareness(doc);
  const sent: Uint8Array[] = [];
  const channel = new PresenceChannel({ keys, awareness, minIntervalMs: 0, ...opts, send: (b) => sent.push(b) });
  cleanups.push(() => {
    channel.destroy();
    awareness.destroy();
    doc.destroy();
  });
  return { doc, awareness, channel, sent };
}

/** Delivers everything `from` sent since the last call; returns each receive result. */
function deliver(from: Peer, to: Peer): (true | PresenceError)[] {
  const out = from.sent.splice(0).map((b) => to.channel.receive(b));
  return out.map((r) => (r.ok ? true : r.error));
}

/** What an attacker holding the read secret can send: any awareness entries, sealed properly. */
class Forger {
  readonly sessionId = newId();
  private counter = 0;
  constructor(
    private readonly keys: DocKeys,
    private readonly epoch = 0,
  ) {}
  seal(payload: Uint8Array): Uint8Array {
    return sealPresence(this.keys, { epoch: this.epoch, sessionId: this.sessionId, counter: ++this.counter }, payload)
      .bytes;
  }
  entries(list: readonly { id: number; clock: number; state: unknown }[]): Uint8Array {
    const e = encoding.createEncoder();
    encoding.writeVarUint(e, list.length);
    for (const x of list) {
      encoding.writeVarUint(e, x.id);
      encoding.writeVarUint(e, x.clock);
      encoding.writeVarString(e, JSON.stringify(x.state));
    }
    return this.seal(encoding.toUint8Array(e));
  }
}

const err = (r: { ok: boolean; error?: string }): string | true => (r.ok ? true : r.error!);

describe('PresenceChannel', () => {
  it('carries a name, colour and cursor from one peer to another, and the removal when it is destroyed', () => {
    const d = newDoc();
    const a = peer(d.edit);
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: '김민수', color: '#12ab34' });
    const cursor = {
      anchor: { type: { client: 5, clock: 2 }, assoc: 0 },
      head: { item: { client: 5, clock: 7 }, assoc: -1 },
    };
    a.awareness.setLocalStateField('cursor', cursor);
    expect(deliver(a, b)).toEqual([true, true]);
    expect(b.awareness.getStates().get(a.doc.clientID)).toEqual({ user: { name: '김민수', color: '#12ab34' }, cursor });

    a.channel.destroy();
    expect(deliver(a, b)).toEqual([true]);
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
  });

  it('a viewer sends presence too, and a new channel on the same awareness shows up again after a removal', () => {
    const d = newDoc();
    const viewer = peer(d.view);
    const editor = peer(d.edit);
    viewer.awareness.setLocalStateField('user', { name: 'viewer', color: '#000000' });
    viewer.channel.announce();
    deliver(viewer, editor);
    expect(editor.awareness.getStates().get(viewer.doc.clientID)?.user?.name).toBe('viewer');

    viewer.channel.destroy();
    deliver(viewer, editor);
    expect(editor.awareness.getStates().has(viewer.doc.clientID)).toBe(false);

    const again = new PresenceChannel({ keys: d.view, awareness: viewer.awareness, send: (b) => viewer.sent.push(b) });
    cleanups.push(() => again.destroy());
    again.announce();
    expect(deliver(viewer, editor)).toEqual([true]);
    expect(editor.awareness.getStates().get(viewer.doc.clientID)?.user?.name).toBe('viewer');
  });

  it('drops a replayed message, so an old state cannot come back (E2EE 4.8 #13)', () => {
    const d = newDoc();
    const a = peer(d.edit);
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: 'old', color: '#111111' });
    const old = a.sent.at(-1)!;
    a.awareness.setLocalStateField('user', { name: 'new', color: '#222222' });
    expect(deliver(a, b)).toEqual([true, true]);
    expect(err(b.channel.receive(old))).toBe('replay');
    expect(b.awareness.getStates().get(a.doc.clientID)?.user?.name).toBe('new');
  });

  it('rejects tampered bytes, another document, another epoch and a message without the key (E2EE 4.8 #14)', () => {
    const d = newDoc();
    const a = peer(d.edit);
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: 'x', color: '#111111' });
    const env = a.sent.at(-1)!;

    for (const at of [env.length - 1, env.length - 20, 30, 20 /* epoch, in the AAD */]) {
      const t = env.slice();
      t[at]! ^= 1;
      expect(err(b.channel.receive(t)), `byte ${at}`).toBe('decrypt');
    }
    const other = peer(newDoc().edit);
    expect(err(other.channel.receive(env))).toBe('decrypt');
    expect(other.awareness.getStates().has(a.doc.clientID)).toBe(false);

    const epoch1 = new Forger(d.edit, 1).entries([
      { id: 77, clock: 1, state: { user: { name: 'e1', color: '#111111' } } },
    ]);
    expect(err(b.channel.receive(epoch1))).toBe('decrypt');
    expect(err(b.channel.receive(Uint8Array.of(1, 2, 3)))).toBe('malformed');
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
    expect(b.awareness.getStates().has(77)).toBe(false);
  });

  it('truncates a huge name to 64 code units and replaces a colour that is not #rrggbb', () => {
    const d = newDoc();
    const b = peer(d.edit);
    const f = new Forger(d.edit);
    const name = '가'.repeat(3000) + 'x'.repeat(3000);
    const r = b.channel.receive(
      f.entries([{ id: 42, clock: 1, state: { user: { name, color: 'red;background:url(//evil)' } } }]),
    );
    expect(r.ok).toBe(true);
    const user = b.awareness.getStates().get(42)?.user;
    expect(user.name).toBe('가'.repeat(64));
    expect(user.color).toMatch(/^#[0-9a-f]{6}$/);
    expect(user.color).toBe(colorForClient(42));

    // never half a surrogate pair, no control or bidi characters
    b.channel.receive(
      f.entries([
        { id: 42, clock: 2, state: { user: { name: ' \u202e' + 'a'.repeat(63) + '😀z', color: '#ABCDEF' } } },
      ]),
    );
    expect(b.awareness.getStates().get(42)?.user).toEqual({ name: 'a'.repeat(63), color: '#ABCDEF' });
  });

  it('keeps only user and a well-shaped cursor; anything else is removed', () => {
    const d = newDoc();
    const b = peer(d.edit);
    const f = new Forger(d.edit);
    const state = {
      user: { name: 'n', color: '#010203', avatar: 'https://evil.example/track.png' },
      cursor: { anchor: { tname: 'default', assoc: 0 }, head: { type: { client: 1, clock: 'x' } } },
      __proto__: { polluted: true },
      html: '<img src=x onerror=alert(1)>',
    };
    expect(b.channel.receive(f.entries([{ id: 9, clock: 1, state }])).ok).toBe(true);
    expect(b.awareness.getStates().get(9)).toEqual({ user: { name: 'n', color: '#010203' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();

    // a root type the document lacks would be created by Y.Doc.get when the caret resolves it
    b.channel.receive(
      f.entries([{ id: 9, clock: 2, state: { cursor: { anchor: { tname: 'other' }, head: { tname: 'default' } } } }]),
    );
    expect(b.awareness.getStates().get(9)).toEqual({});
    expect(b.doc.share.has('other')).toBe(false);
    // a position naming nothing throws inside y-tiptap's caret rendering
    b.channel.receive(
      f.entries([{ id: 9, clock: 3, state: { cursor: { anchor: { assoc: 0 }, head: { assoc: 0 } } } }]),
    );
    expect(b.awareness.getStates().get(9)).toEqual({});
    b.channel.receive(
      f.entries([
        {
          id: 9,
          clock: 4,
          state: { cursor: { anchor: { tname: 'default' }, head: { item: { client: 3, clock: 0 } } } },
        },
      ]),
    );
    expect(b.awareness.getStates().get(9)).toEqual({
      cursor: { anchor: { tname: 'default' }, head: { item: { client: 3, clock: 0 } } },
    });
  });

  it('10,000 client ids in one message: at most 256 kept (here none: the message is over 16 KiB)', () => {
    const d = newDoc();
    const b = peer(d.edit);
    const many = Array.from({ length: 10_000 }, (_, i) => ({ id: i + 1, clock: 1, state: {} }));
    expect(err(b.channel.receive(new Forger(d.edit).entries(many)))).toBe('invalid');
    expect(b.awareness.getStates().size).toBe(1); // only the local state

    // under the size cap: one sender session speaks for a few client ids only
    const some = Array.from({ length: 2_000 }, (_, i) => ({ id: i + 1, clock: 1, state: {} }));
    expect(b.channel.receive(new Forger(d.edit).entries(some)).ok).toBe(true);
    expect(b.awareness.getStates().size - 1).toBe(PRESENCE_LIMITS.maxClientsPerSession);
  });

  it('keeps at most 256 remote clients however many senders there are', () => {
    const d = newDoc();
    let t = 0;
    const b = peer(d.edit, { now: () => t });
    let next = 1;
    for (let s = 0; s < 100; s++) {
      t += 1000; // stay under the rate limits: this test is about the client cap
      const list = Array.from({ length: 4 }, () => ({
        id: next++,
        clock: 1,
        state: { user: { name: 's', color: '#000000' } },
      }));
      b.channel.receive(new Forger(d.edit).entries(list));
    }
    expect(b.awareness.getStates().size - 1).toBe(256);
    expect(b.awareness.meta.size).toBeLessThanOrEqual(257);
  });

  it('a sender cannot overwrite or remove another live client, nor the local one', () => {
    const d = newDoc();
    const a = peer(d.edit);
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: 'alice', color: '#aa0000' });
    deliver(a, b);
    const f = new Forger(d.edit);
    const aId = a.doc.clientID;
    expect(
      err(
        b.channel.receive(
          f.entries([{ id: aId, clock: 999, state: { user: { name: 'IMPERSONATED', color: '#000000' } } }]),
        ),
      ),
    ).toBe('invalid');
    expect(err(b.channel.receive(f.entries([{ id: aId, clock: 1000, state: null }])))).toBe('invalid');
    expect(
      err(
        b.channel.receive(
          f.entries([{ id: b.doc.clientID, clock: 999, state: { user: { name: 'me?', color: '#000000' } } }]),
        ),
      ),
    ).toBe('invalid');
    expect(b.awareness.getStates().get(aId)?.user?.name).toBe('alice');
    expect(b.awareness.getLocalState()?.user).toBeUndefined();
  });

  it('a removal for a client nobody shows does not grow Awareness.meta', () => {
    const d = newDoc();
    const b = peer(d.edit);
    const f = new Forger(d.edit);
    const list = Array.from({ length: 1000 }, (_, i) => ({ id: i + 100, clock: 5, state: null }));
    expect(b.channel.receive(f.entries(list)).ok).toBe(true);
    expect(b.awareness.meta.size).toBe(1);
  });

  it('rejects payloads that do not decode, without applying any part', () => {
    const d = newDoc();
    const b = peer(d.edit);
    const f = new Forger(d.edit);
    const bad: Uint8Array[] = [
      f.seal(Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)), // count far beyond the bytes
      f.seal(new TextEncoder().encode('\x01\x05\x01\x03{x}')), // not JSON
      f.seal(Uint8Array.of(1, 5, 1, 2, 0x7b, 0x7d, 0)), // trailing byte
      f.seal(Uint8Array.of(2, 6, 1, 2, 0x7b, 0x7d, 7, 1)), // second entry truncated
    ];
    for (const m of bad) expect(err(b.channel.receive(m))).toBe('malformed');
    expect(b.awareness.getStates().size).toBe(1);
    expect(b.channel.receive(f.entries([{ id: 5, clock: 1, state: {} }])).ok).toBe(true);
  });

  it('rate-limits each sender (20/s, burst 40) and lets it through again as time passes', () => {
    const d = newDoc();
    let t = 1_000_000;
    const b = peer(d.edit, { now: () => t });
    const f = new Forger(d.edit);
    const results = Array.from({ length: 50 }, (_, i) =>
      err(
        b.channel.receive(f.entries([{ id: 8, clock: i + 1, state: { user: { name: String(i), color: '#000000' } } }])),
      ),
    );
    expect(results.filter((r) => r === true)).toHaveLength(40);
    expect(results.slice(40)).toEqual(Array(10).fill('rate-limited'));
    expect(b.awareness.getStates().get(8)?.user?.name).toBe('39');
    // another sender is not affected by the first one's flood
    expect(b.channel.receive(new Forger(d.edit).entries([{ id: 9, clock: 1, state: {} }])).ok).toBe(true);
    t += 1000;
    const later = Array.from({ length: 21 }, (_, i) =>
      err(b.channel.receive(f.entries([{ id: 8, clock: 100 + i, state: {} }]))),
    );
    expect(later.filter((r) => r === true)).toHaveLength(20);
  });

  it('throttles local changes to one message per interval and sends the latest state on the trailing edge', () => {
    vi.useFakeTimers();
    const d = newDoc();
    const a = peer(d.edit, { now: () => Date.now(), minIntervalMs: 100 });
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: '1', color: '#000000' });
    expect(a.sent).toHaveLength(1);
    for (const n of ['2', '3', '4']) {
      vi.advanceTimersByTime(20);
      a.awareness.setLocalStateField('user', { name: n, color: '#000000' });
    }
    expect(a.sent).toHaveLength(1);
    vi.advanceTimersByTime(40);
    expect(a.sent).toHaveLength(2);
    deliver(a, b);
    expect(b.awareness.getStates().get(a.doc.clientID)?.user?.name).toBe('4');
    vi.advanceTimersByTime(1000);
    expect(a.sent).toHaveLength(0);
  });

  it('a goodbye (local state null) goes out at once, even while a throttled send waits', () => {
    vi.useFakeTimers();
    const d = newDoc();
    const a = peer(d.edit, { now: () => Date.now(), minIntervalMs: 100 });
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: 'leaving', color: '#000000' });
    deliver(a, b);
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(true);
    vi.advanceTimersByTime(10);
    a.awareness.setLocalStateField('user', { name: 'leaving soon', color: '#000000' });
    expect(a.sent).toHaveLength(0); // throttled: the trailing send waits
    a.awareness.setLocalState(null); // pagehide: no time left for the trailing edge
    expect(a.sent).toHaveLength(1);
    deliver(a, b);
    expect(b.awareness.getStates().has(a.doc.clientID)).toBe(false);
  });

  it('re-announces every 15 s with a renewed clock, so receivers do not time the peer out', () => {
    vi.useFakeTimers();
    const d = newDoc();
    const a = peer(d.edit, { now: () => Date.now() });
    const b = peer(d.edit, { now: () => Date.now() });
    a.awareness.setLocalStateField('user', { name: 'still here', color: '#000000' });
    deliver(a, b);
    const aId = a.doc.clientID;
    const clock = b.awareness.meta.get(aId)!.clock;
    vi.advanceTimersByTime(14_000);
    expect(a.sent).toHaveLength(0);
    vi.advanceTimersByTime(1_000);
    expect(deliver(a, b)).toEqual([true]);
    expect(b.awareness.meta.get(aId)!.clock).toBeGreaterThan(clock);
    vi.advanceTimersByTime(15_000);
    expect(deliver(a, b)).toEqual([true]);
  });

  it('forgets a peer that timed out, so its id and meta entry do not linger', () => {
    const d = newDoc();
    const a = peer(d.edit);
    const b = peer(d.edit);
    a.awareness.setLocalStateField('user', { name: 'gone soon', color: '#000000' });
    deliver(a, b);
    const aId = a.doc.clientID;
    // what Awareness's own 30 s check does (lib0 reads the real clock, which fake timers cannot move)
    removeAwarenessStates(b.awareness, [aId], 'timeout');
    expect(b.awareness.meta.has(aId)).toBe(false);
    // a new session may then use the id (a reloaded tab keeps none, but nothing stays blocked)
    const f = new Forger(d.edit);
    expect(
      b.channel.receive(f.entries([{ id: aId, clock: 1, state: { user: { name: 'next', color: '#000000' } } }])).ok,
    ).toBe(true);
    expect(b.awareness.getStates().get(aId)?.user?.name).toBe('next');
  });
});
