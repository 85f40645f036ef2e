/**
 * Several relays per document (issue #6): the list inside the Y.Doc, this device's choices, the plan of
 * which relays to contact, and the sync view following the plan (node; a Map as localStorage).
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness } from 'y-protocols/awareness';
import type { DocKeys, Storage } from '@dure/shared';
import type { DocSession, SyncStatus, Transport } from '@dure/shared/sync/types';
import type { PrefStore } from '../src/sync/prefs';
import { RelayList } from '../src/sync/relay-list';
import {
  forgetRelayChoices,
  listedRelays,
  listRelays,
  loadRelayChoices,
  planRelays,
  RELAYS_MAP,
  relayHost,
  saveRelayChoice,
  unlistRelay,
} from '../src/sync/relays';
import { openSyncView, type SyncEngine } from '../src/sync/doc-sync';

function memoryStore(): PrefStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** Two replicas of one document, each update delivered to the other at once (as the relay would). */
function pair(): [Y.Doc, Y.Doc] {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(b, u, 'remote'));
  b.on('update', (u: Uint8Array, origin: unknown) => origin !== 'remote' && Y.applyUpdate(a, u, 'remote'));
  return [a, b];
}

const A = 'ws://127.0.0.1:4001/sync';
const B = 'ws://127.0.0.1:4002/sync';
const C = 'wss://relay.example.org/sync';

describe('the list inside the document', () => {
  it('holds normalized relay URLs, sorted, and ignores keys that are not relay URLs', () => {
    const doc = new Y.Doc();
    expect(listRelays(doc, ['relay.example.org', 'http://127.0.0.1:4001/'])).toBeUndefined();
    doc.getMap(RELAYS_MAP).set('javascript:alert(1)', true);
    doc.getMap(RELAYS_MAP).set('wss://relay.example.org', true); // not normalized: not the same key
    expect(listedRelays(doc)).toEqual([A, C]);
    unlistRelay(doc, C);
    expect(listedRelays(doc)).toEqual([A]);
  });

  it('refuses what is not a relay address and more than 8 relays', () => {
    const doc = new Y.Doc();
    expect(listRelays(doc, ['ftp://x.example'])).toBe('invalid');
    expect(listRelays(doc, ['wss://u:p@x.example'])).toBe('invalid');
    const many = Array.from({ length: 9 }, (_, i) => `wss://r${i}.example.org`);
    expect(listRelays(doc, many)).toBe('too-many');
    expect(listedRelays(doc)).toEqual([]);
  });

  it('reaches a collaborator with the document', () => {
    const [a, b] = pair();
    listRelays(a, [B]);
    expect(listedRelays(b)).toEqual([B]);
  });
});

describe('which relays this device uses', () => {
  const none = { use: [], decline: [] };

  it('an empty list: this device’s own relay, or none', () => {
    expect(planRelays([], A, none)).toEqual([{ url: A, use: 'used', listed: false }]);
    expect(planRelays([], undefined, none)).toEqual([]);
  });

  it('a listed relay someone else added is only suggested until this person says yes', () => {
    expect(planRelays([A, B], A, none)).toEqual([
      { url: A, use: 'used', listed: true },
      { url: B, use: 'suggested', listed: true },
    ]);
    expect(planRelays([A, B], A, { use: [B], decline: [] }).map((p) => p.use)).toEqual(['used', 'used']);
    expect(planRelays([A, B], A, { use: [], decline: [B] }).map((p) => p.use)).toEqual(['used', 'declined']);
  });

  it('once the list is not empty, this device’s own relay is used only if listed (moving off a server)', () => {
    expect(planRelays([B], A, { use: [B], decline: [] })).toEqual([{ url: B, use: 'used', listed: true }]);
    expect(planRelays([B], A, none)).toEqual([{ url: B, use: 'suggested', listed: true }]);
  });

  it('a declined relay stays unused even when it is this device’s own', () => {
    expect(planRelays([A, B], A, { use: [B], decline: [A] }).map((p) => p.use)).toEqual(['declined', 'used']);
  });

  it('choices are kept per document and survive a reload; garbage in storage counts as no choice', () => {
    const store = memoryStore();
    saveRelayChoice('doc1', B, true, store);
    saveRelayChoice('doc1', C, false, store);
    expect(loadRelayChoices('doc1', store)).toEqual({ use: [B], decline: [C] });
    expect(loadRelayChoices('doc2', store)).toEqual({ use: [], decline: [] });
    saveRelayChoice('doc1', B, undefined, store);
    saveRelayChoice('doc1', C, undefined, store);
    expect(store.map.size).toBe(0);
    saveRelayChoice('doc4', B, true, store);
    forgetRelayChoices('doc4', store);
    expect(store.map.has('dure.relays.doc4')).toBe(false);
    store.setItem('dure.relays.doc3', '{not json');
    expect(loadRelayChoices('doc3', store)).toEqual({ use: [], decline: [] });
    store.setItem('dure.relays.doc3', JSON.stringify({ use: ['javascript:x', 7, B] }));
    expect(loadRelayChoices('doc3', store)).toEqual({ use: [B], decline: [] });
  });

  it('names a relay by its host', () => {
    expect(relayHost(C)).toBe('relay.example.org');
    expect(relayHost(A)).toBe('127.0.0.1:4001');
  });
});

describe('RelayList between two collaborators', () => {
  it('adding a relay lists this device’s own with it and uses both; the other device is only asked', () => {
    const [docA, docB] = pair();
    const alice = new RelayList({ docId: 'd', ydoc: docA, own: A, canEdit: true, store: memoryStore() });
    const bob = new RelayList({ docId: 'd', ydoc: docB, own: A, canEdit: true, store: memoryStore() });
    const seen: string[][] = [];
    bob.on(() => seen.push([...bob.used]));
    expect(alice.add('http://127.0.0.1:4002')).toBeUndefined();
    expect(listedRelays(docA)).toEqual([A, B]);
    expect(alice.used).toEqual([A, B]);
    expect(bob.used).toEqual([A]);
    expect(bob.plan.find((p) => p.url === B)?.use).toBe('suggested');
    bob.choose(B, true);
    expect(bob.used).toEqual([A, B]);
    expect(seen.at(-1)).toEqual([A, B]);
  });

  it('removing a relay stops every device using it; the last listed relay cannot be moved off silently', () => {
    const [docA, docB] = pair();
    const alice = new RelayList({ docId: 'd', ydoc: docA, own: A, canEdit: true, store: memoryStore() });
    const bob = new RelayList({ docId: 'd', ydoc: docB, own: A, canEdit: true, store: memoryStore() });
    alice.add(B);
    bob.choose(B, true);
    alice.remove(A); // moving to B: add it, wait for synced, remove the old one
    expect(alice.used).toEqual([B]);
    expect(bob.used).toEqual([B]);
  });

  it('a choice made in another tab (a storage event) changes the plan here', () => {
    const doc = new Y.Doc();
    listRelays(doc, [A, B]);
    const store = memoryStore();
    const events = new EventTarget();
    const list = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: true, store, events: events as Window });
    expect(list.used).toEqual([A]);
    saveRelayChoice('d', B, true, store); // what the other tab wrote
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'dure.relays.other-doc' }));
    expect(list.used).toEqual([A]);
    events.dispatchEvent(Object.assign(new Event('storage'), { key: 'dure.relays.d' }));
    expect(list.used).toEqual([A, B]);
    list.dispose();
  });

  it('a view link cannot change the list, only choose', () => {
    const doc = new Y.Doc();
    listRelays(doc, [A, B]);
    const viewer = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: false, store: memoryStore() });
    expect(viewer.add(C)).toBe('view-only');
    viewer.remove(A);
    expect(listedRelays(doc)).toEqual([A, B]);
    expect(viewer.used).toEqual([]);
  });
});

// ---- the sync view following the plan -----------------------------------------------------------------------

interface FakeSession extends DocSession {
  transports: string[];
  closed: boolean;
}

function fakeEngine(): SyncEngine & { sessions: FakeSession[] } {
  const sessions: FakeSession[] = [];
  return {
    sessions,
    createTransport: (url) => ({ id: url, kind: 'relay' }) as unknown as Transport,
    startSession: (opts) => {
      const status: SyncStatus = { state: 'connecting', pending: 0, transports: [], problems: [] };
      const s = {
        docId: 'd',
        kind: 'edit',
        awareness: new Awareness(opts.ydoc),
        status,
        transports: opts.transports.map((t) => t.id),
        closed: false,
        on: () => () => undefined,
        setUser: () => undefined,
        holdRemote: () => () => undefined,
        close: async () => void (s.closed = true),
        addTransport: (t: Transport) => void s.transports.push(t.id),
        removeTransport: (id: string) => void (s.transports = s.transports.filter((x) => x !== id)),
        presenceRoute: () => undefined,
      } as unknown as FakeSession;
      sessions.push(s);
      return Promise.resolve(s);
    },
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise((r) => setTimeout(r, 0));
}

describe('the sync view keeps one transport per used relay', () => {
  it('through addTransport/removeTransport on the running session', async () => {
    const [docA, docB] = pair();
    const engine = fakeEngine();
    const store = memoryStore();
    const view = openSyncView({
      docId: 'd',
      ydoc: docB,
      keys: { kind: 'edit' } as DocKeys,
      docKey: new Uint8Array(32),
      storage: {} as Storage,
      engine,
      config: { url: A, user: { name: 'Bob', color: '#00796b' } },
      prefs: store,
    });
    await settle();
    const current = (): FakeSession => engine.sessions.at(-1)!;
    expect(current().transports).toEqual([A]);
    // A collaborator lists B: suggested, so nothing connects to it yet.
    new RelayList({ docId: 'd', ydoc: docA, own: A, canEdit: true, store: memoryStore() }).add(B);
    await settle();
    expect(current().transports).toEqual([A]);
    expect(view.relays?.plan.map((p) => `${p.url} ${p.use}`)).toEqual([`${A} used`, `${B} suggested`]);
    view.relays!.choose(B, true);
    await settle();
    expect(current().transports.sort()).toEqual([A, B]);
    // Removing A from the document (someone moved it to B): this device stops using A.
    unlistRelay(docA, A);
    await settle();
    expect(current().transports).toEqual([B]);
    expect(engine.sessions.length).toBe(1);
    await view.close();
    expect(current().closed).toBe(true);
  });

  it('a document listing only relays this device has not chosen contacts none of them', async () => {
    const doc = new Y.Doc();
    listRelays(doc, [B]);
    const engine = fakeEngine();
    const view = openSyncView({
      docId: 'd',
      ydoc: doc,
      keys: { kind: 'edit' } as DocKeys,
      docKey: new Uint8Array(32),
      storage: {} as Storage,
      engine,
      config: { url: A, user: { name: 'Bob', color: '#00796b' } },
      prefs: memoryStore(),
    });
    await settle();
    expect(engine.sessions).toEqual([]);
    expect(view.status.state).toBe('local');
    let reload = 0;
    view.on('reopen-needed', () => reload++);
    view.relays!.choose(B, true);
    expect(reload).toBe(1);
    await view.close();
  });
});
