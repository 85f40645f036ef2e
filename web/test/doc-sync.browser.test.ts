/**
 * One sync session per document across tabs (real Web Locks, real BroadcastChannel, the real session):
 * the first SyncView leads and runs the session, a second one follows and shows the leader's status
 * and who is here, and takes over when the leader closes the document.
 */
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { applyAwarenessUpdate, Awareness, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession } from '@dure/shared/sync/session';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { openSyncView, STATUS_CHANNEL, type SyncEngine, type SyncView } from '../src/sync/doc-sync';

const engine: SyncEngine = {
  startSession: (opts) => startSession(opts),
  createTransport: (url) => createWebSocketTransport({ url }),
};
/** Nothing listens there: the session keeps trying, which is all these tests need from a relay. */
const NO_RELAY = 'ws://127.0.0.1:9/sync';

const open: SyncView[] = [];
afterEach(async () => {
  for (const v of open.splice(0)) await v.close();
});

const ydocs = new WeakMap<SyncView, Y.Doc>();
/** each view's BroadcastChannel, so a test can cut a tab off as if it had died */
const channels = new WeakMap<SyncView, BroadcastChannel>();

function tab(keys: ReturnType<typeof deriveDocKeys>, name: string, locks: boolean = true): SyncView {
  const ydoc = new Y.Doc();
  let channel: BroadcastChannel | undefined;
  const v = openSyncView({
    docId: keys.docId,
    ydoc,
    keys,
    docKey: randomBytes(32),
    storage: new MemoryStorage(),
    engine,
    config: { url: NO_RELAY, user: { name, color: '#3949ab' } },
    ...(locks ? { locks: navigator.locks } : {}),
    channel: () => (channel = new BroadcastChannel(STATUS_CHANNEL)),
  });
  open.push(v);
  ydocs.set(v, ydoc);
  if (channel) channels.set(v, channel);
  return v;
}

async function until(cond: () => boolean, what: string, tries = 400): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('one session per document across tabs', () => {
  it('the second tab follows the leader, then takes over when it closes', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const first = tab(keys, '첫째 탭');
    await until(() => first.role === 'leader', 'the first tab to lead');
    expect(first.awareness).toBeDefined();
    expect(first.status.state).not.toBe('local');

    const second = tab(keys, '둘째 탭');
    await until(() => second.role === 'follower', 'the second tab to follow');
    expect(second.awareness).toBeUndefined();
    expect(second.status.state).toBe(first.status.state);
    // Who is here, as the leader sees it; the leader's person is this person.
    await until(() => second.peers.some((p) => p.name === '첫째 탭'), 'the leader to post who is here');
    expect(second.peers.find((p) => p.name === '첫째 탭')?.self).toBe(true);

    first.setUser({ name: 'Renamed 새 이름', color: '#00796b' });
    await until(() => second.peers.some((p) => p.name === 'Renamed 새 이름'), 'the rename to reach the follower');

    await first.close();
    open.splice(open.indexOf(first), 1);
    await until(() => second.role === 'leader', 'the second tab to take over');
    expect(second.awareness).toBeDefined();
    expect(second.peers.find((p) => p.self)?.name).toBe('둘째 탭');
  });

  it("a follower's own edit counts as pending until the leader has taken it in", async () => {
    const keys = deriveDocKeys(newEditCapability());
    const leader = tab(keys, 'L');
    await until(() => leader.role === 'leader', 'the leader');
    const follower = tab(keys, 'F');
    await until(() => follower.role === 'follower', 'the follower');
    await until(() => follower.status.pending === leader.status.pending, 'the same count');

    const fdoc = ydocs.get(follower)!;
    fdoc.getText('t').insert(0, '따라가는 탭에서 쓴 글');
    // Not in the leader's Y.Doc yet: one more change than the leader knows of.
    expect(follower.status.pending).toBe(leader.status.pending + 1);

    // What LocalDoc records do between tabs: the edit reaches the leader's Y.Doc, its session takes it.
    const heard: number[] = [];
    follower.on('status', (st) => heard.push(st.pending));
    Y.applyUpdate(ydocs.get(leader)!, Y.encodeStateAsUpdate(fdoc));
    await until(() => leader.status.pending > 0, 'the leader to count the edit');
    // The leader's next post carries its state vector: the follower stops counting the edit twice.
    await until(() => heard.length > 0, 'the leader to post its status');
    expect(heard.at(-1)).toBe(leader.status.pending);
  });

  it("collaborators' carets reach a tab that does not run the session", async () => {
    const keys = deriveDocKeys(newEditCapability());
    const leader = tab(keys, 'L');
    await until(() => leader.role === 'leader', 'the leader');
    const follower = tab(keys, 'F');
    await until(() => follower.role === 'follower', 'the follower');

    // Someone on another device, as the leader's presence channel would apply them.
    const remote = new Awareness(new Y.Doc());
    remote.setLocalState({ user: { name: '다른 기기', color: '#00796b' }, cursor: null });
    applyAwarenessUpdate(leader.awareness!, encodeAwarenessUpdate(remote, [remote.clientID]), 'remote');

    await until(() => follower.awareness?.getStates().has(remote.clientID) === true, 'the caret state in the follower');
    const state = follower.awareness!.getStates().get(remote.clientID) as { user: { name: string } };
    expect(state.user.name).toBe('다른 기기');
    // The follower publishes nothing of its own, and the leader's own state is not mirrored as a caret.
    expect(follower.awareness!.getLocalState()).toBeNull();
    expect(follower.awareness!.getStates().has(leader.awareness!.clientID)).toBe(false);

    // They leave: gone in the follower too.
    remote.setLocalState(null);
    applyAwarenessUpdate(leader.awareness!, encodeAwarenessUpdate(remote, [remote.clientID]), 'remote');
    await until(() => !follower.awareness!.getStates().has(remote.clientID), 'the caret to go');
    remote.destroy();
  });

  it('without Web Locks (plain http) one tab runs the session, also when tabs open at once', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const tabs = [tab(keys, 'A', false), tab(keys, 'B', false), tab(keys, 'C', false)];
    const settled = (): boolean =>
      tabs.filter((t) => t.role === 'leader').length === 1 && tabs.filter((t) => t.role === 'follower').length === 2;
    await until(settled, 'one leader and two followers');
    const leader = tabs.find((t) => t.role === 'leader')!;
    await leader.close();
    open.splice(open.indexOf(leader), 1);
    const rest = tabs.filter((t) => t !== leader);
    await until(
      () => rest.filter((t) => t.role === 'leader').length === 1 && rest.some((t) => t.role === 'follower'),
      'a new single leader',
    );
  });

  it('without Web Locks a follower takes over from a leader tab that went silent without a goodbye', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const first = tab(keys, 'A', false);
    await until(() => first.role === 'leader', 'the first tab to lead');
    const second = tab(keys, 'B', false);
    await until(() => second.role === 'follower', 'the second tab to follow');
    // A killed or crashed tab: no 'gone' message, and nothing answers any more (no lock to release either).
    channels.get(first)!.close();
    // Bounded (the follower's watch takes some seconds), not timed.
    await until(() => second.role === 'leader', 'the follower to take over', 1200);
    expect(second.awareness).toBeDefined();
  });

  it('another document has its own leader', async () => {
    const a = tab(deriveDocKeys(newEditCapability()), 'A');
    const b = tab(deriveDocKeys(newEditCapability()), 'B');
    await until(() => a.role === 'leader' && b.role === 'leader', 'both to lead');
  });

  it('without a relay the view is local and runs no session', () => {
    const keys = deriveDocKeys(newEditCapability());
    const v = openSyncView({
      docId: keys.docId,
      ydoc: new Y.Doc(),
      keys,
      docKey: randomBytes(32),
      storage: new MemoryStorage(),
      engine,
      config: { url: undefined, user: { name: '혼자', color: '#3949ab' } },
    });
    open.push(v);
    expect(v.role).toBe('off');
    expect(v.status.state).toBe('local');
    expect(v.peers.map((p) => [p.name, p.self])).toEqual([['혼자', true]]);
  });
});
