import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, randomBytes, toB64url } from '../bytes';
import type { DocKeys } from '../local/api';
import { err, ok, type Result } from '../result';
import { DecodeFailure, ID_BYTES, Reader, Writer, fail, idBytes, isZero, plainBytes } from './codec';
import { NONCE_BYTES } from './envelope';
import { MAX_SIGNAL_BYTES, PROTOCOL_VERSION } from './limits';

/**
 * Sealed WebRTC signals (PROTOCOL.md, "Signaling"): the `data` of a signal frame. The relay forwards them
 * and learns only who sent how many bytes to whom; SDP and ICE candidates (which hold IP addresses) are
 * encrypted under the document's presence key, because viewers take part in the mesh too.
 *
 * Kind 4 sits in the envelope numbering so the AAD of a signal can never pass for a presence envelope's
 * (kind 3) under the same key, but decodeEnvelope does not accept it: it only ever travels in a signal frame.
 */
export const SIGNAL_KIND = 4;
const TAG_BYTES = 16;
/** version, kind, docId, epoch */
const AAD_BYTES = 22;
/** from, to, counter */
const INNER_HEADER_BYTES = ID_BYTES * 2 + 4;
/** the plaintext a sealed signal may carry, so the whole fits MAX_SIGNAL_BYTES */
export const MAX_SIGNAL_PAYLOAD_BYTES = MAX_SIGNAL_BYTES - AAD_BYTES - NONCE_BYTES - 4 - TAG_BYTES - INNER_HEADER_BYTES;

export interface SignalHeader {
  readonly epoch: number;
  /** the sender's peer id (random per session) */
  readonly from: string;
  /** one peer, or null for every peer of the document */
  readonly to: string | null;
  /** per sender, strictly increasing: receivers drop one that is not higher than the last (replay) */
  readonly counter: number;
}

export interface OpenedSignal {
  readonly epoch: number;
  readonly from: string;
  readonly to: string | null;
  readonly counter: number;
  readonly payload: Uint8Array;
}

export type SignalOpenError = 'malformed' | 'wrong-doc' | 'decrypt' | 'misrouted';

/** Encrypts a signal payload; from and to are inside the ciphertext, so a relay cannot re-address it. */
export function sealSignal(keys: DocKeys, h: SignalHeader, payload: Uint8Array): Uint8Array {
  if (!(payload instanceof Uint8Array)) throw new TypeError('payload must be bytes');
  if (payload.length > MAX_SIGNAL_PAYLOAD_BYTES) throw new RangeError('signal payload too large');
  if (h.to === h.from) throw new TypeError('a signal is never addressed to its sender');
  const aad = new Writer().u8(PROTOCOL_VERSION).u8(SIGNAL_KIND).id(keys.docId, 'docId').u32(h.epoch).finish();
  const inner = new Writer().id(h.from, 'from').optionalId(h.to, 'to').u32(h.counter).finish();
  const nonce = randomBytes(NONCE_BYTES);
  const ct = xchacha20poly1305(keys.presenceKey(h.epoch), nonce, aad).encrypt(concat(inner, payload));
  return new Writer()
    .fixed(aad, AAD_BYTES, 'header')
    .fixed(nonce, NONCE_BYTES, 'nonce')
    .var32(ct, MAX_SIGNAL_BYTES, 'ciphertext')
    .finish();
}

interface Parsed {
  docId: string;
  epoch: number;
  nonce: Uint8Array;
  ciphertext: Uint8Array;
}

function parse(bytes: Uint8Array): Parsed {
  if (bytes.length > MAX_SIGNAL_BYTES) fail('too-large', 'signal');
  const r = new Reader(bytes);
  const version = r.u8('version');
  if (version !== PROTOCOL_VERSION) fail('unsupported-version', `signal version ${version}`);
  const kind = r.u8('kind');
  if (kind !== SIGNAL_KIND) fail('malformed', `signal kind ${kind}`);
  const docId = r.id('docId');
  const epoch = r.u32('epoch');
  const nonce = r.view(NONCE_BYTES, 'nonce');
  const ciphertext = r.var32(MAX_SIGNAL_BYTES, 'ciphertext', false);
  if (ciphertext.length < TAG_BYTES + INNER_HEADER_BYTES) fail('malformed', 'ciphertext too short');
  r.end();
  return { docId, epoch, nonce, ciphertext };
}

/**
 * Opens the `data` of a signal frame that arrived with `from`/`to`; never throws on input. The sealed
 * addresses must equal the frame's (`misrouted` otherwise: a relay moved it), and `to` must be null or
 * `self`.
 */
export function openSignal(
  keys: DocKeys,
  frame: { readonly docId: string; readonly from: string; readonly to: string | null; readonly data: Uint8Array },
  self: string,
): Result<OpenedSignal, SignalOpenError> {
  let p: Parsed;
  try {
    p = parse(plainBytes(frame.data));
  } catch (e) {
    if (e instanceof DecodeFailure) return err('malformed', e.detail);
    throw e;
  }
  if (p.docId !== keys.docId || frame.docId !== keys.docId) return err('wrong-doc');
  let pt: Uint8Array;
  try {
    const aad = frame.data.subarray(0, AAD_BYTES);
    pt = xchacha20poly1305(keys.presenceKey(p.epoch), p.nonce, aad).decrypt(p.ciphertext);
  } catch {
    return err('decrypt');
  }
  const fromRaw = pt.subarray(0, ID_BYTES);
  const toRaw = pt.subarray(ID_BYTES, ID_BYTES * 2);
  if (isZero(fromRaw)) return err('malformed', 'from is all zeros');
  const from = toB64url(fromRaw);
  const to = isZero(toRaw) ? null : toB64url(toRaw);
  if (from !== frame.from || to !== frame.to) return err('misrouted');
  if (to !== null && to !== self) return err('misrouted');
  if (from === self) return err('misrouted', 'own signal');
  const counter = new DataView(pt.buffer, pt.byteOffset + ID_BYTES * 2, 4).getUint32(0, false);
  return ok({ epoch: p.epoch, from, to, counter, payload: pt.slice(INNER_HEADER_BYTES) });
}

/** A random peer id: per session, never derived from a key or a device id. */
export function newPeerId(): string {
  for (;;) {
    const b = randomBytes(ID_BYTES);
    if (!isZero(b)) return toB64url(b);
  }
}

/** Throws unless `id` is a valid non-zero 16-byte id (misuse). */
export function checkPeerId(id: string): void {
  idBytes(id, 'peer id');
}
