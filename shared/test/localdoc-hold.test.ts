/**
 * LocalDoc.holdRemote(): other tabs' records wait while the editor has an IME composition open
 * (shared/src/editor/README.md, "Remote updates and an open composition").
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryNotifierHub } from '../src/local/coordination';
import { LOCAL_DOC_ORIGIN } from '../src/local/localdoc';
import { neverLeader, newDoc, openDoc, text } from './localdoc-helpers';

/** Two "tabs" on one storage, notices delivered only when the test says so. */
async function twoTabs(opts: { leaderB?: boolean } = {}) {
  const { storage, secrets } = await newDoc();
  const hub = new MemoryNotifierHub(false);
  const a = await openDoc(storage, secrets, { leader: neverLeader, notifier: hub.notifier() });
  const b = await openDoc(storage, secrets, {
    ...(opts.leaderB ? { maxRecords: 1 } : { leader: neverLeader }),
    notifier: hub.notifier(),
    idle: (run) => run(),
  });
  /** A types `s` at the end, commits it, and B hears of it. */
  const typeInA = async (s: string): Promise<void> => {
    const body = a.ydoc.getText('body');
    body.insert(body.length, s);
    await a.doc.flush();
    hub.deliverAll();
    await b.doc.whenIdle();
  };
  return { storage, secrets, a, b, typeInA };
}

describe('LocalDoc.holdRemote', () => {
  it("keeps another tab's record out of the Y.Doc until released, then applies it with the LocalDoc origin", async () => {
    const { b, typeInA } = await twoTabs();
    const release = b.doc.holdRemote();
    await typeInA('held');
    expect(text(b.ydoc)).toBe('');
    const origins: unknown[] = [];
    b.ydoc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    release();
    expect(text(b.ydoc)).toBe('held');
    expect(origins).toEqual([LOCAL_DOC_ORIGIN]);
  });

  it('applies nothing until the last of several holds is released; a second release call does nothing', async () => {
    const { b, typeInA } = await twoTabs();
    const first = b.doc.holdRemote();
    const second = b.doc.holdRemote();
    await typeInA('one ');
    await typeInA('two');
    first();
    first();
    expect(text(b.ydoc)).toBe('');
    second();
    expect(text(b.ydoc)).toBe('one two');
    // Not held any more: the next record applies as it arrives.
    await typeInA('!');
    expect(text(b.ydoc)).toBe('one two!');
  });

  it("does not hold this tab's own edits back from storage", async () => {
    const { storage, secrets, b } = await twoTabs();
    const release = b.doc.holdRemote();
    b.ydoc.getText('body').insert(0, '한글');
    await b.doc.flush();
    expect(text((await openDoc(storage, secrets, { leader: neverLeader })).ydoc)).toBe('한글');
    release();
  });

  it('a compaction while held neither folds nor deletes the held records; nothing is lost', async () => {
    const { storage, secrets, b, typeInA } = await twoTabs({ leaderB: true });
    const release = b.doc.holdRemote();
    await typeInA('AAA ');
    await typeInA('BBB ');
    // B's own edits push it past maxRecords: it compacts while A's records are held.
    b.ydoc.getText('body').insert(0, 'b ');
    await b.doc.flush();
    b.ydoc.getText('body').insert(0, 'b ');
    await b.doc.flush();
    await b.doc.compact();
    await b.doc.whenIdle();
    expect(await storage.keys(`doc/${secrets.docId}/s/`)).toHaveLength(1);
    expect(text(b.ydoc)).toBe('b b ');
    // Concurrent inserts at the start: their order depends on the client ids, so compare with what is stored.
    const stored = text((await openDoc(storage, secrets, { leader: neverLeader })).ydoc);
    expect([...stored].sort().join('')).toBe([...'b b AAA BBB '].sort().join(''));
    release();
    expect(text(b.ydoc)).toBe(stored);
    await b.doc.compact();
    expect(text((await openDoc(storage, secrets, { leader: neverLeader })).ydoc)).toBe(stored);
  });

  it('a release after close applies nothing to the closed document; the records stay in storage', async () => {
    const { storage, secrets, b, typeInA } = await twoTabs();
    const release = b.doc.holdRemote();
    await typeInA('later');
    await b.doc.close();
    const updates: Uint8Array[] = [];
    b.ydoc.on('update', (u: Uint8Array) => updates.push(u));
    release();
    expect(updates).toHaveLength(0);
    expect(text((await openDoc(storage, secrets, { leader: neverLeader })).ydoc)).toBe('later');
  });

  it('held records from different tabs apply in one transaction (one editor re-render)', async () => {
    const { storage, secrets } = await newDoc();
    const hub = new MemoryNotifierHub(false);
    const tabs = [];
    for (let i = 0; i < 3; i++)
      tabs.push(await openDoc(storage, secrets, { leader: neverLeader, notifier: hub.notifier() }));
    const [x, y, z] = tabs as [(typeof tabs)[0], (typeof tabs)[0], (typeof tabs)[0]];
    const release = z.doc.holdRemote();
    x.ydoc.getText('body').insert(0, 'x');
    await x.doc.flush();
    y.ydoc.getText('body').insert(0, 'y');
    await y.doc.flush();
    hub.deliverAll();
    await z.doc.whenIdle();
    let transactions = 0;
    z.ydoc.on('afterTransaction', () => transactions++);
    release();
    expect(transactions).toBe(1);
    const expected = new Y.Doc();
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(x.ydoc));
    Y.applyUpdate(expected, Y.encodeStateAsUpdate(y.ydoc));
    expect(text(z.ydoc)).toBe(text(expected));
  });
});
