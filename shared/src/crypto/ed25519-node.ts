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
 * - it does not refuse a small-order or non-canonical public key A (checked: the identity key, and y = p + 1,
 *   with R = identity and S = 0 verify for every message): isStrictPublicKey (noble, cached per key) decides
 *   about A first;
 * - S ≥ L is checked on the bytes (OpenSSL 3.0 refuses it too; the check keeps that true for any build);
 * - R is compared as bytes with the canonical encoding of [S]B − [k]A, so a non-canonical R never verifies.
 * One difference stays: OpenSSL checks the cofactorless equation and noble the cofactored one, so a
 * signature whose R carries a small-order component verifies with noble and not here. Only the holder of
 * the write key can make one (honest signers never do); the reverse (OpenSSL accepts, noble refuses) cannot
 * happen.
 */

// Raw keys enter OpenSSL as JWK (RFC 8037): on OpenSSL 3.0 that is EVP_PKEY_new_raw_*_key, ≈ 35 µs for a
// public key, where a DER SubjectPublicKeyInfo goes through the generic decoders (≈ 230 µs, 600+ µs for
// PKCS #8). Node reads only `d` of a private JWK but requires `x` to be a string; the tests' RFC 8032
// vectors and cross-checked signatures fail if that ever changes.
const b64url = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64url');

const CACHE_SIZE = 1024;
const publicKeys = new BoundedCache<KeyObject>(CACHE_SIZE);

function publicKeyObject(pub: Uint8Array): KeyObject {
  const k = bytesKey(pub);
  let key = publicKeys.get(k);
  if (!key) {
    key = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(pub) }, format: 'jwk' });
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
  const key = createPrivateKey({ key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: '' }, format: 'jwk' });
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
    const { x } = createPublicKey(privateKeyObject(seed)).export({ format: 'jwk' });
    if (typeof x !== 'string') throw new Error('OpenSSL gave no Ed25519 public key');
    return new Uint8Array(Buffer.from(x, 'base64url'));
  },
};

/** Makes every signature and verification of this process use OpenSSL. Call once at start. */
export function installNodeEd25519(): void {
  setEd25519(nodeEd25519);
}
