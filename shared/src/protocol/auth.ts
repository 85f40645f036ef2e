import { concat } from '../bytes';
import { ed25519Sign } from '../crypto/ed25519';
import type { DocKeys } from '../local/api';
import { idBytes } from './codec';
import { verifySignature } from './verify';
import { SIG_DOMAIN } from './envelope';

/**
 * Signatures over control messages. Each has its own domain prefix (envelope.ts SIG_DOMAIN), so a
 * signature made for one purpose never verifies for another.
 */
export const CHALLENGE_NONCE_BYTES = 32;

/** What the relay sent in a challenge frame; prove and delete signatures are bound to all of it. */
export interface Challenge {
  readonly docId: string;
  /** random per connection, chosen by the relay: a signature made on one connection is useless on another */
  readonly connectionId: string;
  /** fresh per challenge and single-use */
  readonly nonce: Uint8Array;
}

function seedOf(keys: DocKeys): Uint8Array {
  if (!keys.writeSeed) throw new TypeError('a view capability cannot sign');
  return keys.writeSeed;
}

function challengeMessage(domain: Uint8Array, c: Challenge): Uint8Array {
  if (!(c.nonce instanceof Uint8Array) || c.nonce.length !== CHALLENGE_NONCE_BYTES) {
    throw new TypeError('challenge nonce must be 32 bytes');
  }
  return concat(domain, c.nonce, idBytes(c.connectionId, 'connectionId'), idBytes(c.docId, 'docId'));
}

/** create: binds writePub to docId on a relay (first registration wins). */
export function signCreate(keys: DocKeys): Uint8Array {
  return ed25519Sign(concat(SIG_DOMAIN.create, idBytes(keys.docId, 'docId'), keys.writePub), seedOf(keys));
}

export function verifyCreate(docId: string, writePub: Uint8Array, signature: Uint8Array): boolean {
  return verifySignature(signature, concat(SIG_DOMAIN.create, idBytes(docId, 'docId'), writePub), writePub);
}

/** prove: signature over server nonce ‖ connection id ‖ docId, proving the connection holds the write key. */
export function signProve(keys: DocKeys, c: Challenge): Uint8Array {
  if (c.docId !== keys.docId) throw new TypeError('challenge is for another document');
  return ed25519Sign(challengeMessage(SIG_DOMAIN.prove, c), seedOf(keys));
}

export function verifyProve(writePub: Uint8Array, c: Challenge, signature: Uint8Array): boolean {
  return verifySignature(signature, challengeMessage(SIG_DOMAIN.prove, c), writePub);
}

/** delete: like prove, under its own domain, so a prove signature can never delete a document. */
export function signDelete(keys: DocKeys, c: Challenge): Uint8Array {
  if (c.docId !== keys.docId) throw new TypeError('challenge is for another document');
  return ed25519Sign(challengeMessage(SIG_DOMAIN.delete, c), seedOf(keys));
}

export function verifyDelete(writePub: Uint8Array, c: Challenge, signature: Uint8Array): boolean {
  return verifySignature(signature, challengeMessage(SIG_DOMAIN.delete, c), writePub);
}
