/**
 * A connection that opens the WebSocket and never sends a frame is closed with 4004 (CLOSE.proveTimeout:
 * the same fixed deadline as an unanswered challenge, nothing new in the protocol); a connection that did
 * send a frame is not. Through attachRelay in-process, with a small deadline.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOSE, newId } from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../src/log';
import { attachRelay } from '../src/relay/index';
import { openRelayStore } from '../src/store/index';
import { TestClient } from './relay-client';

let http: Server;
let close: (() => Promise<void>) | undefined;
const clients: TestClient[] = [];

beforeAll(async () => {
  const store = await openRelayStore({ kind: 'memory' });
  http = createServer((_req, res) => res.writeHead(404).end());
  const relay = attachRelay(http, { store, logger: silentLogger, limits: { proveDeadlineMs: 300 } });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  close = async () => {
    for (const c of clients) c.ws.terminate();
    await relay.close();
    await new Promise((resolve) => http.close(resolve));
    await store.close();
  };
});
afterAll(async () => close?.());

async function connect(): Promise<TestClient> {
  const c = await TestClient.open((http.address() as AddressInfo).port);
  clients.push(c);
  return c;
}

/** Guards against a hang only (a relay without the deadline never closes the silent socket). */
function within<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} did not happen`)), 10_000)),
  ]);
}

describe('a connection that never sends a frame', () => {
  it('is closed with proveTimeout (4004); one that spoke first stays open and is still answered', async () => {
    // The talker opens first, so its own silence deadline would have fired before the silent one's.
    const talker = await connect();
    const unknown = newId();
    talker.send({ type: 'hello', docId: unknown, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect(await talker.next('reject')).toMatchObject({ docId: unknown, reason: 'unknown-doc' });

    const silent = await connect();
    expect(await within(silent.closed, 'closing the silent connection')).toMatchObject({ code: CLOSE.proveTimeout });

    expect(talker.ws.readyState).toBe(talker.ws.OPEN);
    const other = newId();
    talker.send({ type: 'hello', docId: other, write: false, knownSnapId: null, sinceRelaySeq: 0 });
    expect(await talker.next('reject')).toMatchObject({ docId: other, reason: 'unknown-doc' });
  });
});
