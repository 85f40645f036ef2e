/**
 * Private sync-server processes and a cuttable TCP proxy for specs that must change, kill or cut what the
 * browser talks to. The shared webServer of playwright.config.ts serves web/dist and must stay untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eWebDir } from './snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PrivateServer {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  /** A copy of the built app the test may rewrite. */
  readonly webDir: string;
  /** The server's data folder (SQLite store); it survives kill() and restart(). */
  readonly dataDir: string;
  /** SIGKILL: no shutdown, no close frames; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Starts the process again on the same port and data folder (after kill()). */
  restart(): Promise<void>;
  /** The Prometheus text of /metrics, one entry per series (`name` or `name{labels}`). */
  metrics(): Promise<Map<string, number>>;
  stop(): Promise<void>;
}

interface Proc {
  child: ChildProcess;
  exited: Promise<void>;
  url: string;
}

function spawnServer(port: number, dataDir: string, webDir: string, extra: readonly string[]): Promise<Proc> {
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sync-server/src/main.ts',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--web-dir',
      webDir,
      ...extra,
    ],
    // Without the developer's own DURE_* settings, which would override the flags' neighbours.
    {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DURE_HOST: '', DURE_PORT: '', DURE_DATA_DIR: '', DURE_WEB_DIR: '' },
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 10_000)));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Dure listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
      if (out.length > 100_000) out = out.slice(-1000);
    });
    void exited.then(() => reject(new Error(`server exited before listening: ${err}`)));
  });
  return url.then((u) => ({ child, exited, url: u }));
}

export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

export async function fetchMetrics(baseUrl: string): Promise<Map<string, number>> {
  const res = await fetch(new URL('/metrics', baseUrl));
  if (!res.ok) throw new Error(`/metrics answered ${res.status}`);
  return parseMetrics(await res.text());
}

/** `args`: more server flags (e.g. `--invite-token`), kept across restart(). */
export async function startPrivateServer(opts: { args?: readonly string[] } = {}): Promise<PrivateServer> {
  const extra = opts.args ?? [];
  const dir = mkdtempSync(path.join(tmpdir(), 'dure-e2e-server-'));
  const webDir = path.join(dir, 'web');
  const dataDir = path.join(dir, 'data');
  // The same snapshot the main webServer serves (see playwright.config.ts), not the live web/dist.
  cpSync(e2eWebDir(), webDir, { recursive: true });
  let proc: Proc | undefined = await spawnServer(0, dataDir, webDir, extra);
  const url = proc.url;
  const port = Number(new URL(url).port);
  const kill = async (): Promise<void> => {
    const p = proc;
    proc = undefined;
    if (!p) return;
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  };
  return {
    url,
    port,
    webDir,
    dataDir,
    kill,
    restart: async () => {
      if (proc) throw new Error('restart() needs kill() first');
      proc = await spawnServer(port, dataDir, webDir, extra);
    },
    metrics: () => fetchMetrics(url),
    stop: async () => {
      const p = proc;
      proc = undefined;
      if (p && p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGTERM');
      await p?.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * A TCP proxy on its own port in front of a server: the page is loaded through it (so its origin is the
 * proxy's, and the app's default relay, "the server that served the page", goes through it too).
 *
 * Why a proxy: Chromium's offline emulation (context.setOffline) does NOT close an open WebSocket; it
 * stays readyState OPEN while no frame passes either way (checked on Chromium 156), so the app could not
 * notice it. cut() really ends every connection (the browser sees the socket close) and refuses new ones
 * while keeping the port, so the origin (IndexedDB, service worker) stays the same across restore().
 */
export interface CuttableProxy {
  /** `http://127.0.0.1:<port>/` */
  readonly url: string;
  readonly port: number;
  cut(): void;
  restore(): void;
  /**
   * The connections open now go silent for good: nothing passes either way and nothing is closed, as
   * with a dead NAT mapping or a hung relay. New connections pass as usual.
   */
  stall(): void;
  close(): Promise<void>;
}

export async function startProxy(targetPort: number): Promise<CuttableProxy> {
  const pairs = new Set<net.Socket>();
  const stalled = new Set<net.Socket>();
  let cutNow = false;
  const server = net.createServer((client) => {
    if (cutNow) return void client.destroy();
    const upstream = net.connect(targetPort, '127.0.0.1');
    pairs.add(client);
    pairs.add(upstream);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
      pairs.delete(client);
      pairs.delete(upstream);
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  const cutAll = (): void => {
    for (const s of [...pairs, ...stalled]) s.destroy();
    pairs.clear();
    stalled.clear();
  };
  return {
    url: `http://127.0.0.1:${port}/`,
    port,
    cut: () => {
      cutNow = true;
      cutAll();
    },
    restore: () => {
      cutNow = false;
    },
    stall: () => {
      for (const s of pairs) {
        s.unpipe();
        s.pause();
        s.removeAllListeners('close');
        s.removeAllListeners('error');
        s.on('error', () => undefined);
        stalled.add(s);
      }
      pairs.clear();
    },
    close: async () => {
      cutNow = true;
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
