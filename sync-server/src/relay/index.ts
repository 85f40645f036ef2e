/**
 * The sync endpoint: WebSocket connections at /sync on the same HTTP server that serves the app
 * (PROTOCOL.md). `noServer` + the server's 'upgrade' event keeps one port and one listener.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { MAX_FRAME_BYTES, SERVER_DEFAULTS } from '@dure/shared/protocol/index';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import type { Logger } from '../log';
import type { RelayStore } from '../store/index';
import { newRelayCounters, RelayConnection, type RelayCounters, type RelayLimits } from './connection';
import { Hub } from './hub';

export type { RelayCounters, RelayLimits } from './connection';

export const DEFAULT_RELAY_LIMITS: RelayLimits = {
  framesPerSecond: SERVER_DEFAULTS.framesPerSecond,
  documentsPerConnection: SERVER_DEFAULTS.documentsPerConnection,
  proveDeadlineMs: SERVER_DEFAULTS.proveDeadlineMs,
  presencePerSecond: 30,
  signalPerSecond: 20,
  maxQueuedFrames: 256,
  maxBufferedBytes: 64 * 1024 * 1024,
  devicesPerDocument: SERVER_DEFAULTS.devicesPerDocument,
};

export const SYNC_PATH = '/sync';

export interface RelayOptions {
  readonly store: RelayStore;
  readonly logger: Logger;
  readonly limits?: Partial<RelayLimits>;
  /** largest WebSocket message accepted (ws refuses bigger ones with 1009); at most MAX_FRAME_BYTES */
  readonly maxFrameBytes?: number;
  /** when set, create frames must carry this token (UTF-8 bytes) */
  readonly inviteToken?: string;
}

export interface Relay {
  readonly counters: Readonly<RelayCounters>;
  readonly connections: number;
  /** documents with at least one subscribed connection */
  readonly openDocuments: number;
  /** Closes every connection (1001 going away) after its in-flight frames are handled (bounded). */
  close(): Promise<void>;
}

function bytesOf(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function attachRelay(http: Server, opts: RelayOptions): Relay {
  const limits = { ...DEFAULT_RELAY_LIMITS, ...opts.limits };
  const counters: RelayCounters = newRelayCounters();
  const hub = new Hub();
  const inviteTokenHash =
    opts.inviteToken === undefined ? undefined : createHash('sha256').update(opts.inviteToken, 'utf8').digest();
  const ctx = { store: opts.store, hub, logger: opts.logger, limits, counters, inviteTokenHash };
  const maxPayload = Math.min(opts.maxFrameBytes ?? MAX_FRAME_BYTES, MAX_FRAME_BYTES);
  // maxPayload: ws refuses a bigger message (close 1009) before buffering it.
  const wss = new WebSocketServer({ noServer: true, maxPayload, perMessageDeflate: false });
  const live = new Map<WebSocket, RelayConnection>();
  let closing = false;

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const p = (req.url ?? '/').split('?', 1)[0];
    if (p !== SYNC_PATH || closing) {
      socket.end(`HTTP/1.1 ${closing ? '503 Service Unavailable' : '404 Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    socket.on('error', () => socket.destroy());
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn = new RelayConnection(ws, ctx);
      live.set(ws, conn);
      opts.logger.log('info', 'sync connection opened', { connections: live.size });
      ws.on('message', (data, isBinary) => conn.receive(bytesOf(data), isBinary));
      // An error (e.g. a frame over maxPayload) is followed by 'close'; the process must not crash.
      ws.on('error', (e) => opts.logger.log('warn', 'websocket error', { code: (e as { code?: string }).code }));
      ws.on('close', (code) => {
        live.delete(ws);
        counters.closesByCode.set(code, (counters.closesByCode.get(code) ?? 0) + 1);
        opts.logger.log('info', 'sync connection closed', { code, connections: live.size });
        conn.closedBySocket();
      });
    });
  };
  http.on('upgrade', onUpgrade);

  return {
    counters,
    get connections() {
      return live.size;
    },
    get openDocuments() {
      return hub.size;
    },
    async close() {
      closing = true;
      const conns = [...live.entries()];
      const drained = Promise.all(conns.map(([, c]) => c.idle));
      await Promise.race([drained, new Promise((r) => setTimeout(r, 2_000).unref())]);
      for (const [ws] of conns) ws.close(1001, 'server stopping');
      await Promise.race([
        new Promise<void>((r) => wss.close(() => r())),
        new Promise((r) => setTimeout(r, 1_000).unref()),
      ]);
      for (const [ws] of conns) ws.terminate();
      http.off('upgrade', onUpgrade);
    },
  };
}
