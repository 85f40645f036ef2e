import { createHash, createHmac, createPrivateKey, createPublicKey, hkdfSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromB64url, toB64url, toHex, utf8 } from '../src/bytes';
import {
  blobIdFor,
  decodeCapability,
  deriveDocKeys,
  encodeCapability,
  formatFragment,
  newEditCapability,
  parseFragment,
  viewCapabilityOf,
} from '../src/crypto/capability';
import { hkdf, hmacSha256, sha256 } from '../src/crypto/hash';
import type { Capability } from '../src/local/api';

const EDIT_SECRET = Uint8Array.from({ length: 32 }, (_, i) => i);
const EDIT: Capability = { kind: 'edit', editSecret: EDIT_SECRET };

/** Pinned once from this implementation and cross-checked below against node:crypto. */
const VECTOR = {
  docId: 'PDmqIif7YdvLOl0-Dn4x5g',
  readSecret: 'ba496427dac74ffcd947b3cce16050e40709c53a8d75420157352d86a879dd5c',
  writeSeed: '02d7de8187ae094ed1d0e25251499091665634b93abae9899f1aa8c7ce8d475b',
  writePub: '9a2c1b4798fea2f91efa2bb4ed4003f011597cd7192aa038e5f3c6a683d1477b',
  contentKey0: '0a95b7a5e6ae53008f4f8d41d51f67db3ae92935ca29fff1e96a1b535fd16eaf',
  contentKey1: '33b58337a7dad28922eb2ca76b0dad602d89258e7934c0d00011103db648de8d',
  presenceKey0: 'e1b40fcf8846ed19aaef2ab8431d56ebec9322e10d9b97a314416fcdd47f58c9',
  blobKeyAbc: 'bbb3098c4141574aa5ed62b8b85804d0c0c41aec4b9eff89a2dace4506e5efd9',
  blobIdHello: 'F0DOxZVQWQXEghcstMdUTA',
  editFragment: '1e.AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8',
  viewFragment: '1r.uklkJ9rHT_zZR7PM4WBQ5AcJxTqNdUIBVzUthqh53Vw.miwbR5j-ovke-iu07UAD8BFZfNcZKqA45fPGpoPRR3s',
};

const nodeHkdf = (ikm: Uint8Array, info: Uint8Array, n = 32): Uint8Array =>
  new Uint8Array(hkdfSync('sha256', ikm, new Uint8Array(0), info, n));

/** Ed25519 public key from a seed via node:crypto (PKCS#8 prefix for a raw 32-byte Ed25519 seed). */
function nodeEd25519Pub(seed: Uint8Array): Uint8Array {
  const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), Buffer.from(seed)]);
  const der = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' })).export({
    format: 'der',
    type: 'spki',
  });
  return new Uint8Array(der.subarray(der.length - 32));
}

describe('hash primitives', () => {
  it('match node:crypto', () => {
    const data = utf8('두레 dure');
    expect(toHex(sha256(data))).toBe(createHash('sha256').update(data).digest('hex'));
    expect(toHex(hmacSha256(utf8('k'), data))).toBe(createHmac('sha256', 'k').update(data).digest('hex'));
    expect(hkdf(data, 'info', 42)).toEqual(nodeHkdf(data, utf8('info'), 42));
    expect(hkdf(data, utf8('info'))).toEqual(hkdf(data, 'info'));
    expect(() => hkdf(data, 'x', 0)).toThrow(RangeError);
  });
});

describe('capability derivation (E2EE.md 4.1)', () => {
  const keys = deriveDocKeys(EDIT);

  it('gives the pinned test vectors', () => {
    expect(keys.docId).toBe(VECTOR.docId);
    expect(toHex(keys.readSecret)).toBe(VECTOR.readSecret);
    expect(toHex(keys.writeSeed!)).toBe(VECTOR.writeSeed);
    expect(toHex(keys.writePub)).toBe(VECTOR.writePub);
    expect(toHex(keys.contentKey(0))).toBe(VECTOR.contentKey0);
    expect(toHex(keys.contentKey(1))).toBe(VECTOR.contentKey1);
    expect(toHex(keys.presenceKey(0))).toBe(VECTOR.presenceKey0);
    expect(toHex(keys.blobKey('abc'))).toBe(VECTOR.blobKeyAbc);
    expect(blobIdFor(keys, utf8('hello'))).toBe(VECTOR.blobIdHello);
    expect(formatFragment(EDIT)).toBe(VECTOR.editFragment);
    expect(formatFragment(viewCapabilityOf(EDIT))).toBe(VECTOR.viewFragment);
  });

  it('follows the documented labels, checked against an independent HKDF and Ed25519 (node:crypto)', () => {
    const readSecret = nodeHkdf(EDIT_SECRET, utf8('dure/v1/read'));
    const writeSeed = nodeHkdf(EDIT_SECRET, utf8('dure/v1/write-sign'));
    expect(keys.readSecret).toEqual(readSecret);
    expect(keys.writeSeed).toEqual(writeSeed);
    expect(keys.writePub).toEqual(nodeEd25519Pub(writeSeed));
    expect(keys.docId).toBe(toB64url(nodeHkdf(readSecret, utf8('dure/v1/doc-id'), 16)));
    const epoch7 = Buffer.concat([Buffer.from('dure/v1/content/epoch/'), Buffer.from([0, 0, 0, 7])]);
    expect(keys.contentKey(7)).toEqual(nodeHkdf(readSecret, epoch7));
    const pres = Buffer.concat([Buffer.from('dure/v1/presence/epoch/'), Buffer.from([0, 0, 1, 0])]);
    expect(keys.presenceKey(256)).toEqual(nodeHkdf(readSecret, pres));
    expect(keys.blobKey('xyz')).toEqual(nodeHkdf(readSecret, utf8('dure/v1/blob/xyz')));
    const idKey = nodeHkdf(readSecret, utf8('dure/v1/blob-id'));
    const mac = createHmac('sha256', idKey).update(utf8('hello')).digest();
    expect(blobIdFor(keys, utf8('hello'))).toBe(toB64url(mac.subarray(0, 16)));
  });

  it('keeps every derived key distinct', () => {
    const all = [keys.readSecret, keys.writeSeed!, keys.contentKey(0), keys.contentKey(1), keys.presenceKey(0)];
    expect(new Set(all.map(toHex)).size).toBe(all.length);
    expect(() => keys.contentKey(-1)).toThrow(RangeError);
    expect(() => keys.contentKey(2 ** 32)).toThrow(RangeError);
  });

  it('blob ids are content-addressed but not a plain hash of the bytes', () => {
    const img = utf8('a known image');
    expect(blobIdFor(keys, img)).toBe(blobIdFor(keys, img));
    expect(blobIdFor(keys, img)).not.toBe(blobIdFor(keys, utf8('another image')));
    expect(blobIdFor(keys, img)).not.toBe(toB64url(sha256(img).subarray(0, 16)));
    expect(blobIdFor(deriveDocKeys(newEditCapability()), img)).not.toBe(blobIdFor(keys, img));
  });

  it('edit derives view with the same doc id, read secret and write key; view has no write seed', () => {
    const view = viewCapabilityOf(EDIT);
    const vk = deriveDocKeys(view);
    expect(vk.kind).toBe('view');
    expect(vk.docId).toBe(keys.docId);
    expect(vk.readSecret).toEqual(keys.readSecret);
    expect(vk.writePub).toEqual(keys.writePub);
    expect(vk.contentKey(3)).toEqual(keys.contentKey(3));
    expect(vk.writeSeed).toBeUndefined();
    expect(viewCapabilityOf(view)).toBe(view);
  });

  it('a view capability carries nothing the edit secret can be recovered from', () => {
    // The view link's bytes are HKDF outputs and a public key; none of them equals or contains editSecret.
    const view = viewCapabilityOf(EDIT);
    const frag = formatFragment(view);
    expect(frag).not.toContain(toB64url(EDIT_SECRET));
    if (view.kind !== 'view') throw new Error('expected view');
    expect(toHex(view.readSecret)).not.toContain(toHex(EDIT_SECRET).slice(0, 16));
    expect(encodeCapability(view).length).toBe(66);
  });

  it('new edit capabilities are random', () => {
    const a = newEditCapability();
    const b = newEditCapability();
    expect(deriveDocKeys(a).docId).not.toBe(deriveDocKeys(b).docId);
    expect(deriveDocKeys(a).docId).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe('link fragments', () => {
  it('round trip for edit and view, with or without #', () => {
    for (const cap of [EDIT, viewCapabilityOf(EDIT), newEditCapability(), viewCapabilityOf(newEditCapability())]) {
      const f = formatFragment(cap);
      for (const s of [f, `#${f}`]) {
        const r = parseFragment(s);
        expect(r.ok).toBe(true);
        if (r.ok) expect(formatFragment(r.value)).toBe(f);
      }
    }
  });

  const e = VECTOR.editFragment;
  const v = VECTOR.viewFragment;
  const [, rs, wp] = v.split('.') as [string, string, string];
  const malformed: [string, string][] = [
    ['empty', ''],
    ['only #', '#'],
    ['two #', `##${e}`],
    ['no secret', '1e.'],
    ['no separator', e.replace('.', '')],
    ['short secret', e.slice(0, -1)],
    ['long secret', `${e}A`],
    ['padding', `${e}=`],
    ['standard base64 +', `${e.slice(0, -1)}+`],
    ['standard base64 /', `${e.slice(0, -1)}/`],
    ['non-canonical trailing bits', `${e.slice(0, -1)}9`],
    ['space', ` ${e}`],
    ['trailing newline', `${e}\n`],
    ['Hangul', `1e.${'가'.repeat(43)}`],
    ['edit with extra part', `${e}.${wp}`],
    ['view without writePub', `1r.${rs}`],
    ['view with extra part', `${v}.${wp}`],
    ['view with short writePub', `1r.${rs}.${wp.slice(0, -2)}`],
    ['view writePub not a curve point', `1r.${rs}.${toB64url(new Uint8Array(32).fill(0xff))}`],
    ['view writePub of small order', `1r.${rs}.${toB64url(new Uint8Array(32))}`],
    ['unknown kind', `1x.${rs}`],
    ['uppercase kind', `1E.${rs}`],
    ['no version', `e.${rs}`],
    ['huge junk', '1e.' + 'A'.repeat(100_000)],
    ['a URL', 'https://example.org/d#1e.AAAA'],
  ];
  it.each(malformed)('rejects %s as malformed', (_name, s) => {
    expect(parseFragment(s)).toMatchObject({ ok: false, error: 'malformed' });
  });

  it.each([
    ['version 2', `2e.${rs}`],
    ['version 10', `10e.${rs}`],
    ['version 0', `0r.${rs}.${wp}`],
  ])('rejects %s as unsupported-version', (_name, s) => {
    expect(parseFragment(s)).toMatchObject({ ok: false, error: 'unsupported-version' });
  });
});

describe('binary capability encoding', () => {
  it('round trips and rejects damage', () => {
    for (const cap of [EDIT, viewCapabilityOf(EDIT)]) {
      const b = encodeCapability(cap);
      const r = decodeCapability(b);
      expect(r.ok && formatFragment(r.value)).toBe(formatFragment(cap));
      expect(decodeCapability(b.subarray(0, b.length - 1))).toMatchObject({ ok: false, error: 'malformed' });
      const v2 = b.slice();
      v2[0] = 2;
      expect(decodeCapability(v2)).toMatchObject({ ok: false, error: 'unsupported-version' });
      const kind = b.slice();
      kind[1] = 0;
      expect(decodeCapability(kind)).toMatchObject({ ok: false, error: 'malformed' });
    }
    expect(decodeCapability(new Uint8Array(0))).toMatchObject({ ok: false, error: 'malformed' });
    expect(fromB64url(VECTOR.editFragment.slice(3))).toEqual(EDIT_SECRET);
  });

  it('misuse (wrong key lengths) throws', () => {
    expect(() => deriveDocKeys({ kind: 'edit', editSecret: new Uint8Array(31) })).toThrow(TypeError);
    expect(() => formatFragment({ kind: 'view', readSecret: new Uint8Array(32), writePub: new Uint8Array(3) })).toThrow(
      TypeError,
    );
  });
});

describe('parseFragment on random input', () => {
  it('never throws, and accepts only the canonical form of a capability', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const alphabet = 'AZaz09-_.#12er+/= 가\u0000\uffff';
    const good = [VECTOR.editFragment, VECTOR.viewFragment];
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      let s: string;
      if (i % 2 === 0) {
        // Mutate a valid fragment in one place: most mutations must be rejected.
        const base = good[i % 4 === 0 ? 0 : 1]!;
        const at = Math.floor(rnd() * base.length);
        const c = alphabet[Math.floor(rnd() * alphabet.length)]!;
        s = base.slice(0, at) + c + base.slice(at + (rnd() < 0.5 ? 1 : 0));
      } else {
        s = Array.from({ length: Math.floor(rnd() * 100) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join(
          '',
        );
      }
      const r = parseFragment(s);
      if (r.ok) {
        accepted++;
        expect(formatFragment(r.value)).toBe(s.startsWith('#') ? s.slice(1) : s);
      }
    }
    expect(accepted).toBeLessThan(1500);
  });
});
