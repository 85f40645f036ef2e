/**
 * "Host a meeting" end to end in Node: the real bundle (build.mjs --only meeting.cjs) runs under
 * child_process.fork, dressed as Electron's utilityProcess, and a real WebSocket client talks to the relay.
 */
import { execFile, fork, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { decodeFrame, encodeFrame, type Frame } from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createIpc, type InvokeEvent } from '../src/main/ipc';
import { CHANNELS, type MeetingStatus as ApiMeetingStatus } from '../src/shared-api';
import {
  MeetingHost,
  registerMeetingIpc,
  stopMeetingOnQuit,
  utilityProcessSpawner,
  type MeetingStatus,
  type UtilityProcessLike,
} from '../src/main/meeting';

const electronDir = path.resolve(import.meta.dirname, '..');
let dir: string;
let bundle: string;
let webDir: string;
const children: ChildProcess[] = [];

/** Electron's utilityProcess API over child_process.fork: the entry sees process.send instead of parentPort. */
const forkAsUtility: UtilityProcessLike = {
  fork(modulePath, args) {
    const cp = fork(modulePath, args ?? [], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    children.push(cp);
    return {
      postMessage: (m) => void cp.send(m as object),
      on: (event: 'message' | 'exit', listener: (x: never) => void) =>
        event === 'message'
          ? cp.on('message', listener as (m: unknown) => void)
          : cp.on('exit', (code) => (listener as (c: number) => void)(code ?? -1)),
      kill: () => cp.kill('SIGKILL'),
    };
  },
};

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-meeting-'));
  await promisify(execFile)(process.execPath, ['build.mjs', '--out', dir, '--only', 'meeting.cjs'], {
    cwd: electronDir,
  });
  bundle = path.join(dir, 'meeting.cjs');
  webDir = path.join(dir, 'web');
  await rm(webDir, { recursive: true, force: true });
  await import('node:fs/promises').then((fs) => fs.mkdir(webDir));
  await writeFile(path.join(webDir, 'index.html'), '<!doctype html><title>Dure meeting 회의</title>');
}, 60_000);

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

const host = (port = 0): MeetingHost =>
  new MeetingHost({ spawn: utilityProcessSpawner(forkAsUtility, bundle), webDir, host: '127.0.0.1', port });

function firstFrame(port: number, send: Frame): Promise<Frame> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/sync`);
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('open', () => ws.send(encodeFrame(send)));
    ws.once('message', (data: Buffer) => {
      const r = decodeFrame(new Uint8Array(data));
      ws.close();
      if (r.ok) resolve(r.value);
      else reject(new Error(r.error));
    });
  });
}

const DOC_ID = 'AQEBAQEBAQEBAQEBAQEBAQ';

describe('the meeting bundle', () => {
  it('does not contain better-sqlite3 (a native module the meeting must never load)', async () => {
    const text = await readFile(bundle, 'utf8');
    expect(text.length).toBeGreaterThan(10_000);
    expect(text).not.toContain('better-sqlite3');
    expect(text).not.toContain('SqliteRelayStore');
    expect(text).toContain('MemoryRelayStore');
  });
});

describe('MeetingHost', () => {
  it('starts the relay, reports its address, serves the app and answers a WebSocket client, then stops', async () => {
    const meeting = host();
    const seen: MeetingStatus['state'][] = [];
    meeting.onStatus((s) => seen.push(s.state));
    const started = await meeting.start();
    if (!started.ok) throw new Error(started.error);
    const { port, urls } = started.value;
    expect(port).toBeGreaterThan(0);
    expect(urls).toEqual([`http://127.0.0.1:${port}/`]);
    expect(meeting.status).toEqual({ state: 'running', port, urls });

    const page = await fetch(urls[0]!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Dure meeting 회의');

    // A read hello for a document nobody created: the relay answers, so it parses frames.
    const answer = await firstFrame(port, {
      type: 'hello',
      docId: DOC_ID,
      write: false,
      knownSnapId: null,
      sinceRelaySeq: 0,
    });
    expect(answer).toMatchObject({ type: 'reject', docId: DOC_ID, reason: 'unknown-doc' });

    await meeting.stop();
    expect(meeting.status).toEqual({ state: 'stopped' });
    expect(seen).toEqual(['starting', 'running', 'stopped']);
    await expect(fetch(urls[0]!)).rejects.toThrow();
  }, 30_000);

  it('reports a port already taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      const meeting = host(taken);
      expect(await meeting.start()).toEqual({ ok: false, error: 'port-in-use' });
      expect(meeting.status).toEqual({ state: 'failed', reason: 'port-in-use' });
    } finally {
      blocker.close();
    }
  }, 30_000);

  it('turns a crash of the meeting process into a status, and can start again', async () => {
    const meeting = host();
    const first = await meeting.start();
    expect(first.ok).toBe(true);
    const crashed = new Promise<MeetingStatus>((resolve) =>
      meeting.onStatus((s) => s.state === 'failed' && resolve(s)),
    );
    children.at(-1)!.kill('SIGKILL');
    expect(await crashed).toEqual({ state: 'failed', reason: 'crashed' });

    const again = await meeting.start();
    expect(again.ok).toBe(true);
    await meeting.stop();
    expect(meeting.status.state).toBe('stopped');
  }, 30_000);

  it('a stop asked for during the start ends the meeting once it has started', async () => {
    const meeting = host();
    const starting = meeting.start();
    expect(meeting.status).toEqual({ state: 'starting' });
    await meeting.stop();
    expect((await starting).ok).toBe(true);
    expect(meeting.status).toEqual({ state: 'stopped' });
    expect(children.at(-1)!.exitCode).toBe(0);
  }, 30_000);

  it('stops a running meeting before the app quits', async () => {
    const meeting = host();
    expect((await meeting.start()).ok).toBe(true);
    const child = children.at(-1)!;
    let listener: ((e: { preventDefault(): void }) => void) | undefined;
    let prevented = 0;
    let quits = 0;
    let quitCalled!: () => void;
    const quitted = new Promise<void>((resolve) => (quitCalled = resolve));
    stopMeetingOnQuit({ on: (_ev, l) => (listener = l), quit: () => (quits++, quitCalled()) }, meeting);
    listener!({ preventDefault: () => prevented++ });
    expect(prevented).toBe(1);
    await quitted;
    expect(quits).toBe(1);
    expect(meeting.status).toEqual({ state: 'stopped' });
    expect(child.exitCode).toBe(0);
    // The quit that follows passes straight through.
    listener!({ preventDefault: () => prevented++ });
    expect(prevented).toBe(1);
  }, 30_000);
});

describe('registerMeetingIpc', () => {
  it('starts and stops through IPC and tells the windows every change', async () => {
    const handlers = new Map<string, (event: never, ...args: unknown[]) => unknown>();
    const ipc = createIpc({ ipcMain: { handle: (c, l) => void handlers.set(c, l) }, isOurContents: () => true });
    const told: ApiMeetingStatus[] = [];
    registerMeetingIpc(ipc, host(), (s) => told.push(s));
    const frame = { url: 'app://dure/', parent: null, processId: 1, routingId: 1 };
    const event = { senderFrame: frame, sender: { id: 1, mainFrame: frame } } as InvokeEvent as never;
    const running = (await handlers.get(CHANNELS.meetingStart)!(event)) as ApiMeetingStatus;
    expect(running.state).toBe('running');
    expect(await handlers.get(CHANNELS.meetingStatus)!(event)).toEqual(running);
    expect(await handlers.get(CHANNELS.meetingStop)!(event)).toEqual({ state: 'stopped' });
    expect(told.map((s) => s.state)).toEqual(['starting', 'running', 'stopped']);
  }, 30_000);
});
