/**
 * The safeStorage-protected device KEK, with a fake safeStorage (a reversible transform standing in for
 * the OS keychain) and the real keyring from shared/ using the KEK as its raw device key.
 */
import { Keyring } from '@dure/shared/crypto/keyring';
import { newEditCapability } from '@dure/shared/crypto/capability';
import type { DeviceKeyStore as KeyringDeviceKeys } from '@dure/shared/crypto/kek';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIpc, type InvokeEvent } from '../src/main/ipc';
import { DeviceKeyStore, KEK_BYTES, KEK_FILE, registerKeyStoreIpc, type SafeStorageLike } from '../src/main/key-store';
import { CHANNELS } from '../src/shared-api';

/** XOR with a per-"keychain" byte, tagged so a foreign keychain's output fails like the real one does. */
function fakeSafeStorage(keychain: number, backend = 'gnome_libsecret', available = true): SafeStorageLike {
  return {
    isEncryptionAvailable: () => available,
    encryptString: (s) => Buffer.concat([Buffer.from([keychain]), Buffer.from(s, 'utf8').map((b) => b ^ keychain)]),
    decryptString: (b) => {
      if (b[0] !== keychain)
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from(b.subarray(1).map((x) => x ^ keychain)).toString('utf8');
    },
    getSelectedStorageBackend: () => backend,
  };
}

/** What the renderer does with the IPC answer: a keyring device-key store that only loads. */
const fromKek = (kek: Uint8Array): KeyringDeviceKeys => ({
  load: () => Promise.resolve(kek.slice()),
  save: () => Promise.reject(new Error('the desktop device key is made in main')),
});

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'dure-kek-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('DeviceKeyStore', () => {
  it('creates a 32-byte key once, stores it only sealed, and returns the same key after a restart', async () => {
    const store = new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux');
    const first = await store.deviceKek();
    if (!first.ok) throw new Error(first.error);
    expect(first.value.kek).toHaveLength(KEK_BYTES);
    expect(first.value.plainText).toBe(false);

    const file = await readFile(path.join(dir, KEK_FILE), 'utf8');
    expect(file).not.toContain(Buffer.from(first.value.kek).toString('base64url'));
    expect(file).not.toContain(Buffer.from(first.value.kek).toString('base64'));
    if (process.platform !== 'win32') expect((await stat(path.join(dir, KEK_FILE))).mode & 0o077).toBe(0);

    const restarted = new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux');
    expect(await restarted.deviceKek()).toEqual(first);
  });

  it('makes one key when asked twice at once', async () => {
    const store = new DeviceKeyStore(dir, fakeSafeStorage(7), 'darwin');
    const [a, b] = await Promise.all([store.deviceKek(), store.deviceKek()]);
    expect(a).toEqual(b);
  });

  it('refuses a key file another keychain sealed, and a damaged one, without replacing it', async () => {
    await new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux').deviceKek();
    const before = await readFile(path.join(dir, KEK_FILE), 'utf8');
    expect(await new DeviceKeyStore(dir, fakeSafeStorage(9), 'linux').deviceKek()).toEqual({
      ok: false,
      error: 'unreadable',
    });
    expect(await readFile(path.join(dir, KEK_FILE), 'utf8')).toBe(before);
    await writeFile(path.join(dir, KEK_FILE), '{"v":1,"sealed":"AAAA"}');
    expect(await new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux').deviceKek()).toEqual({
      ok: false,
      error: 'unreadable',
    });
  });

  it('says unavailable when safeStorage cannot encrypt, and writes nothing', async () => {
    const store = new DeviceKeyStore(dir, fakeSafeStorage(7, 'gnome_libsecret', false), 'linux');
    expect(await store.deviceKek()).toEqual({ ok: false, error: 'unavailable' });
    await expect(stat(path.join(dir, KEK_FILE))).rejects.toThrow();
  });

  it("flags Linux's basic_text backend as plain text, and only on Linux", async () => {
    const linux = await new DeviceKeyStore(dir, fakeSafeStorage(7, 'basic_text'), 'linux').deviceKek();
    expect(linux.ok && linux.value.plainText).toBe(true);
    const mac = await new DeviceKeyStore(dir, fakeSafeStorage(7, 'basic_text'), 'darwin').deviceKek();
    expect(mac.ok && mac.value.plainText).toBe(false);
  });

  it('forget() removes the key; the next request makes a new one', async () => {
    const store = new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux');
    const a = await store.deviceKek();
    await store.forget();
    await expect(stat(path.join(dir, KEK_FILE))).rejects.toThrow();
    const b = await store.deviceKek();
    expect(a.ok && b.ok && Buffer.from(a.value.kek).equals(Buffer.from(b.value.kek))).toBe(false);
  });
});

describe('the real keyring on the desktop device key', () => {
  it('opens its documents after a restart, and not with another keychain’s key', async () => {
    const storage = new MemoryStorage();
    const kek1 = await new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux').deviceKek();
    if (!kek1.ok) throw new Error(kek1.error);
    const keyring = await Keyring.open(storage, fromKek(kek1.value.kek));
    expect(keyring.kekKind).toBe('device-raw');
    const secrets = await keyring.createDoc(newEditCapability());

    const kek2 = await new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux').deviceKek();
    if (!kek2.ok) throw new Error(kek2.error);
    const reopened = await Keyring.open(storage, fromKek(kek2.value.kek));
    const r = await reopened.getDocSecrets(secrets.docId);
    expect(r.ok && Buffer.from(r.value.docKey).equals(Buffer.from(secrets.docKey))).toBe(true);

    const otherDir = await mkdtemp(path.join(tmpdir(), 'dure-kek-other-'));
    try {
      const stranger = await new DeviceKeyStore(otherDir, fakeSafeStorage(7), 'linux').deviceKek();
      if (!stranger.ok) throw new Error(stranger.error);
      const wrong = await Keyring.open(storage, fromKek(stranger.value.kek));
      expect(await wrong.getDocSecrets(secrets.docId)).toMatchObject({ ok: false, error: 'corrupt' });
    } finally {
      await rm(otherDir, { recursive: true, force: true });
    }
  });

  it('with the app lock on, the documents open with the passphrase and the stored key can go', async () => {
    const storage = new MemoryStorage();
    const store = new DeviceKeyStore(dir, fakeSafeStorage(7), 'linux');
    const kek = await store.deviceKek();
    if (!kek.ok) throw new Error(kek.error);
    const keyring = await Keyring.open(storage, fromKek(kek.value.kek), { scrypt: { N: 16, r: 8, p: 1 } });
    const secrets = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('비밀 문장 passphrase');
    await store.forget();

    // No device key at all now: a keyring that asked for one would fail loudly.
    const noDeviceKey: KeyringDeviceKeys = {
      load: () => Promise.reject(new Error('asked for the device key while the lock is on')),
      save: () => Promise.reject(new Error('no')),
    };
    const locked = await Keyring.open(storage, noDeviceKey);
    expect(locked.locked).toBe(true);
    expect(await locked.unlock('비밀 문장 passphrase')).toEqual({ ok: true, value: undefined });
    const r = await locked.getDocSecrets(secrets.docId);
    expect(r.ok).toBe(true);
  });
});

describe('the device KEK over IPC', () => {
  function eventFrom(url: string): InvokeEvent {
    const frame = { url, parent: null, processId: 1, routingId: 1 };
    return { senderFrame: frame, sender: { id: 5, mainFrame: frame } };
  }

  it('answers the app at app://dure/ and refuses any other page', async () => {
    const handlers = new Map<string, (event: never, ...args: unknown[]) => unknown>();
    const ipc = createIpc({ ipcMain: { handle: (c, l) => void handlers.set(c, l) }, isOurContents: () => true });
    registerKeyStoreIpc(ipc, new DeviceKeyStore(dir, fakeSafeStorage(7, 'basic_text'), 'linux'));
    const ask = (url: string): Promise<unknown> =>
      Promise.resolve().then(() => handlers.get(CHANNELS.deviceKek)!(eventFrom(url) as never));

    const answer = (await ask('app://dure/index.html')) as { ok: boolean; kek: Uint8Array; plainText: boolean };
    expect(answer.ok).toBe(true);
    expect(answer.kek).toHaveLength(KEK_BYTES);
    expect(answer.plainText).toBe(true);
    await expect(ask('https://evil.example/')).rejects.toThrow(/not app:\/\/dure/);
    await expect(ask('file:///home/u/x.html')).rejects.toThrow(/not app:\/\/dure/);
  });
});
