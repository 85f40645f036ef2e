import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { afterEach, describe, expect, it } from 'vitest';
import { concat, randomBytes } from '../../src/bytes';
import {
  BoundedCache,
  nobleEd25519,
  setEd25519,
  isStrictPublicKey,
  type Ed25519Backend,
} from '../../src/crypto/ed25519';
import { nodeEd25519 } from '../../src/crypto/ed25519-node';
import { verifySignature } from '../../src/protocol/verify';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s, 'hex'));
const BACKENDS: readonly Ed25519Backend[] = [nobleEd25519, nodeEd25519];

/** RFC 8032 §7.1: TEST 1, 2, 3 and TEST SHA(abc). */
const RFC8032 = [
  {
    seed: '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60',
    pub: 'd75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a',
    msg: '',
    sig: 'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
  },
  {
    seed: '4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb',
    pub: '3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c',
    msg: '72',
    sig: '92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00',
  },
  {
    seed: 'c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7',
    pub: 'fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025',
    msg: 'af82',
    sig: '6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a',
  },
  {
    seed: '833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42',
    pub: 'ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf',
    msg: 'ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f',
    sig: 'dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704',
  },
];

/** The 8 points of small order (the torsion subgroup), canonically encoded. */
const SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000080',
  '0000000000000000000000000000000000000000000000000000000000000000',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
];

const L = 2n ** 252n + 27742317777372353535851937790883648493n;

function le32(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) out[i] = Number((n >> BigInt(8 * i)) & 0xffn);
  return out;
}
function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]!);
  return n;
}
function flip(b: Uint8Array, i: number, bit = 1): Uint8Array {
  const c = b.slice();
  c[i] = c[i]! ^ bit;
  return c;
}

afterEach(() => setEd25519(nobleEd25519));

describe('Ed25519 backends', () => {
  for (const b of BACKENDS) {
    it(`${b.name}: RFC 8032 test vectors sign, verify and derive public keys`, () => {
      for (const v of RFC8032) {
        expect(Buffer.from(b.publicKey(hex(v.seed))).toString('hex')).toBe(v.pub);
        expect(Buffer.from(b.sign(hex(v.msg), hex(v.seed))).toString('hex')).toBe(v.sig);
        expect(b.verify(hex(v.sig), hex(v.msg), hex(v.pub))).toBe(true);
        expect(b.verify(flip(hex(v.sig), 0), hex(v.msg), hex(v.pub))).toBe(false);
      }
    });
  }

  it('2,000 random keys and messages: equal signatures, equal public keys, and both verify each other', () => {
    for (let i = 0; i < 2000; i++) {
      const seed = randomBytes(32);
      const msg = randomBytes(i % 300);
      const pubN = nobleEd25519.publicKey(seed);
      const pubO = nodeEd25519.publicKey(seed);
      expect(pubO).toEqual(pubN);
      const sigN = nobleEd25519.sign(msg, seed);
      const sigO = nodeEd25519.sign(msg, seed);
      expect(sigO).toEqual(sigN);
      expect(nodeEd25519.verify(sigN, msg, pubN)).toBe(true);
      expect(nobleEd25519.verify(sigO, msg, pubN)).toBe(true);
      // every tenth pair also tampered, in the signature's R and S, the message and the key
      if (i % 10 === 0) {
        const other = nobleEd25519.publicKey(randomBytes(32));
        const cases: [Uint8Array, Uint8Array, Uint8Array][] = [
          [flip(sigN, i % 32), msg, pubN],
          [flip(sigN, 32 + (i % 31)), msg, pubN],
          [sigN, concat(msg, Uint8Array.of(0)), pubN],
          [sigN, msg, other],
        ];
        if (msg.length > 0) cases.push([sigN, flip(msg, i % msg.length), pubN]);
        for (const [s, m, p] of cases) {
          expect(nodeEd25519.verify(s, m, p)).toBe(false);
          expect(nobleEd25519.verify(s, m, p)).toBe(false);
        }
      }
    }
    // noble's JavaScript takes ≈ 3 ms per pair here, longer on a loaded machine
  }, 120_000);

  it('refuses S + L (the same signature with a non-canonical scalar) with both backends', () => {
    const v = RFC8032[1]!;
    const sig = hex(v.sig);
    const s = fromLe(sig.subarray(32));
    const malleated = concat(sig.subarray(0, 32), le32(s + L));
    expect(fromLe(malleated.subarray(32))).toBeLessThan(2n ** 256n);
    for (const b of BACKENDS) {
      expect(b.verify(sig, hex(v.msg), hex(v.pub))).toBe(true);
      expect(b.verify(malleated, hex(v.msg), hex(v.pub))).toBe(false);
    }
    // S = L exactly, and S = L − 1 (canonical but wrong)
    for (const sv of [L, L - 1n]) {
      const forged = concat(sig.subarray(0, 32), le32(sv));
      for (const b of BACKENDS) expect(b.verify(forged, hex(v.msg), hex(v.pub))).toBe(false);
    }
  });

  it('refuses every small-order public key with both backends, even with a signature valid under ZIP-215', () => {
    const msg = randomBytes(40);
    for (const k of SMALL_ORDER) {
      const pub = hex(k);
      expect(isStrictPublicKey(pub)).toBe(false);
      // identity R and S = 0 satisfy the cofactored equation under any small-order key
      const sig = concat(hex(SMALL_ORDER[0]!), new Uint8Array(32));
      expect(ed25519.verify(sig, msg, pub, { zip215: true })).toBe(true);
      for (const b of BACKENDS) {
        expect(b.verify(sig, msg, pub)).toBe(false);
        setEd25519(b);
        expect(verifySignature(sig, msg, pub)).toBe(false);
      }
    }
  });

  it('refuses a non-canonical public key encoding (y ≥ p) with both backends', () => {
    // y = p + k for the small k where that is an encodable point: a second encoding of an existing point
    const p = 2n ** 255n - 19n;
    let tried = 0;
    for (let k = 0n; k < 19n; k++) {
      const enc = le32(p + k);
      let onCurve = true;
      try {
        ed25519.Point.fromBytes(enc, true);
      } catch {
        onCurve = false;
      }
      if (!onCurve) continue;
      tried++;
      expect(isStrictPublicKey(enc)).toBe(false);
      for (const b of BACKENDS) expect(b.verify(new Uint8Array(64), new Uint8Array(1), enc)).toBe(false);
    }
    expect(tried).toBeGreaterThan(0);
  });

  it('never throws: wrong lengths, wrong types and garbage give false', () => {
    const v = RFC8032[0]!;
    for (const b of BACKENDS) {
      expect(b.verify(new Uint8Array(63), hex(v.msg), hex(v.pub))).toBe(false);
      expect(b.verify(hex(v.sig), hex(v.msg), new Uint8Array(31))).toBe(false);
      expect(b.verify(hex(v.sig), hex(v.msg), new Uint8Array(33))).toBe(false);
      expect(b.verify(new Uint8Array(64).fill(0xff), hex(v.msg), new Uint8Array(32).fill(0xff))).toBe(false);
      expect(b.verify(null as unknown as Uint8Array, hex(v.msg), hex(v.pub))).toBe(false);
      expect(b.verify(hex(v.sig), 'x' as unknown as Uint8Array, hex(v.pub))).toBe(false);
    }
  });

  it('a signature whose R carries a small-order component: noble (cofactored) accepts, OpenSSL refuses', () => {
    // Only the holder of the secret scalar can make one; documented in ed25519-node.ts.
    const seed = randomBytes(32);
    const { scalar, pointBytes } = ed25519.utils.getExtendedPublicKey(seed);
    const msg = randomBytes(20);
    const r = 12345678901234567890n;
    const T = ed25519.Point.fromBytes(hex(SMALL_ORDER[1]!));
    const R = ed25519.Point.BASE.multiply(r).add(T).toBytes();
    const k = fromLe(sha512(concat(R, pointBytes, msg))) % L;
    const sig = concat(R, le32((r + k * scalar) % L));
    expect(nobleEd25519.verify(sig, msg, pointBytes)).toBe(true);
    expect(nodeEd25519.verify(sig, msg, pointBytes)).toBe(false);
  });

  it('a seed array reused for another seed signs with the new seed (the key cache compares contents)', () => {
    const seed = randomBytes(32);
    const msg = randomBytes(10);
    const first = nodeEd25519.sign(msg, seed);
    seed.set(randomBytes(32));
    const second = nodeEd25519.sign(msg, seed);
    expect(second).not.toEqual(first);
    expect(second).toEqual(nobleEd25519.sign(msg, seed));
  });
});

describe('BoundedCache', () => {
  it('keeps at most its size and forgets the least recently used entry', () => {
    const c = new BoundedCache<number>(3);
    c.set('a', 1);
    c.set('b', 2);
    c.set('c', 3);
    expect(c.get('a')).toBe(1); // a is now the most recent
    c.set('d', 4);
    expect(c.get('b')).toBeUndefined();
    expect([c.get('a'), c.get('c'), c.get('d')]).toEqual([1, 3, 4]);
    for (let i = 0; i < 100; i++) c.set(`k${i}`, i);
    expect([c.get('a'), c.get('k97'), c.get('k98'), c.get('k99')]).toEqual([undefined, 97, 98, 99]);
  });
});
