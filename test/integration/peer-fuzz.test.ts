/**
 * Peer convergence fuzz: three devices (LocalDoc + session) linked only by memory peer links (a full mesh,
 * no relay) make seeded random edits (Yjs text with Korean, XML paragraphs with bold, splits, deletes)
 * while links are cut and healed at random (partitions), sessions crash and restart, and remote updates
 * are held (as during an IME composition). At the end, with every link healed, every document must equal
 * every other and contain every edit any side made.
 *
 * A seed that ever fails goes into FAILED_SEEDS, so it runs on every CI run from then on.
 */
import { createMemoryTransportPair, type MemoryLink } from '@dure/shared/sync/memory-transport';
import type { Transport } from '@dure/shared/sync/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { PeerDevice } from './peer-devices';
import { startTestServer, type TestServer } from './server';
import { CuttableTransport, newDocKeys, sleep, until } from './sessions';

const FAILED_SEEDS: readonly number[] = [];
const SEEDS = Number(process.env.DURE_PEER_FUZZ_SEEDS ?? 20);
/** seeds run again with every device also on the real relay (cut at random like the links) */
const RELAY_SEEDS = Number(process.env.DURE_PEER_FUZZ_RELAY_SEEDS ?? 6);
const STEPS = 80;
const FUZZ = 'peer-fuzz';

/** mulberry32 */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = ['가', '나다', '한글 ', 'abc', ' ', '문서', 'x', '두레'];

function edit(doc: Y.Doc, r: () => number, tag: string): void {
  doc.transact(() => {
    const op = r();
    if (op < 0.3) {
      // plain Y.Text
      const t = doc.getText('t');
      if (r() < 0.75 || t.length === 0) t.insert(Math.floor(r() * (t.length + 1)), WORDS[Math.floor(r() * 8)]! + tag);
      else {
        const from = Math.floor(r() * t.length);
        t.delete(from, Math.min(t.length - from, 1 + Math.floor(r() * 3)));
      }
      return;
    }
    const frag = doc.getXmlFragment('prosemirror');
    const ps = frag.toArray() as Y.XmlElement[];
    if (ps.length === 0 || op < 0.4) {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(tag)]);
      frag.insert(Math.floor(r() * (ps.length + 1)), [p]);
      return;
    }
    const pi = Math.floor(r() * ps.length);
    const t = ps[pi]!.get(0);
    if (!(t instanceof Y.XmlText)) return;
    const len = t.length;
    if (op < 0.7) t.insert(Math.floor(r() * (len + 1)), WORDS[Math.floor(r() * 8)]! + tag);
    else if (op < 0.8 && len > 0) {
      const from = Math.floor(r() * len);
      t.delete(from, Math.min(len - from, 1 + Math.floor(r() * 4)));
    } else if (op < 0.9 && len > 0) {
      const from = Math.floor(r() * len);
      t.format(from, Math.min(len - from, 1 + Math.floor(r() * 5)), r() < 0.7 ? { bold: true } : { bold: null });
    } else if (ps.length > 1) frag.delete(pi, 1);
  }, FUZZ);
}

let server: TestServer | undefined;
afterAll(async () => {
  await server?.stop();
});

async function runSeed(seed: number, withRelay = false): Promise<void> {
  const r = rng(seed);
  const { edit: docLink } = newDocKeys();
  const edits: Uint8Array[] = [];
  const devices = [0, 1, 2].map(
    (i) =>
      new PeerDevice(`d${i}`, docLink, {
        random: rng(seed * 7 + i),
        batchMs: Math.floor(r() * 20),
        offlineBatchMs: 30,
        // with the relay, compact often: snapshots skip envelopes that peers then get as fresh snapshots
        ...(withRelay ? { snapshotEvery: { updates: 3 + Math.floor(r() * 10), bytes: 1 << 20 } } : {}),
      }),
  );
  // links[i][j]: device i's end of the link to device j
  const pairs: { i: number; j: number; link: MemoryLink }[] = [];
  const ends: Transport[][] = [[], [], []];
  for (const [i, j] of [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const) {
    const link = createMemoryTransportPair({ ids: [`peer:d${j}`, `peer:d${i}`] });
    pairs.push({ i, j, link });
    ends[i]!.push(link.a);
    ends[j]!.push(link.b);
  }
  // A relay link per device (kept across restarts, cut at random), when the seed runs with the relay.
  const relays = withRelay ? devices.map(() => new CuttableTransport(server!.url)) : [];
  const relayCut = [false, false, false];
  const start = async (k: number): Promise<void> => {
    const d = devices[k]!;
    const relay = relays[k];
    await d.start(relay ? [relay, ...ends[k]!] : ends[k]!);
    d.ydoc.on('updateV2', (u: Uint8Array, origin: unknown) => {
      if (origin === FUZZ) edits.push(Y.convertUpdateFormatV2ToV1(u));
    });
  };
  const holds: ((() => void) | undefined)[] = [undefined, undefined, undefined];
  try {
    for (let k = 0; k < 3; k++) await start(k);
    for (let step = 0; step < STEPS; step++) {
      const k = Math.floor(r() * 3);
      const d = devices[k]!;
      const x = r();
      if (x < 0.7) edit(d.ydoc, r, `·${k}`);
      else if (x < 0.82) {
        const p = pairs[Math.floor(r() * pairs.length)]!;
        if (p.link.up) p.link.cut();
        else {
          p.link.heal();
          devices[p.i]!.session?.retryNow();
          devices[p.j]!.session?.retryNow();
        }
      } else if (x < 0.84 && withRelay) {
        relayCut[k] = !relayCut[k];
        relays[k]!.setCut(relayCut[k]!);
      } else if (x < 0.86) {
        await d.crash();
        holds[k] = undefined;
        await start(k);
      } else if (x < 0.92) {
        const h = holds[k];
        holds[k] = h ? (h(), undefined) : d.session!.holdRemote();
      } else await sleep(Math.floor(r() * 30));
      if (r() < 0.3) await sleep(Math.floor(r() * 10));
    }
    for (const h of holds) h?.();
    for (const p of pairs) p.link.heal();
    for (const t of relays) t.setCut(false);
    for (const d of devices) d.session!.retryNow();
    const xml = (d: PeerDevice): string => d.ydoc.getXmlFragment('prosemirror').toString() + '|' + d.text;
    const sv = (d: PeerDevice): string =>
      [...Y.decodeStateVector(Y.encodeStateVector(d.ydoc)).entries()].sort((a, b) => a[0] - b[0]).join(';');
    const contained = (d: PeerDevice): boolean => {
      const snap = Y.snapshot(d.ydoc);
      return edits.every((u) => Y.snapshotContainsUpdate(snap, u));
    };
    const done = (): boolean =>
      devices.every((d) => xml(d) === xml(devices[0]!) && sv(d) === sv(devices[0]!) && contained(d));
    await until(done, `seed ${seed}: every document equal`).catch((e: unknown) => {
      const state = devices.map((d) => ({
        contained: contained(d),
        xmlEq: xml(d) === xml(devices[0]!),
        svEq: sv(d) === sv(devices[0]!),
        status: d.session!.status,
      }));
      throw new Error(`${String(e)}\n${JSON.stringify(state, null, 1)}`);
    });
    for (const d of devices) {
      expect(contained(d), `seed ${seed}: every edit is in every document`).toBe(true);
      // nobody misbehaved (a relay connection cut mid-write may be reported closed)
      expect(
        d.session!.status.problems.filter(
          (p) =>
            !(p.kind === 'peer-dropped' && p.detail === 'silent') &&
            !(p.kind === 'rejected' && /^closed/.test(p.detail ?? '')),
        ),
        `seed ${seed}: problems`,
      ).toEqual([]);
      if (!withRelay) expect(d.session!.status.state).toBe('local');
    }
    if (withRelay) {
      // Everything reached the relay (own outboxes, and what peers forwarded): a device that only reads
      // the relay sees the same document.
      await Promise.all(devices.map((d) => d.session!.whenAcknowledged()));
      const reader = new PeerDevice('reader', docLink);
      try {
        await reader.start([new CuttableTransport(server!.url)]);
        await reader.session!.whenSynced();
        await until(() => xml(reader) === xml(devices[0]!), `seed ${seed}: the relay holds everything`);
      } finally {
        await reader.close();
      }
    }
  } finally {
    for (const d of devices) await d.close().catch(() => {});
  }
}

describe('peer convergence fuzz over memory links (seeded partitions)', () => {
  const seeds = [...new Set([...FAILED_SEEDS, ...Array.from({ length: SEEDS }, (_, i) => i + 1)])];
  for (const seed of seeds) {
    it(`seed ${seed}`, () => runSeed(seed), 60_000);
  }
});

describe('peer convergence fuzz with the real relay beside the links', () => {
  beforeAll(async () => {
    server = await startTestServer();
  });
  const seeds = [...new Set([...FAILED_SEEDS, ...Array.from({ length: RELAY_SEEDS }, (_, i) => i + 1)])];
  for (const seed of seeds) {
    it(`seed ${seed} with the relay`, () => runSeed(seed, true), 60_000);
  }
});
