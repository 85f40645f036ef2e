import { ed25519 } from '@noble/curves/ed25519.js';

/**
 * Every Ed25519 operation of the project goes through this one backend. The default is @noble/curves (pure
 * JS: the browser, a LAN http page without crypto.subtle, Electron's renderer). Node processes (the sync
 * server, the CLI, benchmark generators) install the OpenSSL one from ed25519-node.ts at start, which is
 * ~20× faster per verify; this module never imports node:crypto, so the browser bundle stays as it is.
 *
 * A backend's `verify` is strict and never throws: exact RFC 8032 encodings (S < L, canonical A and R) and
 * small-order public keys refused. verifySignature (protocol/verify.ts) relies on it.
 */
export interface Ed25519Backend {
  readonly name: string;
  /** 64-byte signature of msg under a 32-byte seed (RFC 8032 secret key). */
  sign(msg: Uint8Array, seed: Uint8Array): Uint8Array;
  /** Strict and total (see above): false for anything that is not a valid signature. */
  verify(sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean;
  /** 32-byte public key of a 32-byte seed. */
  publicKey(seed: Uint8Array): Uint8Array;
}

/** Group order L, little-endian, as signatures encode S. */
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 0, 0, 0, 0, 0, 0, 0,
  0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** S (bytes 32..63 of a signature, little-endian) is below the group order: the canonical encoding. */
export function scalarIsCanonical(sig: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    const s = sig[32 + i]!;
    const l = L_LE[i]!;
    if (s !== l) return s < l;
  }
  return false; // S = L
}

/** Latin-1 string of the bytes: a cheap exact Map key (public keys only, never secrets). */
export function bytesKey(b: Uint8Array): string {
  return String.fromCharCode.apply(null, b as unknown as number[]);
}

/**
 * A small map that forgets its least recently used entry when full: a server sees one write key per
 * document, and a flood of new keys must not grow memory nor push out the keys in use.
 */
export class BoundedCache<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      // re-inserted: a Map iterates in insertion order, so the first key is the least recently used
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }
  set(key: string, value: V): void {
    if (this.map.size >= this.max && !this.map.has(key)) {
      const oldest = this.map.keys().next();
      if (!oldest.done) this.map.delete(oldest.value);
    }
    this.map.set(key, value);
  }
}

const KEY_CACHE_SIZE = 1024;
const publicKeyChecks = new BoundedCache<boolean>(KEY_CACHE_SIZE);

/**
 * A 32-byte canonical encoding of a curve point that is not of small order, judged by noble's strict
 * decoder (y < p, no "negative zero" x) and cached per key: decoding costs a square root, and a relay or a
 * session verifies many signatures under one key.
 */
export function isStrictPublicKey(pub: Uint8Array): boolean {
  if (!(pub instanceof Uint8Array) || pub.length !== 32) return false;
  const k = bytesKey(pub);
  let ok = publicKeyChecks.get(k);
  if (ok === undefined) {
    try {
      ok = !ed25519.Point.fromBytes(pub, false).isSmallOrder();
    } catch {
      ok = false;
    }
    publicKeyChecks.set(k, ok);
  }
  return ok;
}

export const nobleEd25519: Ed25519Backend = {
  name: 'noble',
  sign: (msg, seed) => ed25519.sign(msg, seed),
  verify(sig, msg, pub) {
    try {
      if (sig.length !== 64 || !isStrictPublicKey(pub)) return false;
      return ed25519.verify(sig, msg, pub, { zip215: false });
    } catch {
      return false;
    }
  },
  publicKey: (seed) => ed25519.getPublicKey(seed),
};

let backend: Ed25519Backend = nobleEd25519;

/** Installs a backend for the whole process (Node entry points call installNodeEd25519 once at start). */
export function setEd25519(b: Ed25519Backend): void {
  backend = b;
}

export function getEd25519(): Ed25519Backend {
  return backend;
}

export const ed25519Sign = (msg: Uint8Array, seed: Uint8Array): Uint8Array => backend.sign(msg, seed);
export const ed25519Verify = (sig: Uint8Array, msg: Uint8Array, pub: Uint8Array): boolean =>
  backend.verify(sig, msg, pub);
export const ed25519PublicKey = (seed: Uint8Array): Uint8Array => backend.publicKey(seed);
