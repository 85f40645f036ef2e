/**
 * The desktop device key. In the browser the key that wraps every document key (the KEK, see
 * shared/src/crypto/kek.ts) is a non-extractable WebCrypto key inside the profile; a copied profile carries
 * it along. Here main keeps 32 random bytes encrypted with Electron's safeStorage (the OS keychain:
 * Keychain, DPAPI, libsecret/kwallet) in userData, and hands them to the renderer, which uses them as a
 * raw device KEK (the keyring's 'device-raw' kind). With the app lock on the renderer uses its
 * passphrase-derived KEK as in the web app and never asks for this one.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { err, ok, type Result } from '@dure/shared/result';
import { CHANNELS, type DeviceKekAnswer } from '../shared-api';
import { v, type Ipc } from './ipc';

export const KEK_FILE = 'device-kek.json';
export const KEK_BYTES = 32;

/** The parts of Electron's safeStorage used here; tests pass a reversible fake. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only in Electron */
  getSelectedStorageBackend?(): string;
}

export interface DeviceKek {
  readonly kek: Uint8Array;
  /**
   * true when safeStorage has no keychain and "encrypts" with a fixed key (Linux 'basic_text'): the key
   * file is then as good as plain text and the renderer must say so.
   */
  readonly plainText: boolean;
}

/**
 * 'unavailable': safeStorage cannot encrypt now (Linux before the keyring answers, or none at all);
 * 'unreadable': a key file exists but does not decrypt (another user's keychain, a reset keychain,
 * damage). Never replaced silently: a new key would orphan every document key it wrapped.
 */
export type DeviceKekError = 'unavailable' | 'unreadable';

interface KekFileV1 {
  readonly v: 1;
  /** safeStorage output, base64 */
  readonly sealed: string;
}

const B64URL = /^[A-Za-z0-9_-]{43}$/;

export class DeviceKeyStore {
  private readonly file: string;
  /** one read-or-create at a time, so two early requests do not make two keys */
  private pending: Promise<Result<DeviceKek, DeviceKekError>> | undefined;

  constructor(
    userData: string,
    private readonly safeStorage: SafeStorageLike,
    private readonly platform: NodeJS.Platform,
  ) {
    this.file = path.join(userData, KEK_FILE);
  }

  /** Whether safeStorage's backend is the plain-text fallback (checked on Linux only, where it exists). */
  plainText(): boolean {
    return this.platform === 'linux' && this.safeStorage.getSelectedStorageBackend?.() === 'basic_text';
  }

  /** The device KEK, created on first use. */
  deviceKek(): Promise<Result<DeviceKek, DeviceKekError>> {
    this.pending ??= this.readOrCreate().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /**
   * Deletes the stored key. Only for after the app lock was turned on and every record was re-wrapped
   * with the passphrase KEK: then nothing on disk needs it, and the lock's promise (nothing in the
   * keychain opens the documents) holds. Turning the lock off later creates a fresh key.
   */
  async forget(): Promise<void> {
    await rm(this.file, { force: true });
  }

  private async readOrCreate(): Promise<Result<DeviceKek, DeviceKekError>> {
    if (!this.safeStorage.isEncryptionAvailable()) return err('unavailable');
    let text: string | undefined;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') return err('unreadable');
    }
    if (text !== undefined) {
      const kek = this.open(text);
      return kek ? ok({ kek, plainText: this.plainText() }) : err('unreadable');
    }
    const kek = new Uint8Array(randomBytes(KEK_BYTES));
    const sealed = this.safeStorage.encryptString(Buffer.from(kek).toString('base64url'));
    const body: KekFileV1 = { v: 1, sealed: sealed.toString('base64') };
    await mkdir(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    // single instance (single-instance.ts) and the pending promise keep this the only writer
    await writeFile(tmp, JSON.stringify(body), { encoding: 'utf8', mode: 0o600 });
    await rename(tmp, this.file);
    return ok({ kek, plainText: this.plainText() });
  }

  private open(text: string): Uint8Array | undefined {
    try {
      const body = JSON.parse(text) as Partial<KekFileV1>;
      if (body.v !== 1 || typeof body.sealed !== 'string') return undefined;
      const inner = this.safeStorage.decryptString(Buffer.from(body.sealed, 'base64'));
      if (!B64URL.test(inner)) return undefined;
      const kek = new Uint8Array(Buffer.from(inner, 'base64url'));
      return kek.length === KEK_BYTES ? kek : undefined;
    } catch {
      // decryptString throws when the keychain cannot open it
      return undefined;
    }
  }
}

/**
 * The key's IPC. ipc.ts answers only the main frame of our own window showing app://dure/, so no other
 * page, frame or process gets the key this way.
 */
export function registerKeyStoreIpc(ipc: Ipc, store: DeviceKeyStore): void {
  ipc.handle(CHANNELS.deviceKek, v.args(), async (): Promise<DeviceKekAnswer> => {
    const r = await store.deviceKek();
    return r.ok ? { ok: true, kek: r.value.kek, plainText: r.value.plainText } : { ok: false, error: r.error };
  });
  ipc.handle(CHANNELS.forgetDeviceKek, v.args(), () => store.forget());
}
