/** The sync session end to end: real relay process, real WebSocket transport, LocalDoc, real Yjs documents. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestClient } from '../../sync-server/test/relay-client';
import { startTestServer, type TestServer } from './server';
import { Device, newDocKeys, sleep, until, type DocLink } from './sessions';

let server: TestServer;
const devices: Device[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const d of devices) await d.close().catch(() => {});
  await server?.stop();
});

function device(link: DocLink, extra = {}): Device {
  const d = new Device(server.url, link, extra);
  devices.push(d);
  return d;
}

/** What the relay holds for a document, read by a plain protocol client (snapshot and update frames). */
async function relayHolds(docId: string): Promise<{ snapshots: number; updates: number }> {
  const c = await TestClient.open(server.port);
  try {
    const { frames } = await c.hello(docId);
    return {
      snapshots: frames.filter((f) => f.type === 'snapshot').length,
      updates: frames.filter((f) => f.type === 'update').length,
    };
  } finally {
    await c.close();
  }
}

/** The relay's own count of rejects with this reason (its /metrics endpoint). */
async function rejects(reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${server.port}/metrics`)).text();
  const m = new RegExp(`dure_rejects_total\\{reason="${reason}"\\} (\\d+)`).exec(text);
  return m ? Number(m[1]) : 0;
}

describe('sync session against the real relay', () => {
  it('two edit sessions converge, and whenAcknowledged/whenSynced resolve', async () => {
    const { edit } = newDocKeys();
    const a = device(edit);
    const b = device(edit);
    const sa = await a.start();
    await sa.whenSynced();
    a.ydoc.getText('t').insert(0, '안녕하세요 ');
    await sa.whenAcknowledged();
    expect(sa.status.pending).toBe(0);
    expect(sa.status.state).toBe('synced');

    const sb = await b.start();
    await sb.whenSynced();
    await until(() => b.text === '안녕하세요 ', 'b to receive a');
    b.ydoc.getText('t').insert(b.text.length, 'world');
    await sb.whenAcknowledged();
    await until(() => a.text === '안녕하세요 world', 'a to receive b');
    expect(a.text).toBe(b.text);
  });

  it('edits made while the transport is down are kept, counted as pending, and merge on reconnect', async () => {
    const { edit } = newDocKeys();
    const a = device(edit);
    const b = device(edit);
    const sa = await a.start();
    const sb = await b.start();
    await Promise.all([sa.whenSynced(), sb.whenSynced()]);
    a.transport!.setCut(true);
    await until(() => sa.status.state === 'offline', 'a offline');
    a.ydoc.getText('t').insert(0, 'offline-a ');
    b.ydoc.getText('t').insert(0, 'online-b ');
    await sa.flush();
    expect(sa.status.pending).toBeGreaterThan(0);
    await sb.whenAcknowledged();
    await sleep(200);
    expect(b.text).not.toContain('offline-a');
    a.transport!.setCut(false);
    await sa.whenAcknowledged();
    await until(() => a.text === b.text && a.text.includes('offline-a') && a.text.includes('online-b'), 'convergence');
    expect(sa.status.pending).toBe(0);
    expect(sa.status.state).toBe('synced');
  });

  it('a crash before the batch is sealed, and one after sealing before sending, lose nothing and reuse no seq', async () => {
    const { edit } = newDocKeys();
    const a = device(edit, { batchMs: 60_000, offlineBatchMs: 60_000 });
    const b = device(edit);
    const sb = await b.start();
    await sb.whenSynced();

    // 1. sealed and stored, then the session dies before the relay acknowledged it
    const s1 = await a.start();
    await s1.whenSynced();
    a.transport!.setCut(true);
    a.ydoc.getText('t').insert(0, 'sealed ');
    await s1.flush();
    const device1 = s1.deviceId;
    await a.crash();

    // 2. typed, never sealed (inside the window), then the session dies
    const s2 = await a.start();
    expect(a.text).toBe('sealed ');
    a.transport!.setCut(true);
    a.ydoc.getText('t').insert(a.text.length, 'unsealed ');
    await a.crash();

    // 3. restart online: both reach the relay, and a new edit gets a seq the relay has not seen
    const s3 = await a.start();
    expect(s3.deviceId).toBe(device1);
    expect(s2.deviceId).toBe(device1);
    a.ydoc.getText('t').insert(a.text.length, 'after');
    await s3.whenAcknowledged();
    await until(() => b.text === 'sealed unsealed after', `b to hold everything (has ${JSON.stringify(b.text)})`);
    expect(s3.status.problems.filter((p) => p.kind === 'rejected')).toEqual([]);
  });

  it('a view session reads live but never writes: its local changes reach no one', async () => {
    const { edit, view } = newDocKeys();
    const a = device(edit);
    const v = device(view);
    const sa = await a.start();
    a.ydoc.getText('t').insert(0, 'from editor');
    await sa.whenAcknowledged();
    const sv = await v.start();
    expect(sv.kind).toBe('view');
    await sv.whenSynced();
    await until(() => v.text === 'from editor', 'viewer to read');
    v.ydoc.getText('t').insert(0, 'forged ');
    await sv.whenAcknowledged();
    expect(sv.status.pending).toBe(0);
    a.ydoc.getText('t').insert(a.text.length, '!');
    await sa.whenAcknowledged();
    await until(() => v.text === 'forged from editor!', 'viewer to receive the next edit');
    expect(a.text).toBe('from editor!');
    const held = await relayHolds(edit.keys.docId);
    expect(held.updates).toBe(2);
  });

  it('a view session on a document the relay does not hold reports unknown-doc', async () => {
    const { view } = newDocKeys();
    const v = device(view);
    const sv = await v.start();
    await until(() => sv.status.problems.some((p) => p.kind === 'unknown-doc'), 'unknown-doc');
    expect(sv.status.state).toBe('error');
  });

  it('survives the relay being killed (SIGKILL) and restarted mid-session', async () => {
    const { edit } = newDocKeys();
    const a = device(edit);
    const b = device(edit);
    const sa = await a.start();
    const sb = await b.start();
    await Promise.all([sa.whenSynced(), sb.whenSynced()]);
    a.ydoc.getText('t').insert(0, 'before ');
    await sa.whenAcknowledged();
    await server.kill();
    await until(() => sa.status.state !== 'synced' && sb.status.state !== 'synced', 'both to notice');
    a.ydoc.getText('t').insert(a.text.length, 'during-a ');
    b.ydoc.getText('t').insert(0, 'during-b ');
    await Promise.all([sa.flush(), sb.flush()]);
    expect(sa.status.pending).toBeGreaterThan(0);
    await server.start();
    await Promise.all([sa.whenAcknowledged(), sb.whenAcknowledged()]);
    await until(() => a.text === b.text && a.text.includes('during-a') && a.text.includes('during-b'), 'convergence');
    expect(a.text).toContain('before');
    expect(sa.status.pending).toBe(0);
    expect(sb.status.pending).toBe(0);
    await until(() => sa.status.state === 'synced' && sb.status.state === 'synced', 'synced again');
  }, 60_000);

  it('compacts past the threshold, and a fresh device joins from the snapshot', async () => {
    const { edit } = newDocKeys();
    const a = device(edit, { snapshotEvery: { updates: 5, bytes: 1 << 20 } });
    const sa = await a.start();
    await sa.whenSynced();
    for (let i = 0; i < 12; i++) {
      a.ydoc.getText('t').insert(a.text.length, `${i} `);
      await sa.whenAcknowledged();
    }
    // The snapshot goes up after a random backoff of at most 2 s.
    let held = await relayHolds(edit.keys.docId);
    for (let i = 0; i < 100 && held.snapshots === 0; i++) {
      await sleep(100);
      held = await relayHolds(edit.keys.docId);
    }
    expect(held.snapshots).toBe(1);
    expect(held.updates).toBeLessThan(12);
    const c = device(edit);
    const sc = await c.start();
    await sc.whenSynced();
    await until(() => c.text === a.text, 'the fresh device to hold the document');
    expect(c.text).toBe('0 1 2 3 4 5 6 7 8 9 10 11 ');
  }, 30_000);

  it('two devices compacting concurrently never lose an update', async () => {
    const { edit } = newDocKeys();
    // No snapshot backoff: both devices cross the threshold on the same round of acks and upload at once.
    const opts = { snapshotEvery: { updates: 3, bytes: 1 << 20 }, random: () => 0 };
    const staleBefore = await rejects('snapshot-stale');
    const a = device(edit, opts);
    const b = device(edit, opts);
    const sa = await a.start();
    const sb = await b.start();
    await Promise.all([sa.whenSynced(), sb.whenSynced()]);
    for (let i = 0; i < 30; i++) {
      a.ydoc.getText('a').insert(a.ydoc.getText('a').length, `a${i};`);
      b.ydoc.getText('b').insert(b.ydoc.getText('b').length, `b${i};`);
      await Promise.all([sa.flush(), sb.flush()]);
      if (i % 3 === 0) await sleep(30);
    }
    await Promise.all([sa.whenAcknowledged(), sb.whenAcknowledged()]);
    await sleep(2500); // let snapshot backoffs (≤ 2 s) run out
    const c = device(edit);
    const sc = await c.start();
    await sc.whenSynced();
    const want = (p: string): string => Array.from({ length: 30 }, (_, i) => `${p}${i};`).join('');
    await until(
      () => c.ydoc.getText('a').toString() === want('a') && c.ydoc.getText('b').toString() === want('b'),
      'the fresh device to hold every update',
    );
    expect((await relayHolds(edit.keys.docId)).snapshots).toBe(1);
    // The race did happen: the relay refused at least one snapshot as stale.
    expect((await rejects('snapshot-stale')) - staleBefore).toBeGreaterThan(0);
    for (const s of [sa, sb, sc]) expect(s.status.problems.filter((p) => p.kind === 'rollback')).toEqual([]);
  }, 30_000);

  it('presence: a name set on one session shows on the other, encrypted over the relay', async () => {
    const { edit, view } = newDocKeys();
    const a = device(edit);
    const v = device(view);
    const sa = await a.start();
    await sa.whenSynced();
    const sv = await v.start();
    await sv.whenSynced();
    sa.setUser({ name: '김민수', color: '#112233' });
    const names = (s: typeof sv): string[] =>
      [...s.awareness.getStates().entries()]
        .filter(([id]) => id !== s.awareness.clientID)
        .map(([, st]) => (st as { user?: { name?: string } }).user?.name ?? '');
    await until(() => names(sv).includes('김민수'), 'the viewer to see the editor');
    sv.setUser({ name: 'viewer', color: '#445566' });
    await until(() => names(sa).includes('viewer'), 'the editor to see the viewer');
  });

  it('blobs: put by an editor, read by a viewer; an unknown id is not-found', async () => {
    const { edit, view } = newDocKeys();
    const a = device(edit);
    const v = device(view);
    const sa = await a.start();
    await sa.whenSynced();
    const blobId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const data = new Uint8Array([1, 2, 3, 4, 5]);
    // right after synced: the prove answer may still be on its way, and putBlob waits for it
    expect(await sa.putBlob(blobId, data)).toEqual({ ok: true, value: undefined });
    const sv = await v.start();
    await sv.whenSynced();
    const got = await sv.getBlob(blobId);
    expect(got.ok && [...got.value]).toEqual([1, 2, 3, 4, 5]);
    expect(await sv.getBlob('AAAAAAAAAAAAAAAAAAAAAg')).toMatchObject({ ok: false, error: 'not-found' });
    expect(await sv.putBlob(blobId, data)).toMatchObject({ ok: false, error: 'offline' });
  });

  it('a relay that lost the document (data deleted) gets the whole document back; nothing is lost', async () => {
    const { edit } = newDocKeys();
    const a = device(edit);
    const b = device(edit);
    const sa = await a.start();
    const sb = await b.start();
    await Promise.all([sa.whenSynced(), sb.whenSynced()]);
    a.ydoc.getText('t').insert(0, 'acknowledged-a ');
    await sa.whenAcknowledged();
    await until(() => b.text === 'acknowledged-a ', 'b to receive');
    b.ydoc.getText('t').insert(b.text.length, 'acknowledged-b ');
    await sb.whenAcknowledged();
    await until(() => a.text === 'acknowledged-a acknowledged-b ', 'a to receive');

    await server.wipeAndRestart();
    a.ydoc.getText('t').insert(a.text.length, 'after-a ');
    b.ydoc.getText('t').insert(b.text.length, 'after-b ');
    sa.retryNow();
    sb.retryNow();
    await Promise.all([sa.whenAcknowledged(), sb.whenAcknowledged()]);
    await until(() => a.text === b.text && a.text.includes('after-a') && a.text.includes('after-b'), 'convergence');

    const c = device(edit);
    const sc = await c.start();
    await sc.whenSynced();
    await until(() => c.text === a.text, 'a fresh device to get everything from the recreated document');
    for (const w of ['acknowledged-a', 'acknowledged-b', 'after-a', 'after-b']) expect(c.text).toContain(w);
  }, 60_000);
});
