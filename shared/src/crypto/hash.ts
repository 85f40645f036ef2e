import { hkdf as nobleHkdf } from '@noble/hashes/hkdf.js';
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { utf8 } from '../bytes';

/**
 * Hashes and HKDF, synchronous and pure JS so they work on plain-http pages (no crypto.subtle) and
 * inside IndexedDB transactions.
 */
export const sha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);

export const hmacSha256 = (key: Uint8Array, data: Uint8Array): Uint8Array => hmac(nobleSha256, key, data);

/**
 * HKDF-SHA-256 (RFC 5869). String labels are UTF-8 encoded here because @noble/hashes 2.x only takes
 * bytes for `info`. An absent salt means the RFC's all-zero salt, the same as an empty one.
 */
export function hkdf(ikm: Uint8Array, info: string | Uint8Array, length = 32, salt?: Uint8Array): Uint8Array {
  if (!Number.isInteger(length) || length < 1 || length > 255 * 32) throw new RangeError('HKDF length out of range');
  return nobleHkdf(nobleSha256, ikm, salt, typeof info === 'string' ? utf8(info) : info, length);
}
