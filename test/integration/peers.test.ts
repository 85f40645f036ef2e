/**
 * Peers beside real relays: two devices linked directly (a memory peer link) and through the real
 * sync-server keep converging when the relay process is killed, and the restarted relay gets every edit,
 * including those a device made while it could reach only its peer (forwarded by the peer that reconnects).
 * And E2EE 4.8 #7: two hostile relays under one address show two devices different snapshot chains; once
 * the devices meet as peers both report the fork, and neither throws anything away.
 */
import { decodeFrame } from '@dure/shared/protocol/index';
import { createMemoryTransportPair } from '@dure/shared/sync/memory-transport';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startHostileRelay, type HostileRelay } from './hostile-relay';
import { PeerDevice } from './peer-devices';
import { startTestServer, type TestServer } from './server';
import { CuttableTransport, newDocKeys, until } from './sessions';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server?.stop();
});

describe('peers and a real relay', () => {
  it('the relay is killed: the peers keep converging; restarted, it gets everything, also what only a peer carried', async () => {
    const { edit } = newDocKeys();
    const a = new PeerDevice('A', edit);
    const b = new PeerDevice('B', edit);
    const link = createMemoryTransportPair({ ids: ['peer:B', 'peer:A'] });
    const relayA = new CuttableTransport(server.url);
    const relayB = new CuttableTransport(server.url);
    const fresh = new PeerDevice('C', edit);
    try {
      await a.start([relayA, link.a]);
      await b.start([relayB, link.b]);
      a.type('첫 문단 ');
      await a.session!.whenAcknowledged();
      await until(() => b.text === '첫 문단 ', 'B reads A');

      await server.kill();
      await until(
        () => a.session!.status.state !== 'synced' && b.session!.status.state !== 'synced',
        'both see the relay gone',
      );
      a.type('A offline ');
      b.type('B offline ');
      await until(() => a.text === b.text && a.text.includes('A offline') && a.text.includes('B offline'), 'peers');
      // B goes away before the relay is back: its offline edit reaches the relay only through A.
      await b.session!.flush();
      await b.close();
      expect(a.session!.status.transports.map((t) => [t.kind, t.state])).toContainEqual(['relay', 'offline']);

      await server.start();
      a.session!.retryNow();
      await a.session!.whenSynced();
      await a.session!.whenAcknowledged();
      const want = a.text;
      await fresh.start([new CuttableTransport(server.url)]);
      await fresh.session!.whenSynced();
      await until(() => fresh.text === want, 'a fresh device reads everything from the relay');
      expect(fresh.text).toContain('B offline');
      expect(fresh.text).toContain('A offline');
      expect(a.session!.status.problems.filter((p) => p.kind !== 'rejected')).toEqual([]);
    } finally {
      for (const d of [a, b, fresh]) await d.close().catch(() => {});
    }
  }, 60_000);
});

describe('#7 a relay that forks (two hostile relays under one address)', () => {
  let other: TestServer;
  const relays: HostileRelay[] = [];
  beforeAll(async () => {
    other = await startTestServer();
  });
  afterAll(async () => {
    for (const r of relays) await r.close();
    await other?.stop();
  });

  it('after A and B exchange heads peer to peer, both report the fork and keep all data', async () => {
    const { edit } = newDocKeys();
    // One address, two logs: what A is shown is not what B is shown.
    const id = 'wss://relay.example/sync';
    const toA = await startHostileRelay(server.url);
    const toB = await startHostileRelay(other.url);
    relays.push(toA, toB);
    const opts = { snapshotEvery: { updates: 3, bytes: 1 << 20 }, random: () => 0, batchMs: 0 };
    const a = new PeerDevice('A', edit, opts);
    const b = new PeerDevice('B', edit, opts);
    const snapshotDone = (r: HostileRelay): boolean =>
      r.log.some((s) => s.dir === 'down' && s.frame?.type === 'done' && s.frame.op === 'snapshot');
    try {
      await a.start([createWebSocketTransport({ url: toA.url, id, WebSocket })]);
      await b.start([createWebSocketTransport({ url: toB.url, id, WebSocket })]);
      for (let i = 0; i < 6; i++) {
        a.type(`a${i} `);
        await a.session!.flush();
        b.type(`b${i} `);
        await b.session!.flush();
        await a.session!.whenAcknowledged();
        await b.session!.whenAcknowledged();
      }
      await until(() => snapshotDone(toA) && snapshotDone(toB), 'each relay accepted a snapshot');
      // each relay's chain is consistent on its own: nobody has seen anything wrong yet
      expect(a.session!.status.problems).toEqual([]);
      expect(b.session!.status.problems).toEqual([]);
      const ownA = a.text;
      const ownB = b.text;

      const link = createMemoryTransportPair({ ids: ['peer:B', 'peer:A'] });
      a.session!.addTransport(link.a);
      b.session!.addTransport(link.b);
      await until(
        () => [a, b].every((d) => d.session!.status.problems.some((p) => p.kind === 'fork')),
        'both report the fork',
      );
      for (const [d, peer] of [
        [a, 'peer:B'],
        [b, 'peer:A'],
      ] as const) {
        const fork = d.session!.status.problems.find((p) => p.kind === 'fork')!;
        expect(fork.transportId).toBe(id);
        expect(fork.detail).toBe(peer);
      }
      // nothing thrown away: each keeps its own text and gains the other's
      await until(() => a.text === b.text, 'A and B converge through the peer link');
      for (const piece of [...ownA.split(' '), ...ownB.split(' ')].filter(Boolean)) expect(a.text).toContain(piece);
      // the snapshots each relay holds were made by different devices from different states
      const snapOf = (r: HostileRelay) =>
        r.log.find((s) => s.dir === 'up' && s.frame?.type === 'snapshot')?.frame as { envelope: { snapId: string } };
      expect(snapOf(toA).envelope.snapId).not.toBe(snapOf(toB).envelope.snapId);
      expect(decodeFrame(toA.log[0]!.raw).ok).toBe(true);
    } finally {
      for (const d of [a, b]) await d.close().catch(() => {});
    }
  }, 60_000);
});
