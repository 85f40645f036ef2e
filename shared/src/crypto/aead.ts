import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { concat, randomBytes } from '../bytes';

/**
 * XChaCha20-Poly1305 with a random 24-byte nonce (no counter state to lose across tabs and devices).
 * Pure JS and synchronous: it works where crypto.subtle does not (plain-http LAN pages) and inside an
 * IndexedDB transaction, which would auto-commit while awaiting a WebCrypto promise.
 *
 * Sealed layout: nonce (24) ‖ ciphertext ‖ tag (16).
 */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 24;
export const SEAL_OVERHEAD = NONCE_BYTES + 16;

function checkKey(key: Uint8Array): void {
  if (!(key instanceof Uint8Array) || key.length !== KEY_BYTES) throw new TypeError('AEAD key must be 32 bytes');
}

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array {
  checkKey(key);
  const nonce = randomBytes(NONCE_BYTES);
  return concat(nonce, xchacha20poly1305(key, nonce, aad).encrypt(plaintext));
}

/** Returns undefined when the bytes were not sealed with this key and associated data (tampered, wrong key). */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array = new Uint8Array(0)): Uint8Array | undefined {
  checkKey(key);
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  try {
    return xchacha20poly1305(key, sealed.subarray(0, NONCE_BYTES), aad).decrypt(sealed.subarray(NONCE_BYTES));
  } catch {
    return undefined;
  }
}
