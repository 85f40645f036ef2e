/**
 * The relays in the sync details (issue #6), in Chromium: what a person sees for the document's relays,
 * the "suggested — use?" button, confirming and declining, removing with a confirmation, adding, and
 * the who-is-here list saying how each person is reached.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { SyncStatus as EngineStatus } from '@dure/shared/sync/types';
import { SyncStatus } from '../src/editor/sync-status';
import { createPeerList } from '../src/editor/share';
import { setLocale } from '../src/i18n/i18n';
import type { PeerView } from '../src/sync/doc-sync';
import type { PrefStore } from '../src/sync/prefs';
import { RelayList } from '../src/sync/relay-list';
import { listedRelays, listRelays } from '../src/sync/relays';

const A = 'ws://127.0.0.1:4001/sync';
const B = 'ws://127.0.0.1:4002/sync';

function memoryStore(): PrefStore {
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

const synced = (ids: string[], pending: Record<string, number> = {}): EngineStatus => ({
  state: 'synced',
  pending: 0,
  transports: ids.map((id) => ({ id, kind: 'relay' as const, state: 'synced' as const, pending: pending[id] ?? 0 })),
  problems: [],
});

const nextFrame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
const q = (sel: string): HTMLElement | null => document.querySelector(sel);
const row = (url: string): HTMLElement | null => q(`[data-testid="relay"][data-url="${url}"]`);
const click = (el: Element | null | undefined): void => {
  if (!el) throw new Error('nothing to click');
  (el as HTMLElement).click();
};

afterEach(() => {
  document.querySelectorAll('dialog').forEach((d) => d.remove());
  document.body.replaceChildren();
});

describe('relays in the sync details', () => {
  it('a suggestion shows on the details button; using it or declining it is this device’s choice', async () => {
    setLocale('en');
    const doc = new Y.Doc();
    listRelays(doc, [A, B]);
    const store = memoryStore();
    const relays = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: true, store });
    const s = new SyncStatus();
    document.body.append(s.el, s.details);
    s.setSync(synced([A]));
    s.setRelays(relays);
    expect(s.details.hidden).toBe(false);
    expect(s.details.textContent).toBe('1 sync server suggested — use?');
    expect(s.details.dataset.suggested).toBe('1');

    click(s.details);
    await nextFrame();
    expect(row(A)?.dataset.use).toBe('used');
    expect(row(A)?.dataset.state).toBe('synced');
    expect(row(A)?.textContent).toContain('127.0.0.1:4001');
    expect(row(B)?.dataset.use).toBe('suggested');
    expect(row(B)?.textContent).toContain('sees your IP address');
    expect(q('[data-testid="relay-suggestion"]')?.textContent).toBe('1 sync server suggested — use?');

    click(row(B)?.querySelector('[data-testid="relay-decline"]'));
    expect(row(B)?.dataset.use).toBe('declined');
    expect(relays.used).toEqual([A]);
    expect(s.details.textContent).toBe('Details');

    click(row(B)?.querySelector('[data-testid="relay-use"]'));
    expect(row(B)?.dataset.use).toBe('used');
    // Used now, not yet connected: it says so rather than "synced".
    expect(row(B)?.dataset.state).toBe('connecting');
    // Connected and still taking this device's changes: how many it has not acknowledged yet.
    s.setSync(synced([A, B], { [B]: 2 }));
    expect(row(B)?.dataset.state).toBe('synced');
    expect(row(B)?.dataset.pending).toBe('2');
    expect(row(B)?.querySelector('[data-testid="relay-pending"]')?.textContent).toBe(
      '2 changes not acknowledged here yet',
    );
    s.setSync(synced([A, B]));
    expect(row(B)?.dataset.pending).toBe('0');
    expect(row(B)?.querySelector('[data-testid="relay-pending"]')).toBeNull();
    expect(relays.used).toEqual([A, B]);
    s.dispose();
  });

  it('removing a relay asks first, then takes it off the document’s list; cancelling changes nothing', async () => {
    setLocale('en');
    const doc = new Y.Doc();
    listRelays(doc, [A, B]);
    const relays = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: true, store: memoryStore() });
    relays.choose(B, true);
    const s = new SyncStatus();
    document.body.append(s.el, s.details);
    s.setSync(synced([A, B]));
    s.setRelays(relays);
    click(s.details);
    await nextFrame();

    click(row(A)?.querySelector('[data-testid="relay-remove"]'));
    await nextFrame();
    const confirm = q('[data-testid="relay-remove-dialog"]');
    expect(confirm?.textContent).toContain('Remove 127.0.0.1:4001?');
    expect(confirm?.textContent).toContain('is not deleted by this');
    click([...confirm!.querySelectorAll('button')].find((b) => b.textContent === 'Cancel'));
    await nextFrame();
    expect(listedRelays(doc)).toEqual([A, B]);

    click(row(A)?.querySelector('[data-testid="relay-remove"]'));
    await nextFrame();
    click(q('[data-testid="relay-remove-dialog-confirm"]'));
    await nextFrame();
    expect(listedRelays(doc)).toEqual([B]);
    expect(relays.used).toEqual([B]);
    expect(row(A)).toBeNull();
    // The last relay cannot be removed: every device would be left with nowhere to sync.
    expect(row(B)?.querySelector('[data-testid="relay-remove"]')).toBeNull();
    s.dispose();
  });

  it('adding a relay lists it with this device’s own and refuses what is not an address', async () => {
    setLocale('en');
    const doc = new Y.Doc();
    const relays = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: true, store: memoryStore() });
    const s = new SyncStatus();
    document.body.append(s.el, s.details);
    s.setSync(synced([A]));
    s.setRelays(relays);
    click(s.details);
    await nextFrame();
    const input = q('[data-testid="relay-add-input"]') as HTMLInputElement;
    input.value = 'ftp://nope';
    click(q('[data-testid="relay-add"]'));
    expect(q('[data-testid="relay-add-error"]')?.textContent).toContain('not a sync server address');
    expect(listedRelays(doc)).toEqual([]);
    input.value = 'http://127.0.0.1:4002/';
    click(q('[data-testid="relay-add"]'));
    expect(q('[data-testid="relay-add-error"]')?.textContent).toBe('');
    expect(listedRelays(doc)).toEqual([A, B]);
    expect(row(B)?.dataset.use).toBe('used');
    s.dispose();
  });

  it('a view link sees no add form and may only stop using a relay', async () => {
    setLocale('ko');
    const doc = new Y.Doc();
    listRelays(doc, [A, B]);
    const relays = new RelayList({ docId: 'd', ydoc: doc, own: A, canEdit: false, store: memoryStore() });
    const s = new SyncStatus();
    document.body.append(s.el, s.details);
    s.setSync(synced([A]));
    s.setRelays(relays);
    expect(s.details.textContent).toBe('추천된 동기화 서버 1개 — 사용할까요?');
    click(s.details);
    await nextFrame();
    expect((q('[data-testid="relay-add-form"]') as HTMLElement).hidden).toBe(true);
    expect(row(A)?.querySelector('[data-testid="relay-remove"]')).toBeNull();
    click(row(A)?.querySelector('[data-testid="relay-decline"]'));
    expect(relays.used).toEqual([]);
    expect(listedRelays(doc)).toEqual([A, B]);
    s.dispose();
    setLocale('en');
  });
});

describe('who is here, and how', () => {
  it('says for each collaborator whether they are reached directly or through which relay', () => {
    setLocale('en');
    let cb: ((p: readonly PeerView[]) => void) | undefined;
    const peers: PeerView[] = [
      { clientId: 1, name: 'Me', color: '#00796b', self: true },
      { clientId: 2, name: '민수', color: '#c2185b', self: false, via: { direct: true, relays: [] } },
      {
        clientId: 3,
        name: 'Ana',
        color: '#3949ab',
        self: false,
        via: { direct: false, relays: ['relay.example.org'] },
      },
      { clientId: 4, name: 'Kim', color: '#3949ab', self: false, via: { direct: false, relays: [] } },
    ];
    const list = createPeerList({ peers, on: (_e, f) => ((cb = f as typeof cb), () => undefined) });
    document.body.append(list.el);
    const via = [...list.el.querySelectorAll('[data-testid="peer"]')].map(
      (li) => li.querySelector('[data-testid="peer-via"]')?.textContent ?? null,
    );
    expect(via).toEqual([null, 'directly', 'via relay.example.org', 'not connected now']);
    cb?.([peers[0]!, { ...peers[2]!, via: { direct: false, relays: ['a.example', 'b.example'] } }]);
    expect(list.el.querySelector('[data-testid="peer-via"]')?.textContent).toBe('via a.example, b.example');
  });
});
