import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { equalBytes } from '../bytes';
import {
  BoundedCache,
  bytesKey,
  isStrictPublicKey,
  scalarIsCanonical,
  setEd25519,
  type Ed25519Backend,
} from './ed25519';

/**
 * Ed25519 through node:crypto (OpenSSL). Node entry points only: the browser bundle must never reach this
 * file (shared's index.ts does not export it).
 *
 * OpenSSL 3.0's verify is not noble's strict mode, so the differences are closed here:
 * - it does not refuse a small-order or non-canonical public key A: isStrictPublicKey (noble, cached per key)
 *   decides about A first;
 * - S ≥ L is checked on the bytes (OpenSSL 3.0 refuses it too; the check keeps that true for any build);
 * - R is compared as bytes with the canonical encoding of [S]B − [k]A, so a non-canonical R never verifies.
 * One difference stays: OpenSSL checks the cofactorless equation and noble the cofactored one, so a
 * signature whose R carries a small-order component verifies with noble and not here. Only the holder of
 * the write key can make one (honest signers never do); the reverse (OpenSSL accepts, noble refuses) cannot
 * happen.
 */

// DER headers of RFC 8410 keys: SubjectPublicKeyInfo and PKCS #8 for id-Ed25519 (1.3.101.112) with the
// 32 raw bytes appended.
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);
const PKCS8_PREFIX = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

function der(prefix: Uint8Array, raw: Uint8Array): Buffer {
  const out = Buffer.alloc(prefix.length + raw.length);
  out.set(prefix, 0);
  out.set(raw, prefix.length);
  return out;
}

const CACHE_SIZE = 1024;
const publicKeys = new BoundedCache<KeyObject>(CACHE_SIZE);

function publicKeyObject(pub: Uint8Array): KeyObject {
  const k = bytesKey(pub);
  let key = publicKeys.get(k);
  if (!key) {
    key = createPublicKey({ key: der(SPKI_PREFIX, pub), format: 'der', type: 'spki' });
    publicKeys.set(k, key);
  }
  return key;
}

/**
 * Private KeyObjects keyed by the seed's own array (a session signs with the same DocKeys.writeSeed every
 * time), so no copy of a secret becomes a Map key string. A copy is kept beside it and compared, in case a
 * caller reuses the array for another seed.
 */
const privateKeys = new WeakMap<Uint8Array, { seed: Uint8Array; key: KeyObject }>();

function privateKeyObject(seed: Uint8Array): KeyObject {
  if (!(seed instanceof Uint8Array) || seed.length !== 32) throw new TypeError('seed must be 32 bytes');
  const hit = privateKeys.get(seed);
  if (hit && equalBytes(hit.seed, seed)) return hit.key;
  const key = createPrivateKey({ key: der(PKCS8_PREFIX, seed), format: 'der', type: 'pkcs8' });
  privateKeys.set(seed, { seed: seed.slice(), key });
  return key;
}

const asBytes = (b: Buffer): Uint8Array => new Uint8Array(b.buffer, b.byteOffset, b.byteLength);

export const nodeEd25519: Ed25519Backend = {
  name: 'node',
  sign(msg, seed) {
    return asBytes(sign(null, msg, privateKeyObject(seed)));
  },
  verify(sig, msg, pub) {
    try {
      if (!(sig instanceof Uint8Array) || sig.length !== 64 || !(msg instanceof Uint8Array)) return false;
      if (!isStrictPublicKey(pub) || !scalarIsCanonical(sig)) return false;
      return verify(null, msg, publicKeyObject(pub), sig);
    } catch {
      return false;
    }
  },
  publicKey(seed) {
    const spki = createPublicKey(privateKeyObject(seed)).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(spki.length - 32));
  },
};

/** Makes every signature and verification of this process use OpenSSL. Call once at start. */
export function installNodeEd25519(): void {
  setEd25519(nodeEd25519);
}
