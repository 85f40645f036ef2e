/** The peer-hello codec (strict, canonical) and the fork rule on relay heads. */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../../src/bytes';
import { deriveDocKeys, newEditCapability } from '../../src/crypto/capability';
import {
  PEER_HELLO,
  decodePeerFrame,
  encodeFrame,
  encodePeerFrame,
  newId,
  sealSnapshot,
  sealUpdate,
  type PeerHead,
  type PeerHello,
} from '../../src/protocol/index';
import { headsFork } from '../../src/sync/fork';

const docId = newId();
const head = (relayId: string, parent: PeerHead['parent'] = null): PeerHead => ({
  relayId,
  snapId: newId(),
  proof: randomBytes(32),
  parent,
});

function hello(over: Partial<PeerHello> = {}): PeerHello {
  return {
    type: 'peer-hello',
    docId,
    edit: true,
    reply: true,
    has: [
      { deviceId: newId(), through: 3 },
      { deviceId: newId(), through: 2 ** 53 - 1 },
    ],
    heads: [head('wss://a.example/sync'), head('wss://b.example/sync', { snapId: newId(), proof: randomBytes(32) })],
    ...over,
  };
}

describe('peer-hello codec', () => {
  it('round-trips, sorted canonically, and re-encodes to the same bytes', () => {
    const h = hello();
    const bytes = encodePeerFrame(h);
    expect(bytes[1]).toBe(PEER_HELLO);
    const d = decodePeerFrame(bytes);
    expect(d.ok).toBe(true);
    if (!d.ok || d.value.type !== 'peer-hello') return;
    expect(d.value.edit).toBe(true);
    expect(d.value.reply).toBe(true);
    expect(new Set(d.value.has.map((x) => x.deviceId))).toEqual(new Set(h.has.map((x) => x.deviceId)));
    expect(d.value.heads.map((x) => x.relayId)).toEqual(['wss://a.example/sync', 'wss://b.example/sync']);
    expect(d.value.heads[1]!.parent?.snapId).toBe(h.heads[1]!.parent?.snapId);
    expect(encodePeerFrame(d.value)).toEqual(bytes);
  });

  it('an empty hello (a new view session) is 22 bytes', () => {
    const bytes = encodePeerFrame(hello({ edit: false, reply: false, has: [], heads: [] }));
    expect(bytes.length).toBe(1 + 1 + 16 + 1 + 2 + 1);
    const d = decodePeerFrame(bytes);
    expect(d.ok && d.value.type === 'peer-hello' && !d.value.edit && d.value.has.length === 0).toBe(true);
  });

  it('rejects reserved flags, trailing bytes, truncation, zero seqs, zero ids, unsorted devices, bad UTF-8', () => {
    const one = newId();
    const good = encodePeerFrame(hello({ has: [{ deviceId: one, through: 1 }], heads: [] }));
    const flags = good.slice();
    flags[18] = 0x04;
    expect(decodePeerFrame(flags)).toMatchObject({ ok: false, error: 'malformed' });
    expect(decodePeerFrame(Uint8Array.of(...good, 0))).toMatchObject({ ok: false, error: 'trailing-bytes' });
    expect(decodePeerFrame(good.slice(0, good.length - 2))).toMatchObject({ ok: false, error: 'truncated' });
    const zeroSeq = good.slice();
    zeroSeq.fill(0, 37, 45);
    expect(decodePeerFrame(zeroSeq)).toMatchObject({ ok: false, error: 'malformed' });
    const zeroId = good.slice();
    zeroId.fill(0, 21, 37);
    expect(decodePeerFrame(zeroId)).toMatchObject({ ok: false, error: 'malformed' });
    // two devices swapped out of order
    const two = encodePeerFrame(
      hello({
        has: [
          { deviceId: newId(), through: 1 },
          { deviceId: newId(), through: 1 },
        ],
        heads: [],
      }),
    );
    const swapped = two.slice();
    swapped.set(two.slice(45, 69), 21);
    swapped.set(two.slice(21, 45), 45);
    expect(decodePeerFrame(swapped)).toMatchObject({ ok: false, error: 'malformed' });
    // a relay id that is not UTF-8
    const withHead = encodePeerFrame(hello({ has: [], heads: [head('x')] }));
    const badUtf = withHead.slice();
    badUtf[23] = 0xff;
    expect(decodePeerFrame(badUtf)).toMatchObject({ ok: false, error: 'malformed' });
    // a hello of another protocol version
    const v2 = good.slice();
    v2[0] = 2;
    expect(decodePeerFrame(v2)).toMatchObject({ ok: false, error: 'unsupported-version' });
  });

  it('throws on misuse: duplicate devices, seq 0, an empty relay id', () => {
    const d = newId();
    expect(() =>
      encodePeerFrame(
        hello({
          has: [
            { deviceId: d, through: 1 },
            { deviceId: d, through: 2 },
          ],
        }),
      ),
    ).toThrow();
    expect(() => encodePeerFrame(hello({ has: [{ deviceId: d, through: 0 }] }))).toThrow();
    expect(() => encodePeerFrame(hello({ heads: [head('')] }))).toThrow();
  });

  it('carries update, snapshot and presence frames with relaySeq 0 only; relay-only frames are malformed', () => {
    const keys = deriveDocKeys(newEditCapability());
    const env = sealUpdate(keys, { epoch: 0, deviceId: newId(), seq: 1 }, Y.encodeStateAsUpdateV2(new Y.Doc()));
    const ok = decodePeerFrame(encodePeerFrame({ type: 'update', docId: keys.docId, relaySeq: 0, envelope: env }));
    expect(ok.ok && ok.value.type).toBe('update');
    const numbered = encodeFrame({ type: 'update', docId: keys.docId, relaySeq: 5, envelope: env });
    expect(decodePeerFrame(numbered)).toMatchObject({ ok: false, error: 'malformed' });
    const snap = sealSnapshot(keys, { epoch: 0, parent: null, covers: [] }, Y.encodeStateAsUpdateV2(new Y.Doc()));
    const s = decodePeerFrame(encodePeerFrame({ type: 'snapshot', docId: keys.docId, relaySeq: 0, envelope: snap }));
    expect(s.ok && s.value.type).toBe('snapshot');
    const synced = encodeFrame({ type: 'synced', docId: keys.docId, relaySeq: 1 });
    expect(decodePeerFrame(synced)).toMatchObject({ ok: false, error: 'malformed' });
    expect(decodePeerFrame(Uint8Array.of(1, 0x21))).toMatchObject({ ok: false });
  });
});

describe('fork rule on relay heads (E2EE 4.8 #7)', () => {
  const relay = 'wss://r.example/sync';
  it('two different first snapshots, or two children of one parent, are a fork', () => {
    expect(headsFork(head(relay), head(relay))).toBe(true);
    const parent = { snapId: newId(), proof: randomBytes(32) };
    expect(headsFork(head(relay, parent), head(relay, parent))).toBe(true);
  });

  it('the same snapshot with another proof, or a child naming ours with another proof, is a fork', () => {
    const mine = head(relay);
    expect(headsFork(mine, { ...mine, proof: randomBytes(32) })).toBe(true);
    expect(headsFork(mine, head(relay, { snapId: mine.snapId, proof: randomBytes(32) }))).toBe(true);
    expect(headsFork(head(relay, { snapId: mine.snapId, proof: randomBytes(32) }), mine)).toBe(true);
  });

  it('the same head, a linear extension, or an unrelated later head (one side is behind) is not', () => {
    const mine = head(relay);
    expect(headsFork(mine, { ...mine })).toBe(false);
    expect(headsFork(mine, head(relay, { snapId: mine.snapId, proof: mine.proof }))).toBe(false);
    expect(headsFork(head(relay, { snapId: mine.snapId, proof: mine.proof }), mine)).toBe(false);
    expect(headsFork(mine, head(relay, { snapId: newId(), proof: randomBytes(32) }))).toBe(false);
  });
});
