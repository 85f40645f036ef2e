/**
 * A relay that forks (E2EE.md 4.8 #7), run as its own process inside a test's network namespace: ONE
 * address (http + ws `/sync`) in front of TWO real sync-server processes. A WebSocket whose upgrade
 * request carries the cookie `dure-fork-side=A` goes to relay A, `=B` to relay B (the test sets the
 * cookie in each browser context; the app only ever sees the one URL). Pages and everything else over
 * plain HTTP come from relay A (both serve the same build).
 *
 * The two relays never see each other's frames, so each builds its own snapshot chain from the same
 * start. Signal frames are the exception: the proxy forwards them between every client connection, as
 * one relay would (by `to`, or to all others when it is zeros), so the browsers can link over WebRTC.
 * Until the test writes `link` on stdin they are held, in order, so the two chains can diverge first.
 *
 * Run: `node --import tsx test/e2e/forking-relay.ts --host <addr> --a <portA> --b <portB>`.
 * Prints one JSON object per line on stdout (`ForkingRelayEvent`); reads `link` lines on stdin.
 */
import { createServer, request, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { decodeFrame } from '@dure/shared/protocol/index';
import { WebSocket, WebSocketServer, type RawData } from 'ws';

export type Side = 'A' | 'B';

export const SIDE_COOKIE = 'dure-fork-side';

export type ForkingRelayEvent =
  | { readonly event: 'listening'; readonly port: number }
  | { readonly event: 'connection'; readonly side: Side; readonly conn: number }
  /** a client sent a snapshot to its relay */
  | { readonly event: 'snapshot-up'; readonly side: Side; readonly snapId: string }
  /** that side's relay accepted a snapshot (`done{snapshot}`) */
  | { readonly event: 'snapshot-done'; readonly side: Side }
  | { readonly event: 'linked'; readonly released: number };

const MAX_FRAME = 16 * 1024 * 1024;
/** Bounds what is held before `link` (a session says `hi` once per connection; a handful is normal). */
const MAX_HELD = 1_000;

const emit = (e: ForkingRelayEvent): void => {
  process.stdout.write(`${JSON.stringify(e)}\n`);
};

const bytesOf = (data: RawData): Uint8Array => {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength).slice();
};

/** Codes a peer may send in a close frame (RFC 6455 7.4); others only describe. */
const sendableClose = (code: number): boolean =>
  (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);

function closeWith(ws: WebSocket, code: number, reason: string): void {
  if (ws.readyState === WebSocket.CLOSED || ws.readyState === WebSocket.CLOSING) return;
  if (sendableClose(code)) ws.close(code, reason.slice(0, 120));
  else ws.terminate();
}

export function sideOf(req: IncomingMessage): Side | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === SIDE_COOKIE && (v === 'A' || v === 'B')) return v;
  }
  return undefined;
}

interface Client {
  readonly conn: number;
  readonly side: Side;
  readonly ws: WebSocket;
}

interface Held {
  readonly from: Client;
  readonly to: string | null;
  readonly raw: Uint8Array;
}

export interface ForkingRelay {
  readonly port: number;
  /** Stops holding signal frames: the held ones go out in order, later ones at once. */
  link(): number;
  close(): Promise<void>;
}

export async function startForkingRelay(host: string, ports: Record<Side, number>): Promise<ForkingRelay> {
  const clients = new Map<number, Client>();
  /** peer id → the connection whose signal first named it as `from` (the relay's claim rule) */
  const claims = new Map<string, Client>();
  const held: Held[] = [];
  let linked = false;
  let nextConn = 1;

  const deliver = (h: Held): void => {
    if (h.to !== null) {
      const target = claims.get(h.to);
      if (target && target !== h.from && target.ws.readyState === WebSocket.OPEN) target.ws.send(h.raw);
      return;
    }
    for (const c of clients.values()) if (c !== h.from && c.ws.readyState === WebSocket.OPEN) c.ws.send(h.raw);
  };

  const onSignal = (from: Client, peerId: string, to: string | null, raw: Uint8Array): void => {
    const claimed = claims.get(peerId);
    if (claimed && claimed !== from) return; // one connection cannot pose as another's peer
    claims.set(peerId, from);
    const h = { from, to, raw };
    if (linked) deliver(h);
    else if (held.length < MAX_HELD) held.push(h);
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME });
  wss.on('connection', (ws: WebSocket, side: Side) => {
    const client: Client = { conn: nextConn++, side, ws };
    clients.set(client.conn, client);
    emit({ event: 'connection', side, conn: client.conn });
    const upstream = new WebSocket(`ws://${host}:${ports[side]}/sync`, { maxPayload: MAX_FRAME });
    const early: Uint8Array[] = [];

    ws.on('message', (data: RawData) => {
      const raw = bytesOf(data);
      const f = decodeFrame(raw);
      if (f.ok && f.value.type === 'signal') return onSignal(client, f.value.from, f.value.to, raw);
      if (f.ok && f.value.type === 'snapshot') emit({ event: 'snapshot-up', side, snapId: f.value.envelope.snapId });
      if (upstream.readyState === WebSocket.OPEN) upstream.send(raw);
      else early.push(raw);
    });
    upstream.on('open', () => {
      for (const raw of early.splice(0)) upstream.send(raw);
    });
    upstream.on('message', (data: RawData) => {
      const raw = bytesOf(data);
      const f = decodeFrame(raw);
      // The relay's own signal forwarding would only reach this side; the proxy does it for everyone.
      if (f.ok && f.value.type === 'signal') return;
      if (f.ok && f.value.type === 'done' && f.value.op === 'snapshot') emit({ event: 'snapshot-done', side });
      if (ws.readyState === WebSocket.OPEN) ws.send(raw);
    });
    ws.on('close', (code, reason) => {
      clients.delete(client.conn);
      for (const [id, c] of claims) if (c === client) claims.delete(id);
      closeWith(upstream, code, String(reason));
    });
    upstream.on('close', (code, reason) => closeWith(ws, code, String(reason)));
    ws.on('error', () => {});
    upstream.on('error', () => closeWith(ws, 1011, 'upstream failed'));
  });

  // Plain HTTP (the app's files) from relay A: both relays serve the same build.
  const server = createServer((req, res) => {
    const up = request({ host, port: ports.A, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(up);
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const side = sideOf(req);
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path !== '/sync' || side === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, side));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });

  return {
    port: (server.address() as AddressInfo).port,
    link() {
      linked = true;
      // A held signal from a connection that has gone since was from a session that is gone too.
      const live = held.splice(0).filter((h) => clients.get(h.from.conn) === h.from);
      for (const h of live) deliver(h);
      return live.length;
    },
    async close() {
      for (const c of clients.values()) c.ws.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function arg(name: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : undefined;
  if (!v) throw new Error(`forking-relay: --${name} is required`);
  return v;
}

async function main(): Promise<void> {
  const relay = await startForkingRelay(arg('host'), { A: Number(arg('a')), B: Number(arg('b')) });
  emit({ event: 'listening', port: relay.port });
  let buffer = '';
  process.stdin.setEncoding('utf8').on('data', (d: string) => {
    buffer += d;
    let nl: number;
    while ((nl = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (line === 'link') emit({ event: 'linked', released: relay.link() });
    }
  });
  // The test closing our stdin (or killing us) ends the run.
  process.stdin.on('end', () => void relay.close().then(() => process.exit(0)));
  process.on('SIGTERM', () => void relay.close().then(() => process.exit(0)));
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    process.stderr.write(`forking-relay: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  });
}
