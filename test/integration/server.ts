/** The real sync-server process on a free port, with its own temporary data folder, for integration tests. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServer, type Running } from '../../sync-server/test/helpers';

export interface TestServer {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  current(): Running;
  /** SIGKILL, then start again on the same port and data folder. */
  killAndRestart(): Promise<void>;
  /** SIGKILL, delete the data folder, start again: a relay that lost everything. */
  wipeAndRestart(): Promise<void>;
  /** SIGKILL only (start() brings it back). */
  kill(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export async function startTestServer(extraArgs: readonly string[] = []): Promise<TestServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dure-int-'));
  const dataDir = path.join(dir, 'data');
  const args = (port: number): string[] => [
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--web-dir',
    path.join(dir, 'none'),
    ...extraArgs,
  ];
  let running: Running | undefined = await startServer(args(0));
  const port = running.port;
  const kill = async (): Promise<void> => {
    if (!running) return;
    const r = running;
    running = undefined;
    r.child.kill('SIGKILL');
    await r.exited;
  };
  const start = async (): Promise<void> => {
    if (running) return;
    // The port was just freed by a SIGKILL: retry a few times if the kernel has not released it yet.
    for (let i = 0; ; i++) {
      try {
        running = await startServer(args(port));
        return;
      } catch (e) {
        if (i >= 20) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  };
  return {
    url: `ws://127.0.0.1:${port}/sync`,
    port,
    dataDir,
    current: () => {
      if (!running) throw new Error('server is not running');
      return running;
    },
    kill,
    start,
    async killAndRestart() {
      await kill();
      await start();
    },
    async wipeAndRestart() {
      await kill();
      await rm(dataDir, { recursive: true, force: true });
      await start();
    },
    async stop() {
      if (running) {
        const r = running;
        running = undefined;
        r.child.kill('SIGTERM');
        await r.exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}
