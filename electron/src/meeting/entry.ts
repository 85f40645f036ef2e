/**
 * The meeting process: the sync server's relay and web app on the LAN, documents in memory only. Runs in
 * an Electron utilityProcess (messages on process.parentPort) or, in the Node tests, under
 * child_process.fork (process.send). Bundled alone to dist/meeting.cjs; the in-memory store is imported
 * directly, never through store/index.ts, so better-sqlite3 (a native module that cannot be built for
 * Electron here) is not in the bundle at all.
 */
import { installNodeEd25519 } from '@dure/shared/crypto/ed25519-node';
import { networkInterfaces } from 'node:os';
import { silentLogger } from '../../../sync-server/src/log';
import { attachRelay, type Relay } from '../../../sync-server/src/relay/index';
import { createDureServer, type DureServer } from '../../../sync-server/src/server';
import { MemoryRelayStore } from '../../../sync-server/src/store/memory';
import type { MeetingReport, MeetingRequest } from '../main/meeting';

interface ParentChannel {
  onMessage(cb: (msg: unknown) => void): void;
  post(msg: MeetingReport): void;
}

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

function parentChannel(): ParentChannel {
  const port = (process as { parentPort?: ParentPort }).parentPort;
  if (port) return { onMessage: (cb) => port.on('message', (e) => cb(e.data)), post: (m) => port.postMessage(m) };
  const send = process.send?.bind(process);
  if (send) return { onMessage: (cb) => process.on('message', cb), post: (m) => void send(m) };
  throw new Error('meeting: started without a parent process');
}

const WILDCARDS = new Set(['0.0.0.0', '::']);

/** Addresses to show the host (as sync-server/src/lan.ts meetingUrls; that module is not bundled here). */
function urlsFor(host: string, port: number): string[] {
  if (!WILDCARDS.has(host)) return [`http://${host}:${port}/`];
  const out: string[] = [];
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      const url = `http://${a.address}:${port}/`;
      if (a.family === 'IPv4' && !a.internal && !out.includes(url)) out.push(url);
    }
  }
  return out;
}

function isStart(x: unknown): x is Extract<MeetingRequest, { type: 'start' }> {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  return (
    m.type === 'start' &&
    typeof m.host === 'string' &&
    typeof m.webDir === 'string' &&
    Number.isInteger(m.port) &&
    (m.port as number) >= 0 &&
    (m.port as number) <= 65535
  );
}

const parent = parentChannel();
let running: { server: DureServer; relay: Relay; store: MemoryRelayStore } | undefined;
let busy = false;

async function start(req: Extract<MeetingRequest, { type: 'start' }>): Promise<void> {
  installNodeEd25519();
  const store = new MemoryRelayStore();
  const server = createDureServer({ host: req.host, port: req.port, webDir: req.webDir, logger: silentLogger });
  const relay = attachRelay(server.http, { store, logger: silentLogger });
  try {
    const address = await server.listen();
    running = { server, relay, store };
    parent.post({ type: 'started', port: address.port, urls: urlsFor(req.host, address.port) });
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : '';
    parent.post({
      type: 'start-failed',
      reason: code === 'EADDRINUSE' ? 'port-in-use' : 'other',
      detail: code || (e instanceof Error ? e.message : String(e)),
    });
    await relay.close();
    await store.close();
  }
}

async function stop(): Promise<void> {
  const r = running;
  running = undefined;
  if (r) {
    // Relay first (in-flight acks finish), then HTTP, then the store: the order of sync-server/src/main.ts.
    await r.relay.close();
    await r.server.close();
    await r.store.close();
  }
  parent.post({ type: 'stopped' });
  process.exit(0);
}

const isStop = (x: unknown): boolean =>
  typeof x === 'object' && x !== null && (x as { type?: unknown }).type === 'stop';

// A stop that arrives while the server is still starting runs once the start has finished.
let stopAsked = false;
const stopNow = (): void => {
  busy = true;
  void stop();
};

parent.onMessage((msg) => {
  if (isStop(msg)) {
    if (busy) stopAsked = true;
    else stopNow();
  } else if (isStart(msg) && !running && !busy) {
    busy = true;
    void start(msg).finally(() => {
      busy = false;
      if (stopAsked) stopNow();
    });
  }
});
