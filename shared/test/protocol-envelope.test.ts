import { describe, expect, it } from 'vitest';
import { deriveDocKeys } from '../src/crypto/capability';
import {
  DeviceSeqs,
  PresenceSeen,
  decodeEnvelope,
  extendsSnapshot,
  isValidWritePub,
  newId,
  openPresence,
  openSnapshot,
  openUpdate,
  sealPresence,
  sealSnapshot,
  sealUpdate,
  signCreate,
  signDelete,
  signProve,
  snapshotProof,
  verifyCreate,
  verifyDelete,
  verifyEnvelopeSignature,
  verifyProve,
  type Envelope,
  type SnapshotEnvelope,
  type UpdateEnvelope,
} from '../src/protocol/index';
import { newDoc } from './protocol-helpers';

const doc = newDoc();
const deviceId = newId();
const text = new TextEncoder().encode('회의록: 내일 10시 집회');

function redecode<T extends Envelope>(bytes: Uint8Array): T {
  const r = decodeEnvelope(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.error}`);
  return r.value as T;
}

/** Flips one bit of byte i; the result is either undecodable or decodes to an envelope. */
function flipped(env: Envelope, i: number): Envelope | undefined {
  const b = env.bytes.slice();
  b[i]! ^= 0x01;
  const r = decodeEnvelope(b);
  return r.ok ? r.value : undefined;
}

describe('update envelopes', () => {
  const env = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 1 }, text);

  it('round-trips for editors and viewers, and the header is readable without the key', () => {
    expect(openUpdate(doc.edit, env)).toEqual({ ok: true, value: text });
    expect(openUpdate(doc.view, env)).toEqual({ ok: true, value: text });
    const back = redecode<UpdateEnvelope>(env.bytes);
    expect(back).toMatchObject({ kind: 'update', docId: doc.edit.docId, epoch: 0, deviceId, seq: 1 });
    expect(openUpdate(doc.view, back)).toEqual({ ok: true, value: text });
  });

  it('does not carry the plaintext in the clear', () => {
    const hay = Buffer.from(env.bytes);
    expect(hay.includes(Buffer.from(text))).toBe(false);
    expect(hay.includes(Buffer.from(doc.edit.readSecret))).toBe(false);
  });

  it('rejects every single-bit flip anywhere in the envelope (header, nonce, ciphertext, signature)', () => {
    for (let i = 0; i < env.bytes.length; i++) {
      const t = flipped(env, i);
      if (t === undefined) continue; // undecodable is rejected too
      const r = openUpdate(doc.view, t as UpdateEnvelope);
      expect(r.ok, `byte ${i}`).toBe(false);
    }
  });

  it('verifies before decrypting: a re-signed-by-nobody ciphertext is a bad signature, not a decrypt error', () => {
    const b = env.bytes.slice();
    b[80]! ^= 0xff; // inside the ciphertext
    expect(openUpdate(doc.view, redecode(b))).toMatchObject({ ok: false, error: 'bad-signature' });
    const s = env.bytes.slice();
    s[s.length - 1]! ^= 0xff; // the signature itself
    expect(openUpdate(doc.view, redecode(s))).toMatchObject({ ok: false, error: 'bad-signature' });
  });

  it('names the document mismatch and refuses another document’s keys', () => {
    const other = newDoc();
    expect(openUpdate(other.view, env)).toMatchObject({ ok: false, error: 'wrong-doc' });
  });

  it('refuses an envelope signed by another document’s editor (cross-document replay, E2EE 4.8 #10)', () => {
    const other = newDoc();
    // Same docId bytes but the other writer: simulated by a viewer that holds a forged writePub.
    const forged = deriveDocKeys({ kind: 'view', readSecret: doc.view.readSecret, writePub: other.edit.writePub });
    expect(openUpdate(forged, env)).toMatchObject({ ok: false, error: 'bad-signature' });
  });

  it('rejects a valid-AEAD update from a viewer posing as writer (E2EE 4.8 #8/#9)', () => {
    // A viewer holds the content key; sign with some other key the relay might accept.
    const attacker = newDoc();
    const fake = deriveDocKeys({ kind: 'edit', editSecret: new Uint8Array(32).fill(1) });
    const masquerade = {
      ...fake,
      docId: doc.edit.docId,
      readSecret: doc.edit.readSecret,
      writePub: fake.writePub,
      writeSeed: fake.writeSeed,
      contentKey: (e: number) => doc.edit.contentKey(e),
      presenceKey: (e: number) => doc.edit.presenceKey(e),
      blobKey: (id: string) => doc.edit.blobKey(id),
      kind: 'edit' as const,
    };
    const forged = sealUpdate(masquerade, { epoch: 0, deviceId, seq: 2 }, text);
    expect(openUpdate(doc.view, forged)).toMatchObject({ ok: false, error: 'bad-signature' });
    expect(verifyEnvelopeSignature(doc.edit.writePub, forged)).toBe(false);
    expect(attacker.edit.docId).not.toBe(doc.edit.docId);
  });

  it('the header epoch picks the content key, and a reader with the wrong content key gets a decrypt error', () => {
    const e1 = sealUpdate(doc.edit, { epoch: 1, deviceId, seq: 1 }, text);
    expect(e1.epoch).toBe(1);
    expect(openUpdate(doc.view, e1)).toEqual({ ok: true, value: text });
    // Right document and writer, wrong read secret: the signature passes, the AEAD does not.
    const other = newDoc();
    const wrongKey = {
      ...doc.view,
      docId: doc.view.docId,
      writePub: doc.view.writePub,
      contentKey: (e: number) => other.view.contentKey(e),
    };
    expect(openUpdate(wrongKey, e1)).toMatchObject({ ok: false, error: 'decrypt' });
  });

  it('a view capability cannot sign anything (misuse throws)', () => {
    expect(() => sealUpdate(doc.view, { epoch: 0, deviceId, seq: 1 }, text)).toThrow(TypeError);
    expect(() => sealSnapshot(doc.view, { epoch: 0, parent: null, covers: [] }, text)).toThrow(TypeError);
    expect(() => signCreate(doc.view)).toThrow(TypeError);
    const c = { docId: doc.view.docId, connectionId: newId(), nonce: new Uint8Array(32) };
    expect(() => signProve(doc.view, c)).toThrow(TypeError);
    expect(() => signDelete(doc.view, c)).toThrow(TypeError);
  });

  it('throws on misuse of the header', () => {
    expect(() => sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 0 }, text)).toThrow(RangeError);
    expect(() => sealUpdate(doc.edit, { epoch: -1, deviceId, seq: 1 }, text)).toThrow(RangeError);
    expect(() => sealUpdate(doc.edit, { epoch: 0, deviceId: 'x', seq: 1 }, text)).toThrow(TypeError);
  });

  it('rejects an envelope object whose fields were edited but whose bytes were not', () => {
    const lie = { ...env, docId: newDoc().edit.docId };
    // openUpdate reads the bytes, so the lie changes nothing: it still opens as what was signed.
    expect(openUpdate(doc.view, lie)).toEqual({ ok: true, value: text });
  });
});

describe('envelope decoding', () => {
  it('rejects every truncation and any trailing byte of every envelope kind', () => {
    const envs: Envelope[] = [
      sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 1 }, text),
      sealSnapshot(doc.edit, { epoch: 0, parent: null, covers: [{ deviceId, through: 2 }] }, text),
      sealPresence(doc.view, { epoch: 0, sessionId: newId(), counter: 1 }, text),
    ];
    for (const env of envs) {
      expect(redecode(env.bytes)).toEqual(env);
      for (let n = 0; n < env.bytes.length; n++) {
        expect(decodeEnvelope(env.bytes.subarray(0, n)).ok, `${env.kind} cut at ${n}`).toBe(false);
      }
      const longer = new Uint8Array(env.bytes.length + 1);
      longer.set(env.bytes);
      expect(decodeEnvelope(longer)).toMatchObject({ ok: false, error: 'trailing-bytes' });
    }
  });

  it('keeps its own copy: changing the input buffer afterwards changes nothing', () => {
    const env = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 1 }, text);
    const input = env.bytes.slice();
    const back = redecode<UpdateEnvelope>(input);
    input.fill(0);
    expect(openUpdate(doc.view, back)).toEqual({ ok: true, value: text });
  });
});

describe('replay and ordering by (deviceId, seq)', () => {
  it('flags a replayed envelope, a gap and the next one', () => {
    const seen = new DeviceSeqs();
    const e1 = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 1 }, text);
    const e3 = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 3 }, text);
    expect(seen.check(e1.deviceId, e1.seq)).toBe('next');
    seen.accept(e1.deviceId, e1.seq);
    const replay = redecode<UpdateEnvelope>(e1.bytes);
    expect(seen.check(replay.deviceId, replay.seq)).toBe('replay');
    expect(seen.check(e3.deviceId, e3.seq)).toBe('gap');
    expect(() => seen.accept(e3.deviceId, e3.seq)).toThrow(RangeError);
    seen.advance(deviceId, 2);
    expect(seen.check(e3.deviceId, e3.seq)).toBe('next');
    expect(seen.check(newId(), 1)).toBe('next');
  });
});

describe('presence replay', () => {
  it('accepts rising counters per session, drops replays and old ones, and stays bounded', () => {
    const seen = new PresenceSeen(2);
    const [s1, s2, s3] = [newId(), newId(), newId()];
    const env = sealPresence(doc.view, { epoch: 0, sessionId: s1, counter: 5 }, Uint8Array.of(1));
    const p = openPresence(doc.view, env);
    if (!p.ok) throw new Error(p.error);
    expect(seen.fresh(p.value.sessionId, p.value.counter)).toBe(true);
    const replayed = openPresence(doc.view, redecode(env.bytes));
    if (!replayed.ok) throw new Error(replayed.error);
    expect(seen.fresh(replayed.value.sessionId, replayed.value.counter)).toBe(false);
    expect(seen.fresh(s1, 4)).toBe(false);
    expect(seen.fresh(s1, 6)).toBe(true);
    expect(seen.fresh(s2, 1)).toBe(true);
    expect(seen.fresh(s3, 1)).toBe(true); // evicts s1, the least recently updated
    expect(seen.fresh(s2, 1)).toBe(false);
    expect(seen.fresh(s1, 6)).toBe(true);
  });
});

describe('snapshot envelopes', () => {
  const a = newId();
  const b = newId();
  const state = new TextEncoder().encode('전체 상태');
  const first = sealSnapshot(doc.edit, { epoch: 0, parent: null, covers: [{ deviceId: a, through: 4 }] }, state);

  it('round-trip with coverage sorted canonically and the parent link', () => {
    const second = sealSnapshot(
      doc.edit,
      {
        epoch: 0,
        parent: { snapId: first.snapId, proof: snapshotProof(first) },
        covers: [
          { deviceId: b, through: 2 },
          { deviceId: a, through: 9 },
        ],
      },
      state,
    );
    const back = redecode<SnapshotEnvelope>(second.bytes);
    expect(back.covers.map((c) => c.deviceId).sort()).toEqual([a, b].sort());
    expect(back.covers).toContainEqual({ deviceId: a, through: 9 });
    expect(openSnapshot(doc.view, back)).toEqual({ ok: true, value: state });
    expect(extendsSnapshot(back, first)).toBe(true);
    expect(verifyEnvelopeSignature(doc.edit.writePub, back)).toBe(true);
    expect(first.parent).toBeNull();
  });

  it('chain check fails for a rollback or a substituted parent (E2EE 4.8 #6)', () => {
    const other = sealSnapshot(doc.edit, { epoch: 0, parent: null, covers: [] }, state);
    const child = sealSnapshot(
      doc.edit,
      { epoch: 0, parent: { snapId: first.snapId, proof: snapshotProof(first) }, covers: [] },
      state,
    );
    expect(extendsSnapshot(child, other)).toBe(false);
    expect(extendsSnapshot(first, child)).toBe(false);
    // Proof depends on the whole envelope: the same snapId sealed again gives another proof.
    const again = sealSnapshot(doc.edit, { epoch: 0, snapId: first.snapId, parent: null, covers: first.covers }, state);
    expect(snapshotProof(again)).not.toEqual(snapshotProof(first));
  });

  it('rejects every single-bit flip, including in the coverage list', () => {
    for (let i = 0; i < first.bytes.length; i++) {
      const t = flipped(first, i);
      if (t === undefined) continue;
      expect(openSnapshot(doc.view, t as SnapshotEnvelope).ok, `byte ${i}`).toBe(false);
      expect(verifyEnvelopeSignature(doc.edit.writePub, t as SnapshotEnvelope), `byte ${i}`).toBe(false);
    }
  });

  it('refuses duplicate devices and a zero through (misuse), and a non-ascending list on the wire', () => {
    expect(() =>
      sealSnapshot(
        doc.edit,
        {
          epoch: 0,
          parent: null,
          covers: [
            { deviceId: a, through: 1 },
            { deviceId: a, through: 2 },
          ],
        },
        state,
      ),
    ).toThrow(TypeError);
    expect(() =>
      sealSnapshot(doc.edit, { epoch: 0, parent: null, covers: [{ deviceId: a, through: 0 }] }, state),
    ).toThrow(RangeError);
    const two = sealSnapshot(
      doc.edit,
      {
        epoch: 0,
        parent: null,
        covers: [
          { deviceId: a, through: 1 },
          { deviceId: b, through: 1 },
        ],
      },
      state,
    );
    // Swap the two 24-byte coverage entries (they start at offset 88).
    const swapped = two.bytes.slice();
    swapped.set(two.bytes.subarray(112, 136), 88);
    swapped.set(two.bytes.subarray(88, 112), 112);
    expect(decodeEnvelope(swapped)).toMatchObject({ ok: false, error: 'malformed' });
  });
});

describe('presence envelopes', () => {
  it('viewers can send presence; session id and counter travel inside the ciphertext', () => {
    const sessionId = newId();
    const env = sealPresence(doc.view, { epoch: 0, sessionId, counter: 7 }, Uint8Array.of(1, 2));
    const r = openPresence(doc.edit, redecode(env.bytes));
    expect(r).toEqual({ ok: true, value: { sessionId, counter: 7, payload: Uint8Array.of(1, 2) } });
    expect(Buffer.from(env.bytes).includes(Buffer.from(sessionId, 'base64url'))).toBe(false);
  });

  it('rejects injected presence from someone without the key (E2EE 4.8 #14), tampering, and another doc', () => {
    const env = sealPresence(doc.view, { epoch: 0, sessionId: newId(), counter: 1 }, Uint8Array.of(1));
    const other = newDoc();
    const injected = sealPresence(
      { ...other.view, docId: doc.view.docId, presenceKey: (e: number) => other.view.presenceKey(e) },
      { epoch: 0, sessionId: newId(), counter: 1 },
      Uint8Array.of(1),
    );
    expect(openPresence(doc.view, injected)).toMatchObject({ ok: false, error: 'decrypt' });
    expect(openPresence(other.view, env)).toMatchObject({ ok: false, error: 'wrong-doc' });
    for (let i = 0; i < env.bytes.length; i++) {
      const t = flipped(env, i);
      if (t) expect(openPresence(doc.view, t as never).ok, `byte ${i}`).toBe(false);
    }
  });
});

describe('control signatures', () => {
  const challenge = { docId: doc.edit.docId, connectionId: newId(), nonce: new Uint8Array(32).fill(3) };

  it('create binds writePub to docId', () => {
    const sig = signCreate(doc.edit);
    expect(verifyCreate(doc.edit.docId, doc.edit.writePub, sig)).toBe(true);
    expect(verifyCreate(newDoc().edit.docId, doc.edit.writePub, sig)).toBe(false);
    expect(verifyCreate(doc.edit.docId, newDoc().edit.writePub, sig)).toBe(false);
  });

  it('prove is bound to nonce, connection and document, and never doubles as delete', () => {
    const sig = signProve(doc.edit, challenge);
    expect(verifyProve(doc.edit.writePub, challenge, sig)).toBe(true);
    expect(verifyProve(doc.edit.writePub, { ...challenge, connectionId: newId() }, sig)).toBe(false);
    expect(verifyProve(doc.edit.writePub, { ...challenge, nonce: new Uint8Array(32).fill(4) }, sig)).toBe(false);
    expect(verifyProve(newDoc().edit.writePub, challenge, sig)).toBe(false);
    expect(verifyDelete(doc.edit.writePub, challenge, sig)).toBe(false);
    const del = signDelete(doc.edit, challenge);
    expect(verifyDelete(doc.edit.writePub, challenge, del)).toBe(true);
    expect(verifyProve(doc.edit.writePub, challenge, del)).toBe(false);
  });

  it('an envelope signature is not a prove or create signature', () => {
    const env = sealUpdate(doc.edit, { epoch: 0, deviceId, seq: 1 }, text);
    const sig = env.bytes.subarray(env.bytes.length - 64);
    expect(verifyProve(doc.edit.writePub, challenge, sig)).toBe(false);
    expect(verifyCreate(doc.edit.docId, doc.edit.writePub, sig)).toBe(false);
  });

  it('refuses the small-order key that verifies every message under ZIP-215 rules', () => {
    const zeroKey = new Uint8Array(32);
    const zeroSig = new Uint8Array(64);
    expect(verifyCreate(doc.edit.docId, zeroKey, zeroSig)).toBe(false);
    expect(verifyDelete(zeroKey, challenge, zeroSig)).toBe(false);
    expect(isValidWritePub(zeroKey)).toBe(false);
    expect(isValidWritePub(doc.edit.writePub)).toBe(true);
    expect(isValidWritePub(new Uint8Array(31))).toBe(false);
  });

  it('a malformed signature or key is just false', () => {
    expect(verifyProve(new Uint8Array(32), challenge, new Uint8Array(64))).toBe(false);
    expect(verifyProve(doc.edit.writePub, challenge, new Uint8Array(3))).toBe(false);
  });
});
