import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '../src/crypto/capability';
import type { DocKeys } from '../src/local/api';
import { newId, sealPresence, sealSnapshot, sealUpdate, signCreate, type Frame } from '../src/protocol/index';

export interface Doc {
  edit: DocKeys;
  view: DocKeys;
}

export function newDoc(): Doc {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

/** Deterministic PRNG (mulberry32): a failing seed replays exactly. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One valid frame of every type, with small payloads, for round-trip, truncation and mutation tests. */
export function sampleFrames(doc: Doc): Frame[] {
  const docId = doc.edit.docId;
  const deviceId = newId();
  const update = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 3 }, Uint8Array.of(1, 2, 3));
  const first = sealSnapshot(doc.edit, { epoch: 0, parent: null, covers: [] }, Uint8Array.of(9));
  const snapshot = sealSnapshot(
    doc.edit,
    {
      epoch: 2,
      parent: { snapId: first.snapId, proof: new Uint8Array(32).fill(7) },
      covers: [
        { deviceId, through: 3 },
        { deviceId: newId(), through: 1 },
      ],
    },
    Uint8Array.of(4, 5),
  );
  const presence = sealPresence(doc.view, { epoch: 0, sessionId: newId(), counter: 1 }, Uint8Array.of(6));
  const nonce = new Uint8Array(32).fill(5);
  const sig = new Uint8Array(64).fill(6);
  return [
    { type: 'hello', docId, write: false, knownSnapId: null, sinceRelaySeq: 0 },
    { type: 'hello', docId, write: true, knownSnapId: newId(), sinceRelaySeq: 2 ** 53 - 1 },
    { type: 'challenge', docId, connectionId: newId(), nonce },
    { type: 'prove', docId, nonce, signature: sig },
    {
      type: 'create',
      docId,
      writePub: doc.edit.writePub,
      signature: signCreate(doc.edit),
      inviteToken: new Uint8Array(0),
    },
    {
      type: 'create',
      docId,
      writePub: doc.edit.writePub,
      signature: sig,
      inviteToken: new TextEncoder().encode('초대'),
    },
    { type: 'update', docId, relaySeq: 0, envelope: update },
    { type: 'update', docId, relaySeq: 41, envelope: update },
    { type: 'ack', docId, deviceId, seq: 3, relaySeq: 41 },
    { type: 'snapshot', docId, relaySeq: 0, envelope: first },
    { type: 'snapshot', docId, relaySeq: 42, envelope: snapshot },
    { type: 'presence', docId, envelope: presence },
    { type: 'synced', docId, relaySeq: 42 },
    { type: 'reject', docId: null, reason: 'rate-limited', deviceId: null, seq: 0 },
    { type: 'reject', docId, reason: 'seq-gap', deviceId, seq: 5 },
    { type: 'delete', docId, nonce, signature: sig },
    { type: 'blob-put', docId, blobId: newId(), data: Uint8Array.of(1, 2, 3, 4) },
    { type: 'blob-put', docId, blobId: newId(), data: new Uint8Array(0) },
    { type: 'blob-get', docId, blobId: newId() },
    { type: 'blob', docId, blobId: newId(), data: Uint8Array.of(8) },
    { type: 'done', docId, op: 'create', blobId: null },
    { type: 'done', docId, op: 'snapshot', blobId: null },
    { type: 'done', docId, op: 'blob-put', blobId: newId() },
    { type: 'signal', docId, from: newId(), to: null, data: Uint8Array.of(1) },
    { type: 'signal', docId, from: newId(), to: newId(), data: new Uint8Array(0) },
  ];
}
