/**
 * WebRTC signal frames through the real server process (PROTOCOL.md, "Signaling"): forwarded like presence
 * between connections subscribed to one document, to everyone or to one claimed peer id; never stored,
 * never logged; oversized, unsubscribed, spoofed and flooding signals go nowhere and harm no one else.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import {
  CLOSE,
  MAX_SIGNAL_BYTES,
  encodeFrame,
  newPeerId,
  openSignal,
  sealSignal,
  type Frame,
} from '@dure/shared/protocol/index';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type Running } from './helpers';
import { TestClient } from './relay-client';

type Signal = Extract<Frame, { type: 'signal' }>;

function newDoc(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

let counter = 0;
function signal(keys: DocKeys, from: string, to: string | null, body: string): Signal {
  const data = sealSignal(keys, { epoch: 0, from, to, counter: ++counter }, new TextEncoder().encode(body));
  return { type: 'signal', docId: keys.docId, from, to, data };
}

const body = (keys: DocKeys, f: Signal, self: string): string => {
  const r = openSignal(keys, f, self);
  if (!r.ok) throw new Error(`signal did not open: ${r.error}`);
  return new TextDecoder().decode(r.value.payload);
};

/** Signals `c` received (after `next` took the marker, everything before it is in the queue). */
const signalsIn = (c: TestClient): Signal[] => c.unread().filter((f): f is Signal => f.type === 'signal');

let dir: string;
let server: Running;
const clients: TestClient[] = [];
async function connect(): Promise<TestClient> {
  const c = await TestClient.open(server.port);
  clients.push(c);
  return c;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-signal-'));
  server = await startServer([
    '--port',
    '0',
    '--data-dir',
    path.join(dir, 'data'),
    '--web-dir',
    path.join(dir, 'none'),
  ]);
});

afterAll(async () => {
  for (const c of clients) c.ws.terminate();
  server?.child.kill('SIGTERM');
  await server?.exited;
  await rm(dir, { recursive: true, force: true });
});

/** Three subscribers of one document (an editor and two viewers) and one of another document. */
async function room() {
  const doc = newDoc();
  const other = newDoc();
  const [a, b, c, d] = [await connect(), await connect(), await connect(), await connect()];
  expect(await a.create(doc.edit)).toMatchObject({ type: 'done', op: 'create' });
  expect(await d.create(other.edit)).toMatchObject({ type: 'done', op: 'create' });
  await a.hello(doc.edit.docId);
  await b.hello(doc.view.docId);
  await c.hello(doc.view.docId);
  await d.hello(other.view.docId);
  const ids = { a: newPeerId(), b: newPeerId(), c: newPeerId(), d: newPeerId() };
  return { doc, other, a, b, c, d, ids };
}

describe('signal frames through the relay', () => {
  it('a broadcast reaches every other subscriber of the document, byte for byte, and no one else', async () => {
    const { doc, other, a, b, c, d, ids } = await room();
    const sent = signal(doc.edit, ids.a, null, 'hello from a');
    a.send(sent);
    const atB = await b.next('signal');
    const atC = await c.next('signal');
    expect(encodeFrame(atB)).toEqual(encodeFrame(sent));
    expect(body(doc.view, atC, ids.c)).toBe('hello from a');
    // d (another document) and a (the sender) get nothing. The fan-out wrote to every socket before b saw
    // it, so a reply d and a get afterwards comes after anything the fan-out sent them.
    await d.hello(other.view.docId);
    await a.hello(doc.edit.docId);
    expect(signalsIn(d)).toEqual([]);
    expect(signalsIn(a)).toEqual([]);
  });

  it('an addressed signal reaches only the connection that claimed that peer id', async () => {
    const { doc, a, b, c, ids } = await room();
    // b and c claim their peer ids with their first signal (a broadcast).
    b.send(signal(doc.view, ids.b, null, 'b here'));
    c.send(signal(doc.view, ids.c, null, 'c here'));
    await a.next('signal', (f) => f.from === ids.b);
    await a.next('signal', (f) => f.from === ids.c);
    a.send(signal(doc.edit, ids.a, ids.b, 'offer for b'));
    a.send(signal(doc.edit, ids.a, null, 'marker'));
    const atB = await b.next('signal', (f) => f.from === ids.a && f.to === ids.b);
    expect(body(doc.view, atB, ids.b)).toBe('offer for b');
    await c.next('signal', (f) => f.from === ids.a && f.to === null);
    expect(signalsIn(c).filter((f) => f.from === ids.a)).toEqual([]);
    // To a peer id nobody claimed: nothing, and the sender stays connected.
    a.send(signal(doc.edit, ids.a, newPeerId(), 'lost'));
    a.send(signal(doc.edit, ids.a, null, 'marker 2'));
    await b.next('signal', (f) => f.from === ids.a && f.to === null && body(doc.view, f, ids.b) === 'marker 2');
    expect(signalsIn(b).map((f) => body(doc.view, f, ids.b))).not.toContain('lost');
  });

  it('a connection not subscribed to the document reaches no one, and stays connected', async () => {
    const { doc, a, b, d, ids } = await room();
    d.send(signal(doc.view, ids.d, null, 'not subscribed'));
    d.send(signal(doc.view, ids.d, ids.a, 'not subscribed either'));
    // Frames of one connection are handled in order: once d has subscribed, its marker follows the two above.
    await d.hello(doc.view.docId);
    d.send(signal(doc.view, ids.d, null, 'subscribed now'));
    const got = await b.next('signal', (f) => f.from === ids.d);
    expect(body(doc.view, got, ids.b)).toBe('subscribed now');
    await a.next('signal', (f) => f.from === ids.d);
    expect(signalsIn(a).filter((f) => f.from === ids.d)).toEqual([]);
  });

  it('one connection cannot signal as another peer id, nor take one already claimed', async () => {
    const { doc, a, b, c, ids } = await room();
    b.send(signal(doc.view, ids.b, null, 'b claims'));
    await a.next('signal', (f) => f.from === ids.b);
    // c poses as b: dropped (b holds that id), and c's own later id cannot be a second one either.
    c.send(signal(doc.view, ids.b, ids.a, 'I am b'));
    c.send(signal(doc.view, ids.c, null, 'c claims'));
    c.send(signal(doc.view, newPeerId(), null, 'c again, as someone new'));
    c.send(signal(doc.view, ids.c, null, 'marker'));
    await a.next('signal', (f) => f.from === ids.c && body(doc.edit, f, ids.a) === 'c claims');
    await a.next('signal', (f) => f.from === ids.c && body(doc.edit, f, ids.a) === 'marker');
    expect(signalsIn(a).map((f) => body(doc.edit, f, ids.a))).toEqual([]);
  });

  it('closes only the connection that sends an oversized signal (4002)', async () => {
    const { doc, a, b, ids } = await room();
    const frame = encodeFrame(signal(doc.view, ids.b, null, 'x'));
    const big = new Uint8Array(54 + MAX_SIGNAL_BYTES + 1);
    big.set(frame.subarray(0, 50));
    new DataView(big.buffer).setUint32(50, MAX_SIGNAL_BYTES + 1);
    b.sendRaw(big);
    expect((await b.closed).code).toBe(CLOSE.frameTooLarge);
    a.send(signal(doc.edit, ids.a, null, 'still here'));
    const c2 = await connect();
    await c2.hello(doc.view.docId);
    a.send(signal(doc.edit, ids.a, null, 'after'));
    expect(body(doc.view, await c2.next('signal'), ids.c)).toBe('after');
  });

  it('drops a flood beyond the per-document signal rate without closing anyone', async () => {
    const { doc, a, b, ids } = await room();
    for (let i = 0; i < 100; i++) a.send(signal(doc.edit, ids.a, null, `flood ${i}`));
    // The rate window is one second: a marker sent after the window has passed gets through again.
    await new Promise((r) => setTimeout(r, 1100));
    a.send(signal(doc.edit, ids.a, null, 'after the flood'));
    await b.next('signal', (f) => body(doc.view, f, ids.b) === 'after the flood');
    const relayed = signalsIn(b).length;
    // 20 per second (one window, or two if the burst spans a boundary), never all 100.
    expect(relayed).toBeGreaterThanOrEqual(20);
    expect(relayed).toBeLessThanOrEqual(40);
    expect(server.child.exitCode).toBeNull();
  });

  it('keeps no signal: not for a later subscriber, not on disk, not in the logs', async () => {
    const { doc, a, b, ids } = await room();
    const marker = 'signal-canary-신호';
    const sent = signal(doc.edit, ids.a, null, marker);
    a.send(sent);
    await b.next('signal');
    const late = await connect();
    const caught = await late.hello(doc.view.docId);
    expect(caught.frames).toEqual([]);
    expect(signalsIn(late)).toEqual([]);
    const needle = Buffer.from(sent.data.subarray(30, 94));
    const files = await readdir(path.join(dir, 'data'), { recursive: true, withFileTypes: true });
    for (const f of files.filter((e) => e.isFile())) {
      const content = await readFile(path.join(f.parentPath, f.name));
      expect(content.includes(needle), f.name).toBe(false);
    }
    const logs = server.stdout() + server.stderr();
    expect(logs).not.toContain(ids.a);
    expect(logs).not.toContain(Buffer.from(sent.data).toString('base64'));
  });
});
