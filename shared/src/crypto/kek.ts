import { scryptAsync } from '@noble/hashes/scrypt.js';
import { concat, fromB64url, randomBytes, toB64url, utf8 } from '../bytes';
import { KEY_BYTES, open, seal } from './aead';

/**
 * Key-encryption keys: what wraps each document's key record (`key/<docId>`). Two kinds live here:
 *  - the device KEK, a non-extractable WebCrypto AES-256-GCM key that never leaves the browser's key store
 *    (or, where crypto.subtle is missing, raw random bytes used with XChaCha20-Poly1305: weaker, because the
 *    bytes sit in IndexedDB readable by anyone who copies the profile; `kind` says so, and the UI should too);
 *  - the passphrase KEK, scrypt(passphrase) used with XChaCha20-Poly1305, when the app lock is on.
 */
export type KekKind = 'device' | 'device-raw' | 'passphrase';

export interface Kek {
  readonly kind: KekKind;
  wrap(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array>;
  /** undefined when the bytes were not wrapped by this KEK with this aad (tampered, swapped, wrong KEK) */
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined>;
}

/** Persists the device KEK (web: the CryptoKey object in IndexedDB; Node tests: memory). */
export interface DeviceKeyStore {
  load(): Promise<CryptoKey | Uint8Array | undefined>;
  save(k: CryptoKey | Uint8Array): Promise<void>;
}

export class MemoryDeviceKeyStore implements DeviceKeyStore {
  private key: CryptoKey | Uint8Array | undefined;
  load(): Promise<CryptoKey | Uint8Array | undefined> {
    return Promise.resolve(this.key instanceof Uint8Array ? this.key.slice() : this.key);
  }
  save(k: CryptoKey | Uint8Array): Promise<void> {
    this.key = k instanceof Uint8Array ? k.slice() : k;
    return Promise.resolve();
  }
  clear(): void {
    this.key = undefined;
  }
}

// A leading byte names the wrapping so a record wrapped one way is never fed to the other cipher.
const TAG_AES_GCM = 0x01;
const TAG_XCHACHA = 0x02;
const GCM_IV_BYTES = 12;

class WebCryptoKek implements Kek {
  readonly kind = 'device' as const;
  constructor(
    private readonly subtle: SubtleCrypto,
    private readonly key: CryptoKey,
  ) {}

  async wrap(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(GCM_IV_BYTES);
    const ct = await this.subtle.encrypt(
      { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: aad as Uint8Array<ArrayBuffer> },
      this.key,
      plain as Uint8Array<ArrayBuffer>,
    );
    return concat(Uint8Array.of(TAG_AES_GCM), iv, new Uint8Array(ct));
  }

  async unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
    if (wrapped.length < 1 + GCM_IV_BYTES + 16 || wrapped[0] !== TAG_AES_GCM) return undefined;
    try {
      const pt = await this.subtle.decrypt(
        {
          name: 'AES-GCM',
          iv: wrapped.slice(1, 1 + GCM_IV_BYTES),
          additionalData: aad as Uint8Array<ArrayBuffer>,
        },
        this.key,
        wrapped.slice(1 + GCM_IV_BYTES),
      );
      return new Uint8Array(pt);
    } catch {
      return undefined;
    }
  }
}

/** XChaCha20-Poly1305 with a raw 32-byte key: the insecure-context device KEK and the passphrase KEK. */
export class RawKek implements Kek {
  private readonly key: Uint8Array;
  constructor(
    readonly kind: 'device-raw' | 'passphrase',
    key: Uint8Array,
  ) {
    if (key.length !== KEY_BYTES) throw new TypeError('KEK must be 32 bytes');
    this.key = key.slice();
  }
  wrap(plain: Uint8Array, aad: Uint8Array): Promise<Uint8Array> {
    return Promise.resolve(concat(Uint8Array.of(TAG_XCHACHA), seal(this.key, plain, aad)));
  }
  unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Uint8Array | undefined> {
    if (wrapped.length < 1 || wrapped[0] !== TAG_XCHACHA) return Promise.resolve(undefined);
    return Promise.resolve(open(this.key, wrapped.subarray(1), aad));
  }
}

/** crypto.subtle exists only in secure contexts (https, localhost); plain-http LAN pages lack it. */
export function defaultSubtle(): SubtleCrypto | undefined {
  const c = (globalThis as { crypto?: Crypto }).crypto;
  return c?.subtle ?? undefined;
}

/**
 * Loads the device KEK, creating and saving one on first use. `subtle: null` forces the raw fallback
 * (tests of the LAN path). A stored raw key stays raw even once subtle appears, so nothing needs re-wrapping.
 */
export async function openDeviceKek(store: DeviceKeyStore, opts: { subtle?: SubtleCrypto | null } = {}): Promise<Kek> {
  const subtle = opts.subtle === null ? undefined : (opts.subtle ?? defaultSubtle());
  const stored = await store.load();
  if (stored instanceof Uint8Array) return new RawKek('device-raw', stored);
  if (stored !== undefined) {
    if (!subtle) throw new Error('a WebCrypto device key is stored but crypto.subtle is unavailable');
    return new WebCryptoKek(subtle, stored);
  }
  if (subtle) {
    const key = await subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt']);
    await store.save(key);
    return new WebCryptoKek(subtle, key);
  }
  const raw = randomBytes(KEY_BYTES);
  await store.save(raw);
  return new RawKek('device-raw', raw);
}

/** scrypt cost; stored beside the salt so it can be raised later without breaking old installs. */
export interface ScryptParams {
  readonly N: number;
  readonly r: number;
  readonly p: number;
}

export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 };
export const SALT_BYTES = 16;

/** Bounds for params read from storage: a tampered state must not make unlock allocate gigabytes. */
export function validScryptParams(x: ScryptParams): boolean {
  const { N, r, p } = x;
  return (
    Number.isInteger(N) &&
    N >= 2 &&
    N <= 2 ** 20 &&
    (N & (N - 1)) === 0 &&
    Number.isInteger(r) &&
    r >= 1 &&
    r <= 32 &&
    Number.isInteger(p) &&
    p >= 1 &&
    p <= 16
  );
}

/**
 * NFC first: the same Hangul passphrase typed on macOS (often NFD) and on Windows (NFC) must unlock.
 */
export async function derivePassphraseKek(passphrase: string, salt: Uint8Array, params: ScryptParams): Promise<RawKek> {
  if (!validScryptParams(params)) throw new RangeError('scrypt params out of bounds');
  const key = await scryptAsync(utf8(passphrase.normalize('NFC')), salt, { ...params, dkLen: KEY_BYTES });
  return new RawKek('passphrase', key);
}

/**
 * `kek/state`: present only while the app lock is on. Salt, params and a verifier (a constant sealed
 * with the passphrase KEK) let unlock tell a wrong passphrase from a right one; the verifier is an AEAD
 * ciphertext, so it reveals nothing a brute-forcer could not learn from any key record anyway.
 */
export const KEK_STATE_KEY = 'kek/state';
const VERIFIER = utf8('dure/v1/kek-verifier');

export interface KekState {
  readonly v: 1;
  readonly mode: 'passphrase';
  readonly salt: Uint8Array;
  readonly params: ScryptParams;
  readonly verifier: Uint8Array;
}

export async function newPassphraseState(
  passphrase: string,
  params: ScryptParams,
): Promise<{ state: KekState; kek: RawKek }> {
  const salt = randomBytes(SALT_BYTES);
  const kek = await derivePassphraseKek(passphrase, salt, params);
  const verifier = await kek.wrap(VERIFIER, utf8(KEK_STATE_KEY));
  return { state: { v: 1, mode: 'passphrase', salt, params: { ...params }, verifier }, kek };
}

/** The KEK for this passphrase, or undefined when the passphrase is wrong. */
export async function kekFromState(state: KekState, passphrase: string): Promise<RawKek | undefined> {
  const kek = await derivePassphraseKek(passphrase, state.salt, state.params);
  const v = await kek.unwrap(state.verifier, utf8(KEK_STATE_KEY));
  return v !== undefined ? kek : undefined;
}

export function encodeKekState(s: KekState): Uint8Array {
  return utf8(
    JSON.stringify({
      v: s.v,
      mode: s.mode,
      salt: toB64url(s.salt),
      N: s.params.N,
      r: s.params.r,
      p: s.params.p,
      verifier: toB64url(s.verifier),
    }),
  );
}

/** undefined for anything that is not a well-formed state; the caller reports it as corrupt. */
export function decodeKekState(b: Uint8Array): KekState | undefined {
  try {
    const j = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b)) as Record<string, unknown>;
    if (j.v !== 1 || j.mode !== 'passphrase') return undefined;
    if (typeof j.salt !== 'string' || typeof j.verifier !== 'string') return undefined;
    const salt = fromB64url(j.salt);
    const verifier = fromB64url(j.verifier);
    const params = { N: j.N, r: j.r, p: j.p } as ScryptParams;
    if (!salt || salt.length !== SALT_BYTES || !verifier || !validScryptParams(params)) return undefined;
    return { v: 1, mode: 'passphrase', salt, params, verifier };
  } catch {
    return undefined;
  }
}
