/**
 * A full disk under the real server process: it stops acknowledging (reject storage-unavailable), does
 * not crash (healthz answers, other connections stay open), and acknowledges again once space returns;
 * every acknowledged update is there afterwards. The data folder is a small tmpfs mounted in the server's
 * own mount namespace (`unshare -m`, root needed), so the host never sees the mount; the test reaches the
 * tmpfs through /proc/<pid>/root to fill it and to free it again.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { newId, sealUpdate, type Frame } from '@dure/shared/protocol/index';
import { afterAll, describe, expect, it } from 'vitest';
import { serverEnv, watchServer } from './helpers';
import { TestClient } from './relay-client';

const pkgDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const mountPoint = mkdtempSync(path.join(tmpdir(), 'dure-faults-fulldisk-'));

function canMount(): string | null {
  if (process.platform !== 'linux') return 'needs Linux (mount namespaces)';
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs in its own namespace';
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']);
  if (r.error) return `needs unshare (util-linux): ${r.error.message}`;
  if (r.status !== 0) return `unshare --mount failed: ${String(r.stderr)}`;
  return null;
}

interface NsServer {
  readonly pid: number;
  readonly port: number;
  readonly url: string;
  readonly exited: Promise<number | string>;
  alive(): boolean;
  kill(signal: NodeJS.Signals): void;
}

let server: NsServer | undefined;
afterAll(async () => {
  if (server?.alive()) {
    server.kill('SIGKILL');
    await server.exited;
  }
  rmSync(mountPoint, { recursive: true, force: true });
});

/** The real server on a 4 MiB tmpfs; unshare execs sh, which execs node, so the child's pid is the server's. */
async function startOnTmpfs(): Promise<NsServer> {
  const script = `mount -t tmpfs -o size=4m tmpfs "$DURE_FULL_DIR" && exec "$0" --import tsx src/main.ts --port 0 --data-dir "$DURE_FULL_DIR/data" --web-dir "$DURE_FULL_DIR/none"`;
  const child = spawn('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script, process.execPath], {
    cwd: pkgDir,
    env: serverEnv({ DURE_FULL_DIR: mountPoint }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { url, port, exited } = await watchServer(child);
  return {
    pid: child.pid!,
    url,
    port,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    kill: (s) => child.kill(s),
  };
}

const BODY = 8192;
function body(seq: number): Uint8Array {
  return new Uint8Array(BODY).fill(seq % 251);
}

/** The envelope bytes last sent for each seq, to compare what is read back byte for byte. */
const sentBytes = new Map<number, Uint8Array>();

async function write(c: TestClient, keys: DocKeys, deviceId: string, seq: number): Promise<Frame> {
  const envelope = sealUpdate(keys, { epoch: 0, deviceId, seq }, body(seq));
  sentBytes.set(seq, envelope.bytes);
  c.send({ type: 'update', docId: keys.docId, relaySeq: 0, envelope });
  return c.nextWhere((f) => f.docId === keys.docId && (f.type === 'ack' || f.type === 'reject'));
}

describe('full disk under the real server process', () => {
  it('stops acknowledging, stays up with its other connections, and acknowledges again when space returns', async () => {
    const why = canMount();
    if (why) throw new Error(`this test mounts a tmpfs in its own mount namespace and ${why}`);
    server = await startOnTmpfs();
    const s = server;
    const cap = newEditCapability();
    const keys = deriveDocKeys(cap);
    const view = deriveDocKeys(viewCapabilityOf(cap));

    const w = await TestClient.open(s.port);
    expect(await w.create(keys)).toMatchObject({ type: 'done', op: 'create' });
    await w.prove(keys);
    const reader = await TestClient.open(s.port);
    await reader.hello(view.docId);
    let readerClosed = false;
    void reader.closed.then(() => (readerClosed = true));

    // Leave well under 1 MiB free, then write until the disk is full.
    const filler = `/proc/${s.pid}/root${mountPoint}/filler`;
    writeFileSync(filler, new Uint8Array(3 * 1024 * 1024));
    const device = newId();
    let acked = 0;
    let refusal: Frame | undefined;
    for (let seq = 1; seq <= 1000; seq++) {
      const f = await write(w, keys, device, seq);
      if (f.type !== 'ack') {
        refusal = f;
        break;
      }
      acked = seq;
    }
    expect(acked).toBeGreaterThan(5); // it did write before the disk filled
    expect(refusal).toMatchObject({ type: 'reject', reason: 'storage-unavailable' });
    // Still full: refused again, and nothing was acknowledged for it.
    expect(await write(w, keys, device, acked + 1)).toMatchObject({ type: 'reject', reason: 'storage-unavailable' });

    // The process is up: healthz answers, both connections are open, a new one can read what was acked.
    expect(s.alive()).toBe(true);
    expect((await fetch(new URL('/healthz', s.url))).status).toBe(200);
    expect(readerClosed).toBe(false);
    expect(w.ws.readyState).toBe(w.ws.OPEN);
    const whileFull = await TestClient.open(s.port);
    expect((await whileFull.hello(view.docId)).frames.length).toBe(acked);
    await whileFull.close();

    rmSync(filler);
    expect(await write(w, keys, device, acked + 1)).toMatchObject({ type: 'ack', seq: acked + 1 });
    // The reader that stayed connected gets the write made after recovery.
    const live = await reader.next('update', (f) => f.envelope.kind === 'update' && f.envelope.seq === acked + 1);
    expect(live.docId).toBe(view.docId);

    // Everything acknowledged is there, in order, byte for byte.
    const after = await TestClient.open(s.port);
    const { frames } = await after.hello(view.docId);
    const seqs = frames.map((f) => (f.type === 'update' && f.envelope.kind === 'update' ? f.envelope.seq : -1));
    expect(seqs).toEqual(Array.from({ length: acked + 1 }, (_, k) => k + 1));
    const differing = frames.filter(
      (f) => f.type === 'update' && !Buffer.from(f.envelope.bytes).equals(Buffer.from(sentBytes.get(f.envelope.seq)!)),
    );
    expect(differing).toEqual([]);
    await after.close();
    w.ws.terminate();
    reader.ws.terminate();
    s.kill('SIGTERM');
    expect(await s.exited).toBe(0);
  }, 60_000);
});
