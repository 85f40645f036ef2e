import { describe, expect, it } from 'vitest';
import { fromB64url, randomBytes, toB64url } from '../src/bytes';
import { open, seal } from '../src/crypto/aead';

describe('bytes', () => {
  it('round-trips base64url for every length', () => {
    for (let n = 0; n < 70; n++) {
      const b = randomBytes(n);
      expect(fromB64url(toB64url(b))).toEqual(b);
    }
  });
  it('rejects foreign characters and non-canonical tails', () => {
    expect(fromB64url('ab+c')).toBeUndefined();
    expect(fromB64url('a')).toBeUndefined();
    expect(fromB64url('AB')).toBeUndefined(); // 'B' leaves non-zero trailing bits
    expect(fromB64url('AA')).toEqual(new Uint8Array([0]));
  });
});

describe('aead', () => {
  it('detects tampering and the wrong associated data', () => {
    const key = randomBytes(32);
    const sealed = seal(key, new Uint8Array([1, 2, 3]), new Uint8Array([9]));
    expect(open(key, sealed, new Uint8Array([9]))).toEqual(new Uint8Array([1, 2, 3]));
    expect(open(key, sealed, new Uint8Array([8]))).toBeUndefined();
    const bad = sealed.slice();
    bad[30]! ^= 1;
    expect(open(key, bad, new Uint8Array([9]))).toBeUndefined();
    expect(open(randomBytes(32), sealed, new Uint8Array([9]))).toBeUndefined();
  });
});
