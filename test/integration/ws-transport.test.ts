/** The WebSocket transport against the real relay process, through the Transport contract suite. */
import { createServer } from 'node:net';
import { decodeFrame, encodeFrame, newId } from '@dure/shared/protocol/index';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { runTransportContract } from '../../shared/test/sync/transport-contract';
import { startTestServer, type TestServer } from './server';

let server: TestServer;
let deadPort = 0;

beforeAll(async () => {
  server = await startTestServer();
  // A port that was free a moment ago and has nothing listening on it.
  deadPort = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
});

afterAll(async () => {
  await server?.stop();
});

// hello for a document the relay does not hold: it answers reject{unknown-doc} on the same connection.
const docId = newId();
runTransportContract('WebSocket (ws) against the real relay', () => ({
  make: () => createWebSocketTransport({ url: server.url, WebSocket }),
  makeUnreachable: () => createWebSocketTransport({ url: `ws://127.0.0.1:${deadPort}/sync`, WebSocket }),
  probe: {
    request: encodeFrame({ type: 'hello', docId, write: false, knownSnapId: null, sinceRelaySeq: 0 }),
    isAnswer: (bytes) => {
      const f = decodeFrame(bytes);
      return f.ok && f.value.type === 'reject' && f.value.reason === 'unknown-doc' && f.value.docId === docId;
    },
  },
}));
