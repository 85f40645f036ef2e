/**
 * Adding a relay to a running document (issue #6) uploads the document to it, at once and without anyone
 * typing: two real sync-server processes, real sessions. Also: the who-is-here route names the relay
 * a collaborator's presence came through.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { startTestServer, type TestServer } from './server';
import { Device, newDocKeys, until } from './sessions';

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startTestServer(), startTestServer()]);
});
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
});

const relay = (s: TestServer) => createWebSocketTransport({ url: s.url, WebSocket });

describe('adding a relay', () => {
  it('uploads the whole document there without a new edit, and reports no lost history', async () => {
    const { edit } = newDocKeys();
    const one = new Device(a.url, edit);
    const two = new Device(a.url, edit);
    const s1 = await one.start();
    const s2 = await two.start();
    one.ydoc.getText('t').insert(0, 'from one, acknowledged by A. ');
    await s1.whenAcknowledged();
    await until(() => two.text.includes('from one'), 'two to receive');
    two.ydoc.getText('t').insert(two.text.length, 'from two. ');
    await s2.whenAcknowledged();
    await until(() => one.text === two.text, 'one to receive');
    const text = one.text;

    // One adds relay B; nobody types afterwards.
    s1.addTransport(relay(b));
    await until(() => s1.status.transports.find((t) => t.id === b.url)?.state === 'synced', 'B synced');
    await s1.whenAcknowledged();

    // A fresh device that knows only B reads everything, including what two wrote (one had applied it).
    const reader = new Device(b.url, edit);
    const sr = await reader.start();
    await sr.whenSynced();
    await until(() => reader.text === text, 'the reader to get the whole document from B');
    expect(s1.status.problems.filter((p) => p.detail === 'history-lost')).toEqual([]);
    await Promise.all([one.close(), two.close(), reader.close()]);
  }, 60_000);

  it('a device whose session starts with a relay it never used (a relay confirmed later) uploads there too', async () => {
    const { edit } = newDocKeys();
    const one = new Device(a.url, edit);
    const s1 = await one.start();
    one.ydoc.getText('t').insert(0, 'only on A so far. ');
    await s1.whenAcknowledged();
    await one.close();
    // Reopened with both relays (as the web app does after "Use" in another tab and a reload).
    const s = await one.start({ transports: [relay(a), relay(b)] });
    await until(() => s.status.transports.every((t) => t.state === 'synced'), 'both relays synced');
    await s.whenAcknowledged();
    const reader = new Device(b.url, edit);
    const sr = await reader.start();
    await sr.whenSynced();
    await until(() => reader.text === 'only on A so far. ', 'the reader to get it from B');
    expect(s.status.problems).toEqual([]);
    await Promise.all([one.close(), reader.close()]);
  }, 60_000);

  it('names the relay through which each collaborator’s presence arrives', async () => {
    const { edit } = newDocKeys();
    const one = new Device(a.url, edit);
    const two = new Device(b.url, edit);
    const s1 = await one.start({ transports: [relay(a), relay(b)] });
    const s2 = await two.start();
    await Promise.all([s1.whenSynced(), s2.whenSynced()]);
    s2.setUser({ name: 'Two', color: '#00796b' });
    const route = (): { id: string; kind: string } | undefined =>
      (s1 as unknown as { presenceRoute(id: number): { id: string; kind: string } | undefined }).presenceRoute(
        s2.awareness.clientID,
      );
    await until(() => route() !== undefined, 'two’s presence to reach one');
    expect(route()).toEqual({ id: b.url, kind: 'relay' });
    await Promise.all([one.close(), two.close()]);
  }, 60_000);
});
