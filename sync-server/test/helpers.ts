/** Spawns the real server process (node + tsx, no npx wrapper, so signals reach it directly). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly port: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
}

/** The environment for a spawned server: the caller's, without the developer's own DURE_* settings. */
export const serverEnv = (extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
  ...process.env,
  DURE_HOST: '',
  DURE_PORT: '',
  DURE_DATA_DIR: '',
  DURE_WEB_DIR: '',
  ...extra,
});

/** Collects a spawned server's output and resolves once it prints the URL it listens on. */
export async function watchServer(child: ChildProcess): Promise<Running> {
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | string>((resolve) =>
    child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (): void => {
      const m = /Dure listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) {
        child.stdout!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    void exited.then((code) => reject(new Error(`server exited (${code}) before listening: ${err}`)));
  });
  return { child, url, port: Number(new URL(url).port), stdout: () => out, stderr: () => err, exited };
}

export function startServer(args: readonly string[], env: Record<string, string> = {}): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    cwd: pkgDir,
    env: serverEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return watchServer(child);
}

/** Runs the server to completion (for argument errors). */
export function runServer(args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
      cwd: pkgDir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}
