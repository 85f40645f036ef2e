/**
 * What the session does with what a relay sends, played frame by frame through ScriptedRelay (the real
 * relay runs in test/integration). Envelopes are sealed with real capability keys.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../../src/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '../../src/crypto/capability';
import type { DocKeys } from '../../src/local/api';
import {
  newId,
  sealSnapshot,
  sealUpdate,
  snapshotProof,
  verifyProve,
  type Frame,
  type SnapshotEnvelope,
} from '../../src/protocol/index';
import { MemoryStorage } from '../../src/storage/memory';
import { startSession, SYNC_ORIGIN, type SessionOptions } from '../../src/sync/session';
import { ScriptedRelay, tick } from './scripted-relay';

let relaySeqs = 100;

function keysFor(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

async function open(keys: DocKeys, opts: Partial<SessionOptions> = {}) {
  const relay = new ScriptedRelay();
  const storage = new MemoryStorage();
  const ydoc = new Y.Doc();
  const session = await startSession({
    ydoc,
    keys,
    storage,
    docKey: randomBytes(32),
    transports: [relay],
    batchMs: 0,
    saveDelayMs: 0,
    ...opts,
  });
  await tick();
  return { relay, storage, ydoc, session };
}

/** The relay's side of catch-up (its head is the newest relaySeq handed out so far) and, for an edit
 * session, the prove handshake. */
async function syncUp(relay: ScriptedRelay, keys: DocKeys, relaySeq = relaySeqs): Promise<void> {
  relay.deliver({ type: 'synced', docId: keys.docId, relaySeq });
  if (keys.kind === 'edit') {
    relay.deliver({ type: 'challenge', docId: keys.docId, connectionId: newId(), nonce: randomBytes(32) });
    relay.deliver({ type: 'done', docId: keys.docId, op: 'prove', blobId: null });
  }
  await tick();
}

/** Successive Yjs v2 updates from a peer document, one per call. */
function peer() {
  const doc = new Y.Doc();
  return (text: string): Uint8Array => {
    let out: Uint8Array | undefined;
    const on = (u: Uint8Array): void => void (out = u);
    doc.on('updateV2', on);
    doc.getText('t').insert(doc.getText('t').length, text);
    doc.off('updateV2', on);
    return out!;
  };
}

function updateFrame(keys: DocKeys, deviceId: string, seq: number, body: Uint8Array): Frame {
  return {
    type: 'update',
    docId: keys.docId,
    relaySeq: ++relaySeqs,
    envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, body),
  };
}

const text = (d: Y.Doc): string => d.getText('t').toString();

describe('session: connecting and writing', () => {
  it('with no transports the state is local and nothing is pending', async () => {
    const { edit } = keysFor();
    const ydoc = new Y.Doc();
    const s = await startSession({
      ydoc,
      keys: edit,
      storage: new MemoryStorage(),
      docKey: randomBytes(32),
      transports: [],
    });
    ydoc.getText('t').insert(0, '오프라인');
    expect(s.status.state).toBe('local');
    expect(s.status.pending).toBe(0);
    await s.whenAcknowledged();
    await s.close();
  });

  it('an edit session asks for a challenge and answers it with a prove that verifies under the link key', async () => {
    const { edit } = keysFor();
    const { relay, session } = await open(edit);
    const [hello] = relay.take('hello');
    expect(hello).toMatchObject({ write: true, knownSnapId: null, sinceRelaySeq: 0 });
    const challenge = { docId: edit.docId, connectionId: newId(), nonce: randomBytes(32) };
    relay.deliver({ type: 'challenge', ...challenge });
    const [prove] = relay.take('prove');
    expect(verifyProve(edit.writePub, challenge, prove!.signature)).toBe(true);
    await session.close();
  });

  it('a view session asks for no challenge, creates nothing, and never sends an update', async () => {
    const { view } = keysFor();
    const { relay, session, ydoc } = await open(view);
    expect(relay.take('hello')[0]).toMatchObject({ write: false });
    relay.deliver({ type: 'reject', docId: view.docId, reason: 'unknown-doc', deviceId: null, seq: 0 });
    expect(relay.take('create')).toEqual([]);
    expect(session.status.problems.map((p) => p.kind)).toEqual(['unknown-doc']);
    ydoc.getText('t').insert(0, 'typed into a view');
    await session.flush();
    await tick(20);
    expect(relay.take('update')).toEqual([]);
    expect(session.status.pending).toBe(0);
    await session.close();
  });

  it('an unknown document is created (edit link) and hello is sent again', async () => {
    const { edit } = keysFor();
    const { relay, session } = await open(edit);
    relay.deliver({ type: 'reject', docId: edit.docId, reason: 'unknown-doc', deviceId: null, seq: 0 });
    expect(relay.take('create')).toHaveLength(1);
    relay.deliver({ type: 'done', docId: edit.docId, op: 'create', blobId: null });
    expect(relay.take('hello')).toHaveLength(2);
    await session.close();
  });

  it('stores an envelope before sending it: while storage fails nothing is sent, then it is', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc, storage } = await open(edit);
    await syncUp(relay, edit);
    storage.failNextBatch('quota');
    ydoc.getText('t').insert(0, '저장 먼저');
    await tick(20);
    expect(relay.take('update')).toEqual([]);
    expect(session.status.pending).toBe(1);
    await tick(1200); // the seal is retried after a second
    const [u] = relay.take('update');
    expect(u?.envelope.seq).toBe(1);
    relay.deliver({ type: 'ack', docId: edit.docId, deviceId: u!.envelope.deviceId, seq: 1, relaySeq: 1 });
    expect(session.status.pending).toBe(0);
    await session.whenAcknowledged();
    await session.close();
  });

  it('counts pending until acked; reject{duplicate} is an ack; seqs are consecutive', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    ydoc.getText('t').insert(0, 'a');
    await session.flush();
    ydoc.getText('t').insert(1, 'b');
    await session.flush();
    await tick();
    const sent = relay.take('update');
    expect(sent.map((f) => f.envelope.seq)).toEqual([1, 2]);
    expect(session.status.pending).toBe(2);
    const dev = sent[0]!.envelope.deviceId;
    relay.deliver({ type: 'ack', docId: edit.docId, deviceId: dev, seq: 1, relaySeq: 1 });
    expect(session.status.pending).toBe(1);
    relay.deliver({ type: 'reject', docId: edit.docId, reason: 'duplicate', deviceId: dev, seq: 2 });
    expect(session.status.pending).toBe(0);
    await session.close();
  });

  it('batching: a keystroke after a pause is sent at once, keystrokes inside the window become one envelope', async () => {
    const { edit } = keysFor();
    let clock = 1_000_000;
    // a window far longer than the test: only the leading edge can send before flush()
    const { relay, session, ydoc } = await open(edit, { batchMs: 10_000, now: () => clock });
    await syncUp(relay, edit);
    const t = ydoc.getText('t');
    const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 30));
    t.insert(0, 'a');
    await settle();
    expect(relay.take('update')).toHaveLength(1);
    t.insert(1, 'b');
    t.insert(2, 'c');
    await settle();
    expect(relay.take('update')).toHaveLength(1); // b and c wait for the window
    await session.flush();
    await tick();
    const sent = relay.take('update');
    expect(sent).toHaveLength(2);
    clock += 10_001;
    t.insert(3, 'd');
    await settle();
    expect(relay.take('update')).toHaveLength(3);
    expect(sent[1]!.envelope.seq).toBe(2);
    await session.close();
  });

  it('a relay that refuses for lack of storage turns the state to error until a later ack', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    ydoc.getText('t').insert(0, 'x');
    await session.flush();
    const [u] = relay.take('update');
    relay.deliver({
      type: 'reject',
      docId: edit.docId,
      reason: 'storage-unavailable',
      deviceId: u!.envelope.deviceId,
      seq: 1,
    });
    expect(session.status.state).toBe('error');
    expect(session.status.problems.at(-1)).toMatchObject({ kind: 'rejected', detail: 'storage-unavailable' });
    expect(session.status.pending).toBe(1);
    await tick(3000); // resent after a backoff
    expect(relay.take('update').length).toBeGreaterThan(1);
    relay.deliver({ type: 'ack', docId: edit.docId, deviceId: u!.envelope.deviceId, seq: 1, relaySeq: 1 });
    expect(session.status.state).toBe('synced');
    await session.close();
  });
});

describe('session: receiving', () => {
  it('applies a verified update with SYNC_ORIGIN and never re-seals it', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    const origins: unknown[] = [];
    ydoc.on('update', (_u: Uint8Array, o: unknown) => origins.push(o));
    const p = peer();
    relay.deliver(updateFrame(edit, newId(), 1, p('원격')));
    expect(text(ydoc)).toBe('원격');
    expect(origins).toEqual([SYNC_ORIGIN]);
    await session.flush();
    expect(relay.take('update')).toEqual([]);
    expect(session.status.pending).toBe(0);
    await session.close();
  });

  it('a tampered envelope is reported, quarantined and changes nothing', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc, storage } = await open(edit);
    await syncUp(relay, edit);
    const f = updateFrame(edit, newId(), 1, peer()('forged'));
    if (f.type !== 'update') throw new Error('unreachable');
    const bytes = f.envelope.bytes.slice();
    bytes[80] = bytes[80]! ^ 1; // inside the ciphertext: the signature no longer verifies
    relay.deliver({ ...f, envelope: { ...f.envelope, bytes } });
    expect(text(ydoc)).toBe('');
    expect(session.status.problems.map((p) => [p.kind, p.detail])).toEqual([['bad-envelope', 'bad-signature']]);
    await tick(10);
    expect(await storage.keys(`sync/${edit.docId}/quarantine/`)).toHaveLength(1);
    await session.close();
  });

  it("an envelope signed by a key other than the link's write key is refused (a viewer forging)", async () => {
    const { edit } = keysFor();
    const other = keysFor().edit;
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    // A viewer's best forgery: the document's read secret (so it decrypts and has the right docId) with a
    // write key of its own.
    const forger: DocKeys = {
      docId: edit.docId,
      kind: 'edit',
      readSecret: edit.readSecret,
      writePub: other.writePub,
      writeSeed: other.writeSeed!,
      contentKey: (e) => edit.contentKey(e),
      presenceKey: (e) => edit.presenceKey(e),
      blobKey: (id) => edit.blobKey(id),
    };
    relay.deliver(updateFrame(forger, newId(), 1, peer()('forged')));
    expect(text(ydoc)).toBe('');
    expect(session.status.problems.at(-1)?.kind).toBe('bad-envelope');
    await session.close();
  });

  it('a signed update that is not Yjs is quarantined and skipped; the next one still applies', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    const dev = newId();
    const p = peer();
    const first = p('one ');
    relay.deliver(updateFrame(edit, dev, 1, new Uint8Array([0xff, 0xff, 0xff, 0x01, 0x02])));
    expect(session.status.problems.map((x) => x.kind)).toEqual(['bad-update']);
    relay.deliver(updateFrame(edit, dev, 2, first));
    expect(text(ydoc)).toBe('one ');
    await session.close();
  });

  it('orders by (device, seq): a gap waits, a replay is ignored, a hole left after synced is reported', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    const dev = newId();
    const p = peer();
    const u1 = updateFrame(edit, dev, 1, p('1'));
    const u2 = updateFrame(edit, dev, 2, p('2'));
    const u3 = updateFrame(edit, dev, 3, p('3'));
    const u5 = updateFrame(edit, dev, 5, p('5'));
    relay.deliver(u2);
    expect(text(ydoc)).toBe('');
    relay.deliver(u1);
    expect(text(ydoc)).toBe('12');
    relay.deliver(u1);
    relay.deliver(u3);
    expect(text(ydoc)).toBe('123');
    relay.deliver(u5); // 4 never comes
    await syncUp(relay, edit);
    expect(session.status.problems).toEqual([]);
    await tick(2200);
    expect(session.status.problems.map((x) => [x.kind, x.detail])).toEqual([['missing-updates', dev]]);
    expect(text(ydoc)).toBe('123');
    await session.close();
  });

  it('a hole in live delivery is reported, and the relay is asked once more from before the hole', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    const dev = newId();
    const p = peer();
    const u1 = updateFrame(edit, dev, 1, p('1'));
    const u2 = updateFrame(edit, dev, 2, p('2'));
    const u3 = updateFrame(edit, dev, 3, p('3'));
    relay.deliver(u1);
    relay.deliver(u3); // the relay withholds u2
    await tick(2200);
    expect(session.status.problems.map((x) => [x.kind, x.detail])).toEqual([['missing-updates', dev]]);
    await tick(700); // reconnects after a backoff (≤ 500 ms on the first retry)
    expect(relay.connects).toBe(2);
    const hellos = relay.take('hello');
    expect(hellos.at(-1)?.sinceRelaySeq).toBe(u1.type === 'update' ? u1.relaySeq : -1);
    await syncUp(relay, edit);
    relay.deliver(u2);
    relay.deliver(u3);
    expect(text(ydoc)).toBe('123');
    await session.close();
  });

  it('a relay whose log went backwards (it lost data) is read again from the start', async () => {
    const { view } = keysFor();
    const { relay, session } = await open(view, { random: () => 0 });
    await syncUp(relay, view, 40);
    relay.drop();
    await tick(5);
    await syncUp(relay, view, 3); // the relay came back with a shorter log
    expect(session.status.problems.map((p) => p.detail)).toEqual(['relay-regressed']);
    await tick(5);
    const hellos = relay.take('hello');
    expect(hellos.map((h) => h.sinceRelaySeq)).toEqual([0, 40, 0]);
    await session.close();
  });

  it('holdRemote queues verified updates and applies them in order when the last hold is released', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    const dev = newId();
    const p = peer();
    const a = session.holdRemote();
    const b = session.holdRemote();
    relay.deliver(updateFrame(edit, dev, 1, p('가')));
    relay.deliver(updateFrame(edit, dev, 2, p('나')));
    expect(text(ydoc)).toBe('');
    a();
    a();
    expect(text(ydoc)).toBe('');
    b();
    expect(text(ydoc)).toBe('가나');
    await session.close();
  });

  it('a snapshot applies and advances coverage; one that does not extend ours is a rollback, still applied', async () => {
    const { edit } = keysFor();
    const { relay, session, ydoc } = await open(edit);
    await syncUp(relay, edit);
    const dev = newId();
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'snap ');
    const s1 = sealSnapshot(
      edit,
      { epoch: 0, parent: null, covers: [{ deviceId: dev, through: 3 }] },
      Y.encodeStateAsUpdateV2(doc),
    );
    relay.deliver({ type: 'snapshot', docId: edit.docId, relaySeq: 10, envelope: s1 });
    expect(text(ydoc)).toBe('snap ');
    // seq 3 is covered: a replay; seq 4 is next
    relay.deliver(updateFrame(edit, dev, 3, peer()('old')));
    expect(text(ydoc)).toBe('snap ');
    expect(session.status.problems).toEqual([]);
    const good: SnapshotEnvelope = sealSnapshot(
      edit,
      { epoch: 0, parent: { snapId: s1.snapId, proof: snapshotProof(s1) }, covers: [{ deviceId: dev, through: 4 }] },
      Y.encodeStateAsUpdateV2(doc),
    );
    relay.deliver({ type: 'snapshot', docId: edit.docId, relaySeq: 11, envelope: good });
    expect(session.status.problems).toEqual([]);
    // The relay now serves the older one again.
    doc.getText('t').insert(5, 'extra');
    const fork = sealSnapshot(
      edit,
      { epoch: 0, parent: null, covers: [{ deviceId: dev, through: 4 }] },
      Y.encodeStateAsUpdateV2(doc),
    );
    relay.deliver({ type: 'snapshot', docId: edit.docId, relaySeq: 12, envelope: fork });
    expect(session.status.problems.map((x) => x.kind)).toEqual(['rollback']);
    expect(text(ydoc)).toBe('snap extra');
    await session.close();
  });

  it('after a restart, hello resumes from the saved position and known snapshot', async () => {
    const { edit } = keysFor();
    const relay = new ScriptedRelay();
    const storage = new MemoryStorage();
    const docKey = randomBytes(32);
    const start = (ydoc: Y.Doc) =>
      startSession({ ydoc, keys: edit, storage, docKey, transports: [relay], batchMs: 0, saveDelayMs: 0 });
    const ydoc = new Y.Doc();
    const s = await start(ydoc);
    await tick();
    await syncUp(relay, edit, 7);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'x');
    const snap = sealSnapshot(edit, { epoch: 0, parent: null, covers: [] }, Y.encodeStateAsUpdateV2(doc));
    relay.deliver({ type: 'snapshot', docId: edit.docId, relaySeq: 9, envelope: snap });
    await tick(10);
    await s.close();
    relay.sent.length = 0;
    const s2 = await start(new Y.Doc());
    await tick();
    expect(relay.take('hello')[0]).toMatchObject({ knownSnapId: snap.snapId, sinceRelaySeq: 9 });
    await s2.close();
  });
});
