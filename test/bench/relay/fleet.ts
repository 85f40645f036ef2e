/**
 * The parent's side of the generator processes: spawn them (pinned with taskset when asked), send
 * commands, await answers. Every generator is a plain `node --import tsx generator.ts` child with an IPC
 * channel; taskset execs node in place, so the child's pid is the generator's own.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pinned } from './targets';
import type { Command } from './generator';

const GENERATOR = fileURLToPath(new URL('./generator.ts', import.meta.url));
/** A hang guard, not a measurement: a command that takes longer than this has failed. */
const COMMAND_TIMEOUT_MS = 10 * 60_000;

export class Generator {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly exited: Promise<void>;

  private constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    child.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(`generator ${index}: ${m.error}`));
    });
    this.exited = new Promise((res) =>
      child.once('exit', (code, sig) => {
        for (const p of this.pending.values()) p.reject(new Error(`generator ${index} exited (${code ?? sig})`));
        this.pending.clear();
        res();
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  static start(index: number, cpu: string | undefined): Generator {
    const [cmd, args] = pinned(cpu, process.execPath, ['--import', 'tsx', GENERATOR]);
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Generator(index, child);
  }

  send<T>(command: Command): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`generator ${this.index}: ${command.cmd} timed out`));
      }, COMMAND_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v as T);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      this.child.send({ id, command });
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await this.send({ cmd: 'exit' }).catch(() => {});
    const kill = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(kill);
  }
}

export async function startFleet(n: number, cpu: string | undefined): Promise<Generator[]> {
  return Array.from({ length: n }, (_, i) => Generator.start(i, cpu));
}

export async function stopFleet(gens: readonly Generator[]): Promise<void> {
  await Promise.all(gens.map((g) => g.stop()));
}
