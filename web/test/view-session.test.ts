/**
 * A view link never writes: the web app's SyncView over the real session and the real relay process.
 * A script changes the viewer's Y.Doc (as a user could from the console); nothing is sealed into the
 * viewer's outbox, no update frame leaves its socket, and the editor's document never shows it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { decodeFrame } from '@dure/shared/protocol/frames';
import { startSession } from '@dure/shared/sync/session';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import type { Transport } from '@dure/shared/sync/types';
import { openSyncView, type SyncEngine, type SyncView } from '../src/sync/doc-sync';

/** The real relay process on a free port with its own data folder (as sync-server/test/helpers does). */
let server: { child: ChildProcess; url: string; dir: string };
beforeAll(async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'dure-web-'));
  const root = path.resolve(import.meta.dirname, '../..');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/main.ts', '--host', '127.0.0.1', '--port', '0', '--data-dir', path.join(dir, 'data')],
    { cwd: path.join(root, 'sync-server'), stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += String(d);
      const m = /Dure listening on http:\/\/(\S+?)\//.exec(out);
      if (m) resolve(`ws://${m[1]}/sync`);
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening`)));
  });
  server = { child, url, dir };
}, 30_000);
afterAll(async () => {
  if (!server) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
  await rm(server.dir, { recursive: true, force: true });
});

interface DocLink {
  readonly keys: DocKeys;
}

function newDocKeys(): { edit: DocLink; view: DocLink } {
  const cap = newEditCapability();
  return { edit: { keys: deriveDocKeys(cap) }, view: { keys: deriveDocKeys(viewCapabilityOf(cap)) } };
}

/** The real engine over `ws`, recording the type of every frame this device sends. */
function recordingEngine(sent: string[]): SyncEngine {
  return {
    startSession: (opts) => startSession({ ...opts, batchMs: 10, offlineBatchMs: 10 }),
    createTransport: (url): Transport => {
      const inner = createWebSocketTransport({ url, WebSocket });
      return {
        id: inner.id,
        kind: inner.kind,
        get buffered() {
          return inner.buffered;
        },
        connect: (h) => inner.connect(h),
        disconnect: () => inner.disconnect(),
        send: (frame) => {
          const f = decodeFrame(frame);
          sent.push(f.ok ? f.value.type : 'undecodable');
          return inner.send(frame);
        },
      };
    },
  };
}

function device(link: DocLink, sent: string[]): { view: SyncView; ydoc: Y.Doc; storage: MemoryStorage } {
  const ydoc = new Y.Doc();
  const storage = new MemoryStorage();
  const view = openSyncView({
    docId: link.keys.docId,
    ydoc,
    keys: link.keys,
    docKey: randomBytes(32),
    storage,
    engine: recordingEngine(sent),
    config: { url: server.url, user: { name: '보기 전용', color: '#00796b' } },
  });
  return { view, ydoc, storage };
}

const text = (d: Y.Doc): string => d.getText('t').toString();

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a view link never writes', () => {
  it('a script edit on the viewer is not sealed, not sent, and never reaches the editor', async () => {
    const { edit, view } = newDocKeys();
    const editorSent: string[] = [];
    const viewerSent: string[] = [];
    const e = device(edit, editorSent);
    try {
      e.ydoc.getText('t').insert(0, '성명서 초안');
      await until(() => e.view.status.state === 'synced' && e.view.status.pending === 0, 'the editor to sync');
      expect(editorSent).toContain('update');

      const v = device(view, viewerSent);
      try {
        await until(() => text(v.ydoc) === '성명서 초안', 'the viewer to receive the text');
        await until(() => v.view.status.state === 'synced', 'the viewer to report synced');

        v.ydoc.getText('t').insert(0, 'FORGED ');
        // A round trip after the forged edit: the viewer's session has run its batch window since.
        e.ydoc.getText('t').insert(e.ydoc.getText('t').length, ' v2');
        await until(() => text(v.ydoc).endsWith(' v2'), 'the viewer to receive the next edit');
        await until(() => e.view.status.pending === 0, 'the editor to be acknowledged');

        expect(viewerSent).not.toContain('update');
        expect(viewerSent).not.toContain('snapshot');
        expect(viewerSent).not.toContain('create');
        expect(await v.storage.keys(`sync/${view.keys.docId}/out/`)).toEqual([]);
        expect(v.view.status.pending).toBe(0);
        expect(text(e.ydoc)).toBe('성명서 초안 v2');
      } finally {
        await v.view.close();
      }
    } finally {
      await e.view.close();
    }
  });
});
