/**
 * "The sync status never lies" when the network fails silently: a relay connection that stays open with
 * nothing behind it (dropped Wi-Fi, a NAT entry gone, a hung relay) must not keep saying `synced`. The
 * hostile relay in the middle swallows every frame in both directions without closing anything; the
 * session must notice through its liveness probe, leave `synced`, keep the edit pending, and deliver it
 * once the path works again.
 */
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability } from '@dure/shared/crypto/capability';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession } from '@dure/shared/sync/session';
import type { SyncState } from '@dure/shared/sync/types';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { startHostileRelay, type HostileRelay } from './hostile-relay';
import { startTestServer, type TestServer } from './server';

let server: TestServer;
let relay: HostileRelay;

beforeAll(async () => {
  server = await startTestServer();
  relay = await startHostileRelay(server.url);
});
afterAll(async () => {
  await relay?.close();
  await server?.stop();
});

/** Guards against a hang only: nothing asserts how long anything took. */
const WAIT = { timeout: 20_000, interval: 25 };

it('a connection that goes silent without closing leaves "synced"; the edit stays pending and arrives afterwards', async () => {
  const keys = deriveDocKeys(newEditCapability());
  const open = async (url: string, probe: boolean) => {
    const ydoc = new Y.Doc();
    const session = await startSession({
      ydoc,
      keys,
      storage: new MemoryStorage(),
      docKey: randomBytes(32),
      transports: [createWebSocketTransport({ url, WebSocket })],
      ...(probe ? { probeIdleMs: 300, probeTimeoutMs: 300 } : {}),
    });
    return { ydoc, session, text: () => ydoc.getText('t').toString() };
  };
  const other = await open(server.url, false);
  other.ydoc.getText('t').insert(0, 'base ');
  await other.session.whenAcknowledged();

  const me = await open(relay.url, true);
  await me.session.whenSynced();
  await vi.waitFor(() => expect(me.text()).toBe('base '), WAIT);
  const states: SyncState[] = [];
  me.session.on('status', (s) => states.push(s.state));

  // The path goes dead; the socket stays open on both ends.
  const stop = relay.attack({ name: 'blackhole', filter: () => 'drop' });
  me.ydoc.getText('t').insert(5, 'offline ');
  await me.session.flush();
  await vi.waitFor(() => expect(me.session.status.state).not.toBe('synced'), WAIT);
  expect(me.session.status.pending).toBeGreaterThan(0);
  expect(other.text()).toBe('base ');

  // The path works again: the session reconnects by itself and the edit is delivered.
  stop();
  await vi.waitFor(() => expect(me.session.status.state).toBe('synced'), WAIT);
  await me.session.whenAcknowledged();
  await vi.waitFor(() => expect(other.text()).toBe('base offline '), WAIT);
  expect(me.session.status.pending).toBe(0);
  expect(states).toContain('connecting');

  await me.session.close();
  await other.session.close();
}, 60_000);

it('an alive but quiet relay keeps the connection: probes are answered and the state stays synced', async () => {
  const keys = deriveDocKeys(newEditCapability());
  const ydoc = new Y.Doc();
  const session = await startSession({
    ydoc,
    keys,
    storage: new MemoryStorage(),
    docKey: randomBytes(32),
    transports: [createWebSocketTransport({ url: server.url, WebSocket })],
    probeIdleMs: 100,
    probeTimeoutMs: 2_000,
  });
  ydoc.getText('t').insert(0, 'x');
  await session.whenAcknowledged();
  const states: SyncState[] = [];
  session.on('status', (s) => states.push(s.state));
  // several probe rounds with no traffic at all
  await new Promise((r) => setTimeout(r, 1_000));
  expect(states.filter((s) => s !== 'synced')).toEqual([]);
  expect(session.status.state).toBe('synced');
  await session.close();
}, 60_000);
