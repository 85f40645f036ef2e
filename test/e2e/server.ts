/**
 * A second, private sync-server process for specs that must change the files it serves (app updates).
 * The shared webServer of playwright.config.ts serves web/dist and must stay untouched.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { e2eWebDir } from './snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface PrivateServer {
  readonly url: string;
  /** A copy of the built app the test may rewrite. */
  readonly webDir: string;
  stop(): Promise<void>;
}

export async function startPrivateServer(): Promise<PrivateServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'dure-e2e-server-'));
  const webDir = path.join(dir, 'web');
  // The same snapshot the main webServer serves (see playwright.config.ts), not the live web/dist.
  cpSync(e2eWebDir(), webDir, { recursive: true });
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'sync-server/src/main.ts',
      '--port',
      '0',
      '--data-dir',
      path.join(dir, 'data'),
      '--web-dir',
      webDir,
    ],
    { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /Dure listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    void exited.then(() => reject(new Error(`server exited before listening: ${err}`)));
  });
  return {
    url,
    webDir,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
