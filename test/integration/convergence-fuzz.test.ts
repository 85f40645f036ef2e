/**
 * Convergence fuzz: three devices (LocalDoc + session) edit one document over the real relay with seeded
 * random edits (text inserts and deletes with Korean, bold formatting, paragraph splits), random network
 * cuts, session crashes and restarts, remote updates held (as during an IME composition), compactions,
 * and (every fifth seed) the relay killed with SIGKILL and restarted. At the end every document must equal
 * every other and contain every edit each side made (nothing lost), with nothing left unacknowledged.
 *
 * A seed that ever fails goes into FAILED_SEEDS, so it runs on every CI run from then on.
 */
import * as Y from 'yjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './server';
import { Device, newDocKeys, sleep, until } from './sessions';

const FAILED_SEEDS: readonly number[] = [];
const SEEDS = Number(process.env.DURE_FUZZ_SEEDS ?? 30);
const STEPS = 60;
const FUZZ = 'fuzz';

/** mulberry32: small, seedable, good enough to pick operations */
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

const WORDS = ['가', '나다', '한글 ', 'abc', ' ', '문서', 'x', '😀', '두레'];

function paragraphs(doc: Y.Doc): Y.XmlElement[] {
  return doc.getXmlFragment('prosemirror').toArray() as Y.XmlElement[];
}

function textOf(p: Y.XmlElement): Y.XmlText {
  return p.get(0) as Y.XmlText;
}

function edit(doc: Y.Doc, r: () => number, tag: string): void {
  const frag = doc.getXmlFragment('prosemirror');
  doc.transact(() => {
    const ps = paragraphs(doc);
    const op = r();
    if (ps.length === 0 || op < 0.1) {
      const p = new Y.XmlElement('paragraph');
      p.insert(0, [new Y.XmlText(tag)]);
      frag.insert(Math.floor(r() * (ps.length + 1)), [p]);
      return;
    }
    const pi = Math.floor(r() * ps.length);
    const p = ps[pi]!;
    const t = textOf(p);
    if (!(t instanceof Y.XmlText)) return;
    // Plain text (toString() would render formatting as markup).
    const str = (t.toDelta() as { insert: unknown }[])
      .map((d) => (typeof d.insert === 'string' ? d.insert : ''))
      .join('');
    const len = t.length;
    // Positions never fall inside a surrogate pair (an editor never splits '😀'; Yjs would turn the halves
    // into U+FFFD on the wire while the local copy keeps the lone half).
    const at = (i: number): number => (i > 0 && i < len && /[\udc00-\udfff]/.test(str[i]!) ? i - 1 : i);
    if (op < 0.55) {
      t.insert(at(Math.floor(r() * (len + 1))), WORDS[Math.floor(r() * WORDS.length)]! + tag);
    } else if (op < 0.75 && len > 0) {
      const from = at(Math.floor(r() * len));
      const to = at(Math.min(len, from + 1 + Math.floor(r() * 4)));
      if (to > from) t.delete(from, to - from);
    } else if (op < 0.85 && len > 0) {
      const from = at(Math.floor(r() * len));
      const to = at(Math.min(len, from + 1 + Math.floor(r() * 5)));
      if (to > from) t.format(from, to - from, r() < 0.7 ? { bold: true } : { bold: null });
    } else if (op < 0.95 && len > 1) {
      // Split the paragraph the way an editor's Enter does: the tail moves into a new paragraph after it.
      const cut = at(1 + Math.floor(r() * (len - 1)));
      if (cut === 0) return;
      const tail = str.slice(cut);
      t.delete(cut, len - cut);
      const np = new Y.XmlElement('paragraph');
      np.insert(0, [new Y.XmlText(tail)]);
      frag.insert(pi + 1, [np]);
    } else if (ps.length > 1) {
      frag.delete(pi, 1);
    }
  }, FUZZ);
}

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

async function runSeed(seed: number): Promise<void> {
  const r = rng(seed);
  const { edit: link } = newDocKeys();
  /** every edit every side made (Yjs v1 updates, for Y.snapshotContainsUpdate) */
  const edits: Uint8Array[] = [];
  const devices = [0, 1, 2].map(
    (i) =>
      new Device(server.url, link, {
        random: rng(seed * 7 + i),
        batchMs: Math.floor(r() * 30),
        offlineBatchMs: 50,
        snapshotEvery: { updates: 5 + Math.floor(r() * 20), bytes: 1 << 20 },
      }),
  );
  const start = async (d: Device): Promise<void> => {
    await d.start();
    d.ydoc.on('updateV2', (u: Uint8Array, origin: unknown) => {
      if (origin === FUZZ) edits.push(Y.convertUpdateFormatV2ToV1(u));
    });
  };
  try {
    for (const d of devices) await start(d);
    const cut = [false, false, false];
    /** an open holdRemote() per device (the editor holds remote updates while an IME composition is open) */
    const holds: ((() => void) | undefined)[] = [undefined, undefined, undefined];
    for (let step = 0; step < STEPS; step++) {
      const i = Math.floor(r() * 3);
      const d = devices[i]!;
      const x = r();
      if (x < 0.72) edit(d.ydoc, r, `·${i}`);
      else if (x < 0.82) {
        cut[i] = !cut[i];
        d.transport!.setCut(cut[i]!);
      } else if (x < 0.87) {
        await d.crash();
        holds[i] = undefined;
        await start(d);
        if (cut[i]) d.transport!.setCut(true);
      } else if (x < 0.93) {
        const h = holds[i];
        holds[i] = h ? (h(), undefined) : d.session!.holdRemote();
      } else await sleep(Math.floor(r() * 40));
      // Every fifth seed also kills the relay (SIGKILL) halfway and starts it again on the same data.
      if (seed % 5 === 0 && step === STEPS / 2) await server.killAndRestart();
      if (r() < 0.3) await sleep(Math.floor(r() * 10));
    }
    for (const h of holds) h?.();
    for (const d of devices) {
      d.transport!.setCut(false);
      // The network is back (the app calls this on `online`): no waiting out a long backoff.
      d.session!.retryNow();
    }
    await Promise.all(devices.map((d) => d.session!.whenAcknowledged()));
    // "Done" is: every document equal to every other, containing every edit any side made, and nothing
    // left unacknowledged. (Not equal to a replay of the edits alone: after remote formatting, Yjs deletes
    // redundant format markers in local transactions of its own, which sync like typing and can change
    // where concurrent bold ends. Every side applies the same ones, so the sides agree with each other.)
    const contained = (d: Device): boolean => {
      const snap = Y.snapshot(d.ydoc);
      return edits.every((u) => Y.snapshotContainsUpdate(snap, u));
    };
    const xml = (d: Device): string => d.ydoc.getXmlFragment('prosemirror').toString();
    const sv = (d: Device): string =>
      [...Y.decodeStateVector(Y.encodeStateVector(d.ydoc)).entries()].sort((a, b) => a[0] - b[0]).join(';');
    const done = (): boolean =>
      devices.every((d) => d.session!.status.pending === 0 && xml(d) === xml(devices[0]!) && sv(d) === sv(devices[0]!));
    await until(done, `seed ${seed}: every document equal`).catch((e: unknown) => {
      const state = devices.map((d) => ({
        contained: contained(d),
        xmlEq: xml(d) === xml(devices[0]!),
        svEq: sv(d) === sv(devices[0]!),
        dsEq: Y.equalDeleteSets(Y.snapshot(d.ydoc).ds, Y.snapshot(devices[0]!.ydoc).ds),
        sv: process.env.DURE_FUZZ_VERBOSE ? sv(d) : undefined,
        text: process.env.DURE_FUZZ_VERBOSE ? xml(d) : undefined,
        status: d.session!.status,
      }));
      throw new Error(`${String(e)}\n${JSON.stringify(state, null, 1)}`);
    });
    const want = xml(devices[0]!);
    for (const d of devices) {
      expect(contained(d), `seed ${seed}: every edit of every side is in the document`).toBe(true);
      expect(d.session!.status.pending).toBe(0);
      const bad = d.session!.status.problems.filter((p) => p.kind !== 'rejected' || !/^closed/.test(p.detail ?? ''));
      expect(bad, `seed ${seed}: problems`).toEqual([]);
    }
    // A fresh device joining now (from the snapshot, if one was made) holds the same document.
    const fresh = new Device(server.url, link);
    devices.push(fresh);
    await fresh.start();
    await fresh.session!.whenSynced();
    await until(() => fresh.ydoc.getXmlFragment('prosemirror').toString() === want, `seed ${seed}: a fresh device`);
  } finally {
    for (const d of devices) await d.close().catch(() => {});
  }
}

describe('convergence fuzz over the real relay', () => {
  const seeds = [...new Set([...FAILED_SEEDS, ...Array.from({ length: SEEDS }, (_, i) => i + 1)])];
  for (const seed of seeds) {
    it(`seed ${seed}`, () => runSeed(seed), 60_000);
  }
});
