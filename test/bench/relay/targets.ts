/**
 * Servers under test, each started as its own process on a free port, optionally pinned to a core. Issue
 * #5 adds the stock servers (@y/websocket-server, @hocuspocus/server) here as further RelayTarget values
 * and their providers as client kinds (clients.ts); the workloads only see these two interfaces.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');

export interface RunningRelay {
  readonly pid: number;
  /** ws:// base URL of the sync endpoint */
  readonly wsUrl: string;
  /** http:// base URL (metrics, health) */
  readonly httpUrl: string;
  stop(): Promise<void>;
  /**
   * A full garbage collection in the server (through the Node inspector, when started with `inspect`),
   * so memory readings compare live data rather than GC timing; resolves with V8's used heap in bytes.
   */
  gc?(): Promise<number>;
}

export interface RelayTarget {
  readonly name: string;
  /** which client kind drives it (clients.ts) */
  readonly client: string;
  /** said beside the figures: what an acknowledgement means on this server */
  readonly durability: string;
  /** the server forgets a document once its last client leaves (nothing stored): a fixture's uploader stays */
  readonly dropsUnusedDocs?: boolean;
  start(opts: { readonly cpu?: string; readonly inspect?: boolean }): Promise<RunningRelay>;
}

/** `taskset -c <cpu> cmd...` when a core is given and taskset exists, else cmd itself. */
export function pinned(cpu: string | undefined, cmd: string, args: readonly string[]): [string, string[]] {
  return cpu === undefined ? [cmd, [...args]] : ['taskset', ['-c', cpu, cmd, ...args]];
}

/** Resolves with the first match of `re` on stdout, and the inspector URL when one is printed on stderr. */
function waitForLine(
  child: ChildProcess,
  re: RegExp,
  what: string,
  wantInspector: boolean,
): Promise<{ m: RegExpExecArray; inspector?: string }> {
  let out = '';
  let err = '';
  let m: RegExpExecArray | null = null;
  let inspector: string | undefined;
  return new Promise((res, rej) => {
    const check = (): void => {
      if (m && (!wantInspector || inspector)) res({ m, inspector });
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      m ??= re.exec(out);
      if (out.length > 1 << 20) out = out.slice(-4096);
      check();
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err = (err + d).slice(-8192);
      inspector ??= /Debugger listening on (ws:\/\/\S+)/.exec(err)?.[1];
      check();
    });
    child.once('exit', (code, sig) => rej(new Error(`${what} exited (${code ?? sig}) before it listened: ${err}`)));
  });
}

/** One inspector session per call: collect garbage, then read V8's heap usage. */
async function inspectorGc(url: string): Promise<number> {
  const ws = new WebSocket(url);
  await new Promise<void>((res, rej) => {
    ws.once('open', () => res());
    ws.once('error', rej);
  });
  let id = 0;
  const call = (method: string): Promise<Record<string, unknown>> =>
    new Promise((res, rej) => {
      const my = ++id;
      const onMsg = (data: Buffer): void => {
        const msg = JSON.parse(String(data)) as { id?: number; result?: Record<string, unknown>; error?: unknown };
        if (msg.id !== my) return;
        ws.off('message', onMsg);
        if (msg.error) rej(new Error(`${method}: ${JSON.stringify(msg.error)}`));
        else res(msg.result ?? {});
      };
      ws.on('message', onMsg);
      ws.send(JSON.stringify({ id: my, method }));
    });
  try {
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return Number(usage.usedSize);
  } finally {
    ws.close();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((res) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(kill);
      res();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Dure's own sync server (sync-server/src/main.ts under tsx, as `npm start` runs it) with SQLite in a
 * fresh temporary data folder that is deleted afterwards. tsx only costs at startup (transpile once).
 */
function dureServer(name: string, store: 'sqlite' | 'memory', durability: string): RelayTarget {
  return {
    name,
    client: 'dure',
    durability,
    async start({ cpu, inspect }) {
      const dataDir = mkdtempSync(join(tmpdir(), 'dure-bench-relay-'));
      const [cmd, args] = pinned(cpu, process.execPath, [
        ...(inspect ? ['--inspect=127.0.0.1:0'] : []),
        // DURE_BENCH_SERVER_PROF=<dir>: a V8 CPU profile of the server, written when it stops
        ...(process.env.DURE_BENCH_SERVER_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DURE_BENCH_SERVER_PROF}`]
          : []),
        '--import',
        'tsx',
        'src/main.ts',
        '--host',
        '127.0.0.1',
        '--port',
        '0',
        '--data-dir',
        dataDir,
        '--store',
        store,
      ]);
      const child = spawn(cmd, args, {
        cwd: join(ROOT, 'sync-server'),
        env: { ...process.env, DURE_HOST: '', DURE_PORT: '', DURE_DATA_DIR: '', DURE_WEB_DIR: '', DURE_STORE: '' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const { m, inspector } = await waitForLine(child, /Dure listening on http:\/\/(\S+)/, 'dure-server', !!inspect);
      // taskset execs node in place, so the pid is the server's own.
      const pid = child.pid!;
      const host = m[1]!.replace(/\/+$/, '');
      return {
        pid,
        wsUrl: `ws://${host}/sync`,
        httpUrl: `http://${host}`,
        async stop() {
          await stopChild(child);
          rmSync(dataDir, { recursive: true, force: true });
        },
        ...(inspector ? { gc: () => inspectorGc(inspector) } : {}),
      };
    },
  };
}

export const dureTarget = dureServer(
  'dure',
  'sqlite',
  'ack after a durable SQLite commit (WAL, synchronous=FULL), fan-out after the commit',
);

/** The same server keeping everything in memory: what the durable commit costs (not a deployment mode). */
export const dureMemoryTarget = dureServer(
  'dure-memory',
  'memory',
  '--store memory: nothing on disk (for comparison only: an ack then means nothing survives a crash)',
);

/**
 * A stock server (issue #5): a start script next to this file (stock-*.mjs) that prints the port it got.
 * Plain Node, no tsx; started with the same inspector option as Dure's for the memory readings.
 */
function stockServer(
  name: string,
  script: string,
  client: string,
  durability: string,
  dropsUnusedDocs: boolean,
): RelayTarget {
  return {
    name,
    client,
    durability,
    dropsUnusedDocs,
    async start({ cpu, inspect }) {
      const here = fileURLToPath(new URL('.', import.meta.url));
      const [cmd, args] = pinned(cpu, process.execPath, [
        ...(inspect ? ['--inspect=127.0.0.1:0'] : []),
        ...(process.env.DURE_BENCH_SERVER_PROF
          ? ['--cpu-prof', `--cpu-prof-dir=${process.env.DURE_BENCH_SERVER_PROF}`]
          : []),
        join(here, script),
      ]);
      const child = spawn(cmd, args, { cwd: here, stdio: ['ignore', 'pipe', 'pipe'] });
      const { m, inspector } = await waitForLine(child, /stock listening on ws:\/\/(\S+)/, name, !!inspect);
      const host = m[1]!;
      return {
        pid: child.pid!,
        wsUrl: `ws://${host}`,
        httpUrl: `http://${host}`,
        stop: () => stopChild(child),
        ...(inspector ? { gc: () => inspectorGc(inspector) } : {}),
      };
    },
  };
}

const NOTHING_ON_DISK = 'nothing on disk: documents live in server memory only, and nothing is acknowledged as stored';

export const yWebsocketTarget = stockServer(
  'ywebsocket',
  'stock-ywebsocket-server.mjs',
  'y-websocket',
  `@y/websocket-server 0.1.1 without YPERSISTENCE: ${NOTHING_ON_DISK} (it also keeps a document after its last client leaves)`,
  false,
);

export const hocuspocusTarget = stockServer(
  'hocuspocus',
  'stock-hocuspocus-server.mjs',
  'hocuspocus',
  `@hocuspocus/server 4.7.0, no extensions: ${NOTHING_ON_DISK} (its sync-status reply means "applied in memory"; a document is unloaded, so lost, when its last client leaves)`,
  true,
);

export const TARGETS: Readonly<Record<string, RelayTarget>> = {
  dure: dureTarget,
  'dure-memory': dureMemoryTarget,
  ywebsocket: yWebsocketTarget,
  hocuspocus: hocuspocusTarget,
};
