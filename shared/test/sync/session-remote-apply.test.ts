/**
 * The session's update listener is off while a remote update (SYNC_ORIGIN) is applied, so Yjs does not
 * encode what it just decoded (a joining device applying a whole snapshot paid that twice), and on again for
 * everything else: local typing and Yjs' own follow-up transactions must still be sealed.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { randomBytes } from '../../src/bytes';
import { deriveDocKeys, newEditCapability } from '../../src/crypto/capability';
import type { DocKeys } from '../../src/local/api';
import { newId, openUpdate, sealSnapshot, sealUpdate, type Frame } from '../../src/protocol/index';
import { MemoryStorage } from '../../src/storage/memory';
import { startSession, SYNC_ORIGIN } from '../../src/sync/session';
import { ScriptedRelay, tick } from './scripted-relay';

async function open(keys: DocKeys) {
  const relay = new ScriptedRelay();
  const ydoc = new Y.Doc();
  const session = await startSession({
    ydoc,
    keys,
    storage: new MemoryStorage(),
    docKey: randomBytes(32),
    transports: [relay],
    batchMs: 0,
    saveDelayMs: 0,
  });
  await tick();
  relay.deliver({ type: 'synced', docId: keys.docId, relaySeq: 1 });
  relay.deliver({ type: 'challenge', docId: keys.docId, connectionId: newId(), nonce: randomBytes(32) });
  relay.deliver({ type: 'done', docId: keys.docId, op: 'prove', blobId: null });
  await tick();
  return { relay, ydoc, session };
}

let relaySeq = 10;
const updateFrame = (keys: DocKeys, deviceId: string, seq: number, body: Uint8Array): Frame => ({
  type: 'update',
  docId: keys.docId,
  relaySeq: ++relaySeq,
  envelope: sealUpdate(keys, { epoch: 0, deviceId, seq }, body),
});

/** Whether anyone listens for updateV2 (Yjs encodes each transaction only then), seen after the session's own handler. */
function listeningDuring(ydoc: Y.Doc): { origin: unknown; listening: boolean }[] {
  const seen: { origin: unknown; listening: boolean }[] = [];
  ydoc.on('afterTransactionCleanup', (tr: Y.Transaction) => {
    const observers = (ydoc as unknown as { _observers: Map<string, Set<unknown>> })._observers;
    seen.push({ origin: tr.origin, listening: observers.has('updateV2') });
  });
  return seen;
}

describe('session: applying remote updates', () => {
  it('a joining device applies the snapshot without encoding it again, then seals its own typing', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const { relay, ydoc, session } = await open(keys);
    const seen = listeningDuring(ydoc);
    const source = new Y.Doc();
    source.getText('t').insert(0, '두레 회의록 '.repeat(200));
    relay.deliver({
      type: 'snapshot',
      docId: keys.docId,
      relaySeq: ++relaySeq,
      envelope: sealSnapshot(keys, { epoch: 0, parent: null, covers: [] }, Y.encodeStateAsUpdateV2(source)),
    });
    expect(ydoc.getText('t').toString()).toBe(source.getText('t').toString());
    expect(seen).toEqual([{ origin: SYNC_ORIGIN, listening: false }]);

    ydoc.getText('t').insert(0, '안녕 ');
    expect(seen.at(-1)).toEqual({ origin: null, listening: true });
    await session.flush();
    await tick();
    const sent = relay.take('update');
    expect(sent).toHaveLength(1);
    const plain = openUpdate(keys, sent[0]!.envelope);
    expect(plain.ok).toBe(true);
    const other = new Y.Doc();
    Y.applyUpdateV2(other, Y.encodeStateAsUpdateV2(source));
    if (plain.ok) Y.applyUpdateV2(other, plain.value);
    expect(other.getText('t').toString()).toBe(ydoc.getText('t').toString());
    await session.close();
  });

  it("Yjs' formatting cleanup after a remote update is still sealed and sent", async () => {
    const keys = deriveDocKeys(newEditCapability());
    const { relay, ydoc, session } = await open(keys);
    const seen = listeningDuring(ydoc);
    ydoc.getText('t').insert(0, '굵은 글씨 and the rest');
    await session.flush();
    await tick();
    expect(relay.take('update').length).toBeGreaterThan(0);
    const peer = new Y.Doc();
    Y.applyUpdateV2(peer, Y.encodeStateAsUpdateV2(ydoc));
    // both bold the same words concurrently: after the merge Yjs removes the duplicate format markers in a
    // transaction of its own (origin null), which every other device needs too
    ydoc.getText('t').format(0, 5, { bold: true });
    peer.getText('t').format(0, 5, { bold: true });
    await session.flush();
    await tick();
    const before = relay.take('update').map((f) => f.envelope.seq);
    expect(before.length).toBeGreaterThan(0);
    seen.length = 0;
    relay.deliver(updateFrame(keys, newId(), 1, Y.encodeStateAsUpdateV2(peer, Y.encodeStateVector(ydoc))));
    expect(seen).toEqual([
      { origin: SYNC_ORIGIN, listening: false },
      { origin: null, listening: true },
    ]);
    await session.flush();
    await tick();
    const cleanup = relay.take('update').filter((f) => f.envelope.seq > Math.max(...before));
    expect(cleanup).toHaveLength(1);
    const plain = openUpdate(keys, cleanup[0]!.envelope);
    expect(plain.ok && Y.decodeUpdateV2(plain.value).ds.clients.size).toBeGreaterThan(0);
    expect(ydoc.getText('t').toDelta()[0]).toEqual({ insert: '굵은 글씨', attributes: { bold: true } });
    await session.close();
  });

  it('after close the session listens for nothing on the document', async () => {
    const keys = deriveDocKeys(newEditCapability());
    const { ydoc, session } = await open(keys);
    await session.close();
    const observers = (ydoc as unknown as { _observers: Map<string, Set<unknown>> })._observers;
    expect(observers.has('updateV2')).toBe(false);
    expect(observers.has('afterTransactionCleanup')).toBe(false);
  });
});
