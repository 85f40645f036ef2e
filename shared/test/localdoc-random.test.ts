/**
 * Seeded random edit / flush / notice / compact / reopen / fail sequences over two or three LocalDoc
 * "tabs" on one MemoryStorage. Every edit made in any tab also goes to a reference Y.Doc; at the end every
 * tab, and a fresh reader of the storage, must hold exactly the reference content. A failing seed is
 * replayed by putting it in FAILED_SEEDS (always run).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryLeaderElection, MemoryNotifierHub } from '../src/local/coordination';
import { LOCAL_DOC_ORIGIN, LocalDoc } from '../src/local/localdoc';
import type { StorageErrorCode } from '../src/storage/types';
import { neverLeader, newDoc, openDoc, prng } from './localdoc-helpers';

/** Seeds that once failed: kept forever as regression cases. */
const FAILED_SEEDS: number[] = [];
// DURE_SEEDS / DURE_STEPS run a longer hunt locally; the default keeps `npm test` quick.
const SEEDS = Number(process.env.DURE_SEEDS ?? 200);
const STEPS = Number(process.env.DURE_STEPS ?? 40);

const ALPHABET = ['a', 'b', 'c', ' ', '가', '나', '다', '한', '글', '\n', 'Z'];

interface Tab {
  ydoc: Y.Doc;
  doc: LocalDoc;
}

const snapshotOf = (y: Y.Doc) => ({
  body: y.getText('body').toString(),
  notes: y.getText('notes').toString(),
  title: y.getMap('meta').get('title'),
});

async function settle(): Promise<void> {
  await new Promise<void>((r) => setImmediate(r));
}

async function runSeed(seed: number): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { storage, secrets } = await newDoc();
  const hub = new MemoryNotifierHub(false);
  const election = new MemoryLeaderElection();
  const reference = new Y.Doc();
  const maxRecords = 1 + Math.floor(rnd() * 6);
  const tabs: Tab[] = [];
  const log: string[] = [];

  const openTab = async (): Promise<Tab> => {
    const ydoc = new Y.Doc();
    // Only the test's own edits reach the reference; loaded and cross-tab content has the LocalDoc origin.
    ydoc.on('updateV2', (u: Uint8Array, origin: unknown) => {
      if (origin !== LOCAL_DOC_ORIGIN) Y.applyUpdateV2(reference, u);
    });
    // Timers effectively off: writes happen on explicit flush/close, so a seed replays identically.
    const r = await LocalDoc.open(storage, secrets, ydoc, {
      coalesceMs: 1e9,
      retryMs: 1e9,
      maxRetryMs: 1e9,
      maxRecords,
      maxUpdateBytes: 1 + Math.floor(rnd() * 4000),
      leader: election,
      notifier: hub.notifier(),
    });
    if (!r.ok) throw new Error(`open failed: ${r.error}`);
    return { ydoc, doc: r.value };
  };

  const closeTab = async (t: Tab): Promise<void> => {
    for (let i = 0; ; i++) {
      try {
        await t.doc.close();
        return;
      } catch (e) {
        if (i > 5) throw e; // injected failures are one-shot; more than a few means a bug
      }
    }
  };

  const edit = (t: Tab): void => {
    const r = rnd();
    if (r < 0.1) {
      t.ydoc.getMap('meta').set('title', pick(['회의록', 'minutes', '성명서 초안', '']));
      return;
    }
    const ytext = t.ydoc.getText(r < 0.25 ? 'notes' : 'body');
    if (r < 0.4 && ytext.length > 0) {
      const at = Math.floor(rnd() * ytext.length);
      ytext.delete(at, Math.min(ytext.length - at, 1 + Math.floor(rnd() * 4)));
      return;
    }
    let s = '';
    for (let n = 1 + Math.floor(rnd() * 5); n > 0; n--) s += pick(ALPHABET);
    // Several edits in one transaction now and then, like a paste.
    if (rnd() < 0.2) {
      t.ydoc.transact(() => {
        ytext.insert(Math.floor(rnd() * (ytext.length + 1)), s);
        ytext.insert(0, s.toUpperCase());
      });
    } else {
      ytext.insert(Math.floor(rnd() * (ytext.length + 1)), s);
    }
  };

  const nTabs = 2 + Math.floor(rnd() * 2);
  for (let i = 0; i < nTabs; i++) tabs.push(await openTab());

  for (let step = 0; step < STEPS; step++) {
    const r = rnd();
    const t = pick(tabs);
    if (r < 0.45) {
      log.push('edit');
      edit(t);
    } else if (r < 0.6) {
      log.push('flush');
      await t.doc.flush().catch(() => undefined);
    } else if (r < 0.72) {
      log.push('deliver');
      hub.deliverAll();
      await Promise.all(tabs.map((x) => x.doc.whenIdle()));
    } else if (r < 0.77) {
      log.push('compact');
      await t.doc.compact().catch(() => undefined);
    } else if (r < 0.83) {
      log.push('reopen');
      await closeTab(t);
      tabs[tabs.indexOf(t)] = await openTab();
    } else if (r < 0.87) {
      if (tabs.length < 3) {
        log.push('open');
        tabs.push(await openTab());
      } else {
        log.push('close');
        await closeTab(t);
        tabs.splice(tabs.indexOf(t), 1);
      }
    } else if (r < 0.89) {
      // Everything at once: writes, compaction and notice reads interleave at every await.
      log.push('burst');
      for (const x of tabs) if (rnd() < 0.7) edit(x);
      hub.deliverAll();
      await Promise.all(
        tabs.flatMap((x) => [x.doc.flush().catch(() => undefined), x.doc.compact().catch(() => false)]),
      );
    } else if (r < 0.93) {
      const code: StorageErrorCode = pick(['quota', 'io']);
      log.push(`fail-${code}`);
      storage.failNextBatch(code);
    } else {
      log.push('yield');
      await settle();
    }
  }

  // Drain: write everything, deliver every notice, until quiet.
  for (let round = 0; round < 20; round++) {
    for (const t of tabs) {
      for (let i = 0; i < 5 && t.doc.pendingUpdates > 0; i++) await t.doc.flush().catch(() => undefined);
    }
    await settle();
    await Promise.all(tabs.map((x) => x.doc.whenIdle()));
    if (hub.pending === 0 && tabs.every((x) => x.doc.pendingUpdates === 0)) break;
    hub.deliverAll();
    await Promise.all(tabs.map((x) => x.doc.whenIdle()));
  }

  const want = snapshotOf(reference);
  const context = `seed ${seed}: ${log.join(' ')}`;
  for (const t of tabs) {
    expect(t.doc.pendingUpdates, context).toBe(0);
    expect(snapshotOf(t.ydoc), context).toEqual(want);
    expect(t.doc.problems, context).toEqual([]);
  }
  const reader = await openDoc(storage, secrets, { leader: neverLeader });
  expect(snapshotOf(reader.ydoc), context).toEqual(want);
  expect(await storage.keys('quarantine/'), context).toEqual([]);
  for (const t of tabs) await closeTab(t);
}

describe('LocalDoc random multi-tab sequences', () => {
  for (const seed of FAILED_SEEDS) it(`regression seed ${seed}`, () => runSeed(seed));
  for (let seed = 1; seed <= SEEDS; seed++) it(`seed ${seed}`, () => runSeed(seed));
});
