/**
 * Seeded random edit / flush / notice / compact / reopen / fail sequences over two or three LocalDoc
 * "tabs" on one Storage. Every edit made in any tab also goes to a reference Y.Doc; at the end every
 * tab, and a fresh reader of the storage, must hold exactly the reference content.
 *
 * Storage-agnostic so the same sequences can run on IndexedDB in Chromium (call runLocalDocSequence
 * from a *.browser.test.ts with a fresh IdbStorage per seed), as the Node test does on MemoryStorage.
 */
import { expect } from 'vitest';
import * as Y from 'yjs';
import { newEditCapability } from '../src/crypto/capability';
import { MemoryDeviceKeyStore } from '../src/crypto/kek';
import { Keyring } from '../src/crypto/keyring';
import { MemoryLeaderElection, MemoryNotifierHub } from '../src/local/coordination';
import { LOCAL_DOC_ORIGIN, LocalDoc } from '../src/local/localdoc';
import type { Storage, StorageErrorCode } from '../src/storage/types';
import { neverLeader, prng } from './localdoc-helpers';

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
  await new Promise<void>((r) => setTimeout(r, 0));
}

export interface SequenceEnv {
  /** a fresh, empty storage for this seed */
  readonly storage: Storage;
  /** makes the next batch on that storage fail (omit when the backend cannot inject faults) */
  readonly failNextBatch?: (code: StorageErrorCode) => void;
  readonly steps: number;
}

/**
 * One seeded sequence. Throws (vitest expect) when any tab, or a fresh reader, differs from the
 * reference at the end; the message carries the seed and the steps taken.
 */
export async function runLocalDocSequence(seed: number, env: SequenceEnv): Promise<void> {
  const rnd = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const { storage } = env;
  const keyring = await Keyring.open(storage, new MemoryDeviceKeyStore());
  const secrets = await keyring.createDoc(newEditCapability());
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

  for (let step = 0; step < env.steps; step++) {
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
      if (env.failNextBatch) {
        log.push(`fail-${code}`);
        env.failNextBatch(code);
      }
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
  const reader = await LocalDoc.open(storage, secrets, new Y.Doc(), { leader: neverLeader });
  if (!reader.ok) throw new Error(`reader: ${reader.error}`);
  expect(snapshotOf(reader.value.ydoc), context).toEqual(want);
  await reader.value.close();
  expect(await storage.keys('quarantine/'), context).toEqual([]);
  for (const t of tabs) await closeTab(t);
}
