import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, equalBytes, randomBytes, toB64url, utf8 } from '../bytes';
import { ed25519Sign } from '../crypto/ed25519';
import { sha256 } from '../crypto/hash';
import type { DocKeys } from '../local/api';
import { err, ok, type Result } from '../result';
import { DecodeFailure, ID_BYTES, Reader, Writer, fail, idBytes, isZero, plainBytes, type DecodeError } from './codec';
import { verifySignature } from './verify';
import { MAX_CIPHERTEXT_BYTES, MAX_SNAPSHOT_DEVICES, PROTOCOL_VERSION } from './limits';

/**
 * End-to-end envelopes (E2EE.md, Decisions #3). An envelope is made once by its writer and never
 * changes: relays add their own sequence numbers and acks beside it, in the frame, so the same bytes can
 * go to several relays or over WebRTC without re-signing. Layouts are in PROTOCOL.md.
 *
 * Every decoded envelope keeps `bytes`, the exact bytes received: signatures and AAD are always checked
 * over those, never over a re-encoding.
 */
export const NONCE_BYTES = 24;
export const SIGNATURE_BYTES = 64;
export const PROOF_BYTES = 32;
const TAG_BYTES = 16;

export const ENVELOPE_KIND = { update: 1, snapshot: 2, presence: 3 } as const;

/** Domain separation: an envelope signature can never be mistaken for a create, prove or delete signature. */
export const SIG_DOMAIN = {
  envelope: utf8('dure/v1/sig/envelope\0'),
  create: utf8('dure/v1/sig/create\0'),
  prove: utf8('dure/v1/sig/prove\0'),
  delete: utf8('dure/v1/sig/delete\0'),
} as const;
const PROOF_DOMAIN = utf8('dure/v1/proof\0');

export interface UpdateEnvelope {
  readonly kind: 'update';
  readonly docId: string;
  readonly epoch: number;
  readonly deviceId: string;
  /** per device, starting at 1 */
  readonly seq: number;
  readonly bytes: Uint8Array;
}

/** Everything up to and including `through` from this device is folded into the snapshot. */
export interface Coverage {
  readonly deviceId: string;
  readonly through: number;
}

export interface SnapshotEnvelope {
  readonly kind: 'snapshot';
  readonly docId: string;
  readonly epoch: number;
  readonly snapId: string;
  /** null for a document's first snapshot */
  readonly parent: { readonly snapId: string; readonly proof: Uint8Array } | null;
  /** sorted by deviceId bytes, one entry per device */
  readonly covers: readonly Coverage[];
  readonly bytes: Uint8Array;
}

export interface PresenceEnvelope {
  readonly kind: 'presence';
  readonly docId: string;
  readonly epoch: number;
  readonly bytes: Uint8Array;
}

export type Envelope = UpdateEnvelope | SnapshotEnvelope | PresenceEnvelope;

export type OpenError = 'wrong-doc' | 'bad-signature' | 'decrypt' | 'malformed';

// ---- decoding -------------------------------------------------------------------------------------

/** Offsets of the parts every envelope has; AAD is bytes[0, headerEnd). */
interface Parts {
  headerEnd: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
  signed: boolean;
}

function readBody(r: Reader, signed: boolean): Parts {
  const headerEnd = r.offset;
  // Views, not copies: readEnvelope only ever reads bytes the envelope owns.
  const nonce = r.view(NONCE_BYTES, 'nonce');
  const ciphertext = r.var32(MAX_CIPHERTEXT_BYTES, 'ciphertext', false);
  if (ciphertext.length < TAG_BYTES) fail('malformed', 'ciphertext shorter than its tag');
  if (signed) r.view(SIGNATURE_BYTES, 'signature');
  r.end();
  return { headerEnd, nonce, ciphertext, signed };
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

function readEnvelope(bytes: Uint8Array): { env: Envelope; parts: Parts } {
  const r = new Reader(bytes);
  const version = r.u8('envelope version');
  if (version !== PROTOCOL_VERSION) fail('unsupported-version', `envelope version ${version}`);
  const kind = r.u8('envelope kind');
  const docId = r.id('docId');
  const epoch = r.u32('epoch');
  if (kind === ENVELOPE_KIND.update) {
    const deviceId = r.id('deviceId');
    const seq = r.u64('seq');
    if (seq < 1) fail('malformed', 'seq starts at 1');
    const parts = readBody(r, true);
    return { env: { kind: 'update', docId, epoch, deviceId, seq, bytes }, parts };
  }
  if (kind === ENVELOPE_KIND.snapshot) {
    const snapId = r.id('snapId');
    const parentSnapId = r.optionalId('parentSnapId');
    const parentProof = r.bytes(PROOF_BYTES, 'parentProof');
    if ((parentSnapId === null) !== isZero(parentProof)) fail('malformed', 'parent id and proof disagree');
    const count = r.u16('coverage count');
    if (count > MAX_SNAPSHOT_DEVICES) fail('too-large', 'coverage count');
    const covers: Coverage[] = [];
    let prev: Uint8Array | undefined;
    for (let i = 0; i < count; i++) {
      const raw = r.bytes(ID_BYTES, 'coverage deviceId');
      if (isZero(raw)) fail('malformed', 'coverage deviceId is all zeros');
      // Strictly ascending: one canonical encoding, no device listed twice.
      if (prev && compareBytes(prev, raw) >= 0) fail('malformed', 'coverage not strictly ascending');
      prev = raw;
      const through = r.u64('coverage through');
      if (through < 1) fail('malformed', 'coverage through starts at 1');
      covers.push({ deviceId: toB64url(raw), through });
    }
    const parts = readBody(r, true);
    const parent = parentSnapId === null ? null : { snapId: parentSnapId, proof: parentProof };
    return { env: { kind: 'snapshot', docId, epoch, snapId, parent, covers, bytes }, parts };
  }
  if (kind === ENVELOPE_KIND.presence) {
    const parts = readBody(r, false);
    return { env: { kind: 'presence', docId, epoch, bytes }, parts };
  }
  return fail('unknown-type', `envelope kind ${kind}`);
}

/** Validates every field and length; never throws on input. The envelope keeps its own copy of the bytes. */
export function decodeEnvelope(bytes: Uint8Array): Result<Envelope, DecodeError> {
  if (!(bytes instanceof Uint8Array)) return err('malformed', 'not bytes');
  return decodeOwnedEnvelope(plainBytes(bytes).slice());
}

/** For a buffer nobody else holds (the frame decoder's own copy): no second copy of up to 8 MiB. */
export function decodeOwnedEnvelope(bytes: Uint8Array): Result<Envelope, DecodeError> {
  try {
    return ok(readEnvelope(bytes).env);
  } catch (e) {
    if (e instanceof DecodeFailure) return err(e.error, e.detail);
    throw e;
  }
}

// ---- sealing --------------------------------------------------------------------------------------

function writeSeedOf(keys: DocKeys): Uint8Array {
  // Misuse, not input: only an edit capability may produce signed envelopes.
  if (!keys.writeSeed) throw new TypeError('a view capability cannot sign');
  return keys.writeSeed;
}

function finishSigned(keys: DocKeys, header: Uint8Array, key: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const seed = writeSeedOf(keys);
  if (!(plaintext instanceof Uint8Array)) throw new TypeError('plaintext must be bytes');
  const nonce = randomBytes(NONCE_BYTES);
  const ct = xchacha20poly1305(key, nonce, header).encrypt(plaintext);
  const body = new Writer().fixed(header, header.length, 'header').fixed(nonce, NONCE_BYTES, 'nonce');
  const unsigned = body.var32(ct, MAX_CIPHERTEXT_BYTES, 'ciphertext').finish();
  return concat(unsigned, ed25519Sign(concat(SIG_DOMAIN.envelope, unsigned), seed));
}

function decoded<K extends Envelope['kind']>(bytes: Uint8Array, kind: K): Extract<Envelope, { kind: K }> {
  const { env } = readEnvelope(bytes);
  if (env.kind !== kind) throw new Error('sealed envelope did not decode as itself');
  return env as Extract<Envelope, { kind: K }>;
}

export interface UpdateHeader {
  readonly epoch: number;
  readonly deviceId: string;
  readonly seq: number;
}

/** Encrypts a Yjs update under contentKey(epoch) with the header as AAD, and signs it with the write key. */
export function sealUpdate(keys: DocKeys, h: UpdateHeader, yjsUpdate: Uint8Array): UpdateEnvelope {
  if (!Number.isSafeInteger(h.seq) || h.seq < 1) throw new RangeError('seq must be a safe integer ≥ 1');
  const header = new Writer()
    .u8(PROTOCOL_VERSION)
    .u8(ENVELOPE_KIND.update)
    .id(keys.docId, 'docId')
    .u32(h.epoch)
    .id(h.deviceId, 'deviceId')
    .u64(h.seq)
    .finish();
  return decoded(finishSigned(keys, header, keys.contentKey(h.epoch), yjsUpdate), 'update');
}

export interface SnapshotHeader {
  readonly epoch: number;
  /** random when omitted */
  readonly snapId?: string;
  readonly parent: { readonly snapId: string; readonly proof: Uint8Array } | null;
  readonly covers: readonly Coverage[];
}

export function newId(): string {
  for (;;) {
    const b = randomBytes(ID_BYTES);
    if (!isZero(b)) return toB64url(b);
  }
}

/** The full encrypted state, the per-device seqs it folds in, and its link to the previous snapshot. */
export function sealSnapshot(keys: DocKeys, h: SnapshotHeader, yjsState: Uint8Array): SnapshotEnvelope {
  if (h.covers.length > MAX_SNAPSHOT_DEVICES) throw new RangeError('too many devices in one snapshot');
  const covers = h.covers
    .map((c) => ({ raw: idBytes(c.deviceId, 'coverage deviceId'), through: c.through }))
    .sort((a, b) => compareBytes(a.raw, b.raw));
  for (let i = 1; i < covers.length; i++) {
    if (compareBytes(covers[i - 1]!.raw, covers[i]!.raw) === 0) throw new TypeError('a device is listed twice');
  }
  const w = new Writer()
    .u8(PROTOCOL_VERSION)
    .u8(ENVELOPE_KIND.snapshot)
    .id(keys.docId, 'docId')
    .u32(h.epoch)
    .id(h.snapId ?? newId(), 'snapId')
    .optionalId(h.parent?.snapId ?? null, 'parent snapId')
    .fixed(h.parent?.proof ?? new Uint8Array(PROOF_BYTES), PROOF_BYTES, 'parent proof');
  if (h.parent && isZero(h.parent.proof)) throw new TypeError('parent proof must not be all zeros');
  w.u16(covers.length);
  for (const c of covers) {
    if (!Number.isSafeInteger(c.through) || c.through < 1) throw new RangeError('coverage through must be ≥ 1');
    w.fixed(c.raw, ID_BYTES, 'deviceId').u64(c.through);
  }
  return decoded(finishSigned(keys, w.finish(), keys.contentKey(h.epoch), yjsState), 'snapshot');
}

export interface PresenceHeader {
  readonly epoch: number;
  /** random per session; with counter, lets receivers drop replays (E2EE 4.8 #13) */
  readonly sessionId: string;
  readonly counter: number;
}

export interface Presence {
  readonly sessionId: string;
  readonly counter: number;
  readonly payload: Uint8Array;
}

/** Presence is AEAD-only (viewers send cursors too) and never stored; session id and counter are inside. */
export function sealPresence(keys: DocKeys, h: PresenceHeader, payload: Uint8Array): PresenceEnvelope {
  const header = new Writer().u8(PROTOCOL_VERSION).u8(ENVELOPE_KIND.presence).id(keys.docId, 'docId');
  const aad = header.u32(h.epoch).finish();
  const plaintext = new Writer().id(h.sessionId, 'sessionId').u32(h.counter).finish();
  const nonce = randomBytes(NONCE_BYTES);
  const ct = xchacha20poly1305(keys.presenceKey(h.epoch), nonce, aad).encrypt(concat(plaintext, payload));
  const bytes = new Writer()
    .fixed(aad, aad.length, 'header')
    .fixed(nonce, NONCE_BYTES, 'nonce')
    .var32(ct, MAX_CIPHERTEXT_BYTES, 'ciphertext')
    .finish();
  return decoded(bytes, 'presence');
}

// ---- opening --------------------------------------------------------------------------------------

/** Re-reads the exact bytes, so an envelope object whose fields were edited cannot fool the checks. */
function partsOf(env: Envelope): { env: Envelope; parts: Parts } | undefined {
  try {
    return readEnvelope(env.bytes);
  } catch (e) {
    if (e instanceof DecodeFailure) return undefined;
    throw e;
  }
}

/** True when the envelope was signed by the holder of writePub. The relay uses this for snapshots. */
export function verifyEnvelopeSignature(writePub: Uint8Array, env: UpdateEnvelope | SnapshotEnvelope): boolean {
  const b = env.bytes;
  if (b.length < SIGNATURE_BYTES) return false;
  const cut = b.length - SIGNATURE_BYTES;
  return verifySignature(b.subarray(cut), concat(SIG_DOMAIN.envelope, b.subarray(0, cut)), writePub);
}

function openSigned(keys: DocKeys, env: UpdateEnvelope | SnapshotEnvelope): Result<Uint8Array, OpenError> {
  const read = partsOf(env);
  if (!read || read.env.kind !== env.kind) return err('malformed');
  const { env: real, parts } = read;
  if (real.docId !== keys.docId) return err('wrong-doc');
  // Verify before decrypting: nothing from an unsigned source reaches the AEAD or Yjs.
  if (!verifyEnvelopeSignature(keys.writePub, real as UpdateEnvelope | SnapshotEnvelope)) return err('bad-signature');
  try {
    const aad = real.bytes.subarray(0, parts.headerEnd);
    return ok(xchacha20poly1305(keys.contentKey(real.epoch), parts.nonce, aad).decrypt(parts.ciphertext));
  } catch {
    return err('decrypt');
  }
}

export function openUpdate(keys: DocKeys, env: UpdateEnvelope): Result<Uint8Array, OpenError> {
  return openSigned(keys, env);
}

export function openSnapshot(keys: DocKeys, env: SnapshotEnvelope): Result<Uint8Array, OpenError> {
  return openSigned(keys, env);
}

export function openPresence(keys: DocKeys, env: PresenceEnvelope): Result<Presence, OpenError> {
  const read = partsOf(env);
  if (!read || read.env.kind !== 'presence') return err('malformed');
  const { env: real, parts } = read;
  if (real.docId !== keys.docId) return err('wrong-doc');
  let pt: Uint8Array;
  try {
    const aad = real.bytes.subarray(0, parts.headerEnd);
    pt = xchacha20poly1305(keys.presenceKey(real.epoch), parts.nonce, aad).decrypt(parts.ciphertext);
  } catch {
    return err('decrypt');
  }
  if (pt.length < ID_BYTES + 4) return err('malformed');
  const sessionRaw = pt.subarray(0, ID_BYTES);
  if (isZero(sessionRaw)) return err('malformed');
  const counter = new DataView(pt.buffer, pt.byteOffset + ID_BYTES, 4).getUint32(0, false);
  return ok({ sessionId: toB64url(sessionRaw), counter, payload: pt.slice(ID_BYTES + 4) });
}

/**
 * The snapshot hash chain (E2EE 4.3): proof = SHA-256(domain ‖ parentProof ‖ snapId ‖ SHA-256(envelope)).
 * Hashing the whole signed envelope binds coverage and epoch as well as the ciphertext.
 */
export function snapshotProof(env: SnapshotEnvelope): Uint8Array {
  const parentProof = env.parent?.proof ?? new Uint8Array(PROOF_BYTES);
  return sha256(concat(PROOF_DOMAIN, parentProof, idBytes(env.snapId, 'snapId'), sha256(env.bytes)));
}

/** True when `child` names `parent` as its predecessor with the right proof. */
export function extendsSnapshot(child: SnapshotEnvelope, parent: SnapshotEnvelope): boolean {
  return (
    child.parent !== null &&
    child.parent.snapId === parent.snapId &&
    equalBytes(child.parent.proof, snapshotProof(parent))
  );
}
