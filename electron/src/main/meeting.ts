/**
 * "Host a meeting": the sync server in LAN mode with the in-memory store, run in a separate process
 * (Electron's utilityProcess) so that parsing network input never happens in main. This module owns the
 * lifecycle: start → the addresses and port come back, stop, a crash becomes a status, app quit stops it.
 *
 * The child speaks a small message protocol (MeetingRequest / MeetingReport). The entry
 * (src/meeting/entry.ts) answers on `process.parentPort` in a utilityProcess and on `process.send`
 * under child_process.fork, which is what the Node tests run.
 */
import { err, ok, type Result } from '@dure/shared/result';
import { CHANNELS, type MeetingFailure, type MeetingStatus } from '../shared-api';
import { v, type Ipc } from './ipc';

/** main → meeting process */
export type MeetingRequest =
  | { readonly type: 'start'; readonly host: string; readonly port: number; readonly webDir: string }
  | { readonly type: 'stop' };

/** meeting process → main */
export type MeetingReport =
  | { readonly type: 'started'; readonly port: number; readonly urls: readonly string[] }
  | { readonly type: 'start-failed'; readonly reason: 'port-in-use' | 'other'; readonly detail: string }
  | { readonly type: 'stopped' };

export type { MeetingFailure, MeetingStatus };

/** The meeting process as main sees it; utilityProcessSpawner adapts Electron's UtilityProcess. */
export interface MeetingChild {
  post(msg: MeetingRequest): void;
  onMessage(cb: (msg: unknown) => void): void;
  onExit(cb: (code: number | null) => void): void;
  kill(): void;
}

export type SpawnMeeting = () => MeetingChild;

export function isMeetingReport(x: unknown): x is MeetingReport {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as Record<string, unknown>;
  switch (m.type) {
    case 'started':
      return (
        Number.isInteger(m.port) &&
        Array.isArray(m.urls) &&
        m.urls.length <= 64 &&
        m.urls.every((u) => typeof u === 'string' && u.length <= 256)
      );
    case 'start-failed':
      return (m.reason === 'port-in-use' || m.reason === 'other') && typeof m.detail === 'string';
    case 'stopped':
      return true;
    default:
      return false;
  }
}

export interface MeetingOptions {
  readonly spawn: SpawnMeeting;
  /** the built web app, served to participants who open the meeting's address in a browser */
  readonly webDir: string;
  /** '0.0.0.0' (every interface) for a real meeting; tests use 127.0.0.1 */
  readonly host?: string;
  /** 0: any free port */
  readonly port?: number;
  /** a process that neither starts nor stops by then is killed */
  readonly guardMs?: number;
}

export class MeetingHost {
  private child: MeetingChild | undefined;
  private current: MeetingStatus = { state: 'stopped' };
  private readonly listeners = new Set<(s: MeetingStatus) => void>();
  private stopping: Promise<void> | undefined;

  constructor(private readonly opts: MeetingOptions) {}

  get status(): MeetingStatus {
    return this.current;
  }

  onStatus(cb: (s: MeetingStatus) => void): () => void {
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private set(s: MeetingStatus): void {
    this.current = s;
    this.listeners.forEach((cb) => cb(s));
  }

  /** Starts the meeting, or reports the one already running. */
  start(): Promise<Result<{ port: number; urls: readonly string[] }, MeetingFailure>> {
    if (this.current.state === 'running') return Promise.resolve(ok(this.current));
    if (this.child) return Promise.resolve(err('start-failed'));
    const child = this.opts.spawn();
    this.child = child;
    this.set({ state: 'starting' });
    return new Promise((resolve) => {
      let settled = false;
      const settle = (r: Result<{ port: number; urls: readonly string[] }, MeetingFailure>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(guard);
        resolve(r);
      };
      const guard = setTimeout(() => {
        child.kill();
      }, this.opts.guardMs ?? 20_000);
      child.onMessage((msg) => {
        if (!isMeetingReport(msg)) return;
        if (msg.type === 'started') {
          this.set({ state: 'running', port: msg.port, urls: msg.urls });
          settle(ok({ port: msg.port, urls: msg.urls }));
        } else if (msg.type === 'start-failed') {
          const reason = msg.reason === 'port-in-use' ? 'port-in-use' : 'start-failed';
          this.set({ state: 'failed', reason });
          settle(err(reason));
          child.kill();
        }
      });
      child.onExit(() => {
        if (this.child === child) this.child = undefined;
        if (!settled) {
          this.set({ state: 'failed', reason: 'start-failed' });
          settle(err('start-failed'));
        } else if (this.stopping === undefined && this.current.state === 'running') {
          this.set({ state: 'failed', reason: 'crashed' });
        }
      });
      child.post({
        type: 'start',
        host: this.opts.host ?? '0.0.0.0',
        port: this.opts.port ?? 0,
        webDir: this.opts.webDir,
      });
    });
  }

  /** Stops the meeting (its documents leave memory with it); resolves once the process has ended. */
  stop(): Promise<void> {
    const child = this.child;
    if (!child) {
      if (this.current.state !== 'stopped') this.set({ state: 'stopped' });
      return Promise.resolve();
    }
    this.stopping ??= new Promise<void>((resolve) => {
      const guard = setTimeout(() => child.kill(), this.opts.guardMs ?? 20_000);
      child.onExit(() => {
        clearTimeout(guard);
        this.stopping = undefined;
        this.set({ state: 'stopped' });
        resolve();
      });
      child.post({ type: 'stop' });
    });
    return this.stopping;
  }
}

/** The parts of Electron's `app` that quitting touches. */
export interface QuitApp {
  on(event: 'before-quit', listener: (event: { preventDefault(): void }) => void): unknown;
  quit(): void;
}

/**
 * On quit, a running meeting is stopped first (participants' connections close cleanly), then the quit
 * goes on. Only one detour: the second before-quit passes.
 */
export function stopMeetingOnQuit(app: QuitApp, meeting: MeetingHost): void {
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped || meeting.status.state === 'stopped' || meeting.status.state === 'failed') return;
    event.preventDefault();
    void meeting.stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
}

/** The parts of Electron's utilityProcess and UtilityProcess used here. */
export interface UtilityProcessLike {
  fork(
    modulePath: string,
    args?: string[],
    options?: { serviceName?: string; stdio?: 'ignore' | 'inherit' | 'pipe' },
  ): {
    postMessage(message: unknown): void;
    on(event: 'message', listener: (message: unknown) => void): unknown;
    on(event: 'exit', listener: (code: number) => void): unknown;
    kill(): boolean;
  };
}

/** The production spawner: the bundled entry (dist/meeting.cjs) in an Electron utility process. */
export function utilityProcessSpawner(utilityProcess: UtilityProcessLike, entry: string): SpawnMeeting {
  return () => {
    const p = utilityProcess.fork(entry, [], { serviceName: 'Dure meeting', stdio: 'ignore' });
    return {
      post: (msg) => p.postMessage(msg),
      onMessage: (cb) => void p.on('message', cb),
      onExit: (cb) => void p.on('exit', cb),
      kill: () => void p.kill(),
    };
  };
}

/**
 * The meeting's IPC: start, stop and status answer the status; `broadcast` tells every window when it
 * changes (a crash included), so the renderer never polls.
 */
export function registerMeetingIpc(ipc: Ipc, meeting: MeetingHost, broadcast: (s: MeetingStatus) => void): void {
  meeting.onStatus(broadcast);
  ipc.handle(CHANNELS.meetingStart, v.args(), async () => {
    await meeting.start();
    return meeting.status;
  });
  ipc.handle(CHANNELS.meetingStop, v.args(), async () => {
    await meeting.stop();
    return meeting.status;
  });
  ipc.handle(CHANNELS.meetingStatus, v.args(), () => meeting.status);
}
