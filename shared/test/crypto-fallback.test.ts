/**
 * A page on a plain-http LAN address has no crypto.subtle (issue #6). Every hash, HMAC and HKDF of the
 * project is pure JS (@noble/hashes) on every page, so the links, document ids and keys derived there must
 * be the very bytes WebCrypto would give: checked here against Node's WebCrypto. The one WebCrypto use, the
 * device KEK, falls back to a raw XChaCha20-Poly1305 key; the app lock's passphrase KEK is pure JS on both,
 * so a profile locked on one kind of page unlocks on the other with the same records.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes, utf8 } from '../src/bytes';
import { newEditCapability } from '../src/crypto/capability';
import { KEK_STATE_KEY, MemoryDeviceKeyStore, decodeKekState, type ScryptParams } from '../src/crypto/kek';
import { Keyring, keyRecordKey } from '../src/crypto/keyring';
import { hkdf, hmacSha256, sha256 } from '../src/crypto/hash';
import { MemoryStorage } from '../src/storage/memory';

const subtle = globalThis.crypto.subtle;
const FAST: ScryptParams = { N: 16, r: 8, p: 1 };
const buf = (b: Uint8Array): Uint8Array<ArrayBuffer> => b.slice();

async function webSha256(data: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await subtle.digest('SHA-256', buf(data)));
}

async function webHmac(key: Uint8Array, data: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', buf(key), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return new Uint8Array(await subtle.sign('HMAC', k, buf(data)));
}

async function webHkdf(ikm: Uint8Array, info: Uint8Array, length: number, salt?: Uint8Array): Promise<Uint8Array> {
  const k = await subtle.importKey('raw', buf(ikm), 'HKDF', false, ['deriveBits']);
  const params = { name: 'HKDF', hash: 'SHA-256', salt: buf(salt ?? new Uint8Array(0)), info: buf(info) };
  return new Uint8Array(await subtle.deriveBits(params, k, length * 8));
}

// Message lengths around SHA-256's 64-byte block and its 55/56-byte padding edge, and a large one.
const SIZES = [0, 1, 55, 56, 63, 64, 65, 1000, 100_000];

describe('pure-JS hashes give the same bytes as WebCrypto', () => {
  it('SHA-256', async () => {
    for (const n of SIZES) expect(sha256(randomBytes(n)), `${n} bytes`).toHaveLength(32);
    for (const n of SIZES) {
      const data = randomBytes(n);
      expect(sha256(data), `${n} bytes`).toEqual(await webSha256(data));
    }
    const korean = utf8('두레: 회의록 초안 — 한글 입력');
    expect(sha256(korean)).toEqual(await webSha256(korean));
  });

  it('HMAC-SHA-256, keys shorter and longer than a block', async () => {
    for (const keyLen of [1, 16, 32, 64, 65, 200]) {
      for (const n of [0, 32, 1000]) {
        const key = randomBytes(keyLen);
        const data = randomBytes(n);
        expect(hmacSha256(key, data), `key ${keyLen}, data ${n}`).toEqual(await webHmac(key, data));
      }
    }
  });

  it('HKDF-SHA-256 with string and byte labels (Korean too), with and without salt, short and long', async () => {
    const infos: (string | Uint8Array)[] = ['dure/v1/read', '', '두레/회의', Uint8Array.of(0, 1, 2, 255)];
    for (const info of infos) {
      for (const length of [16, 32, 33, 64, 255 * 32]) {
        for (const salt of [undefined, new Uint8Array(0), randomBytes(32)]) {
          const ikm = randomBytes(32);
          const infoBytes = typeof info === 'string' ? utf8(info) : info;
          const label = `${JSON.stringify(info)} ${length} salt ${salt?.length ?? 'none'}`;
          expect(hkdf(ikm, info, length, salt), label).toEqual(await webHkdf(ikm, infoBytes, length, salt));
        }
      }
    }
  });
});

describe('the keyring without crypto.subtle (a plain-http LAN page)', () => {
  const open = (storage: MemoryStorage, device: MemoryDeviceKeyStore, insecure: boolean) =>
    Keyring.open(storage, device, { scrypt: FAST, ...(insecure ? { subtle: null } : {}) });

  it('wraps key records with the raw device key (XChaCha, tag 0x02) where WebCrypto uses AES-GCM (0x01)', async () => {
    const lan = { storage: new MemoryStorage(), device: new MemoryDeviceKeyStore() };
    const https = { storage: new MemoryStorage(), device: new MemoryDeviceKeyStore() };
    const k1 = await open(lan.storage, lan.device, true);
    const k2 = await open(https.storage, https.device, false);
    const cap = newEditCapability();
    const a = await k1.createDoc(cap);
    const b = await k2.createDoc(cap);
    // The same link gives the same document id and keys on either page (the docKey is per device).
    expect(a.docId).toBe(b.docId);
    expect(a.keys.contentKey(0)).toEqual(b.keys.contentKey(0));
    expect(a.keys.presenceKey(3)).toEqual(b.keys.presenceKey(3));
    expect(a.keys.writeSeed).toEqual(b.keys.writeSeed);
    expect((await lan.storage.get(keyRecordKey(a.docId)))?.[0]).toBe(0x02);
    expect((await https.storage.get(keyRecordKey(b.docId)))?.[0]).toBe(0x01);
    expect(k1.kekKind).toBe('device-raw');
    expect(k2.kekKind).toBe('device');
  });

  for (const [from, to] of [
    ['lan', 'https'],
    ['https', 'lan'],
  ] as const) {
    it(`the app lock set on a ${from} page unlocks on a ${to} page: one format for state and records`, async () => {
      const storage = new MemoryStorage();
      const device = new MemoryDeviceKeyStore();
      const k1 = await open(storage, device, from === 'lan');
      const s = await k1.createDoc(newEditCapability());
      await k1.enableLock('회의 비밀');
      const record = (await storage.get(keyRecordKey(s.docId)))!;
      expect(record[0]).toBe(0x02);
      expect(decodeKekState((await storage.get(KEK_STATE_KEY))!)).toMatchObject({ mode: 'passphrase' });

      const k2 = await open(storage, device, to === 'lan');
      expect(k2.locked).toBe(true);
      expect(await k2.unlock('wrong')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
      expect((await k2.unlock('회의 비밀')).ok).toBe(true);
      const r = await k2.getDocSecrets(s.docId);
      expect(r.ok && r.value.docKey).toEqual(s.docKey);
    });
  }

  it('turning the lock off on a LAN page returns the records to the raw device key, which reopens them', async () => {
    const storage = new MemoryStorage();
    const device = new MemoryDeviceKeyStore();
    const k1 = await open(storage, device, true);
    const s = await k1.createDoc(newEditCapability());
    await k1.enableLock('pw');
    expect((await k1.disableLock('pw')).ok).toBe(true);
    expect(k1.kekKind).toBe('device-raw');
    expect((await storage.get(keyRecordKey(s.docId)))?.[0]).toBe(0x02);
    expect(await device.load()).toBeInstanceOf(Uint8Array);
    const k2 = await open(storage, device, true);
    expect(k2.locked).toBe(false);
    const r = await k2.getDocSecrets(s.docId);
    expect(r.ok && r.value.docKey).toEqual(s.docKey);
  });
});
