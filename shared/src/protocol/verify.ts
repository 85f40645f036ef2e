import { ed25519Verify, isStrictPublicKey } from '../crypto/ed25519';

/**
 * Ed25519 verification for untrusted input: never throws, strict RFC 8032 encodings, and small-order
 * public keys refused. noble's default (ZIP-215) accepts the all-zero key with the all-zero signature for
 * every message, so a document registered with such a key would let anyone prove, snapshot and delete.
 * The installed backend (crypto/ed25519.ts) enforces these rules; the lengths are checked here as well.
 */
export function verifySignature(signature: Uint8Array, message: Uint8Array, publicKey: Uint8Array): boolean {
  try {
    if (signature.length !== 64 || publicKey.length !== 32) return false;
    return ed25519Verify(signature, message, publicKey);
  } catch {
    return false;
  }
}

/** True for a 32-byte encoding of a curve point that is not of small order (what create must register). */
export function isValidWritePub(publicKey: Uint8Array): boolean {
  return isStrictPublicKey(publicKey);
}
