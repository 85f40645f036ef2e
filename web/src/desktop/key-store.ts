/**
 * The device key store of the desktop app: the key-encryption key (used while the app lock is off) comes
 * from the main process, which keeps it encrypted with Electron's safeStorage (the system keyring) in its
 * own profile folder, instead of living in IndexedDB where a copy of the profile is enough to use it.
 *
 * In the renderer the bytes become a non-extractable WebCrypto key right away, so the keyring sees the
 * same kind of key as on the web ('device', not the weaker 'device-raw'). Main makes the key, so this
 * store never saves one: the keyring only saves when load() found nothing, which cannot happen here.
 */
import type { DeviceKeyStore } from '@dure/shared';
import type { DesktopApi } from './api';

export const DEVICE_KEY_BYTES = 32;

export interface DesktopKeyStore extends DeviceKeyStore {
  /** the safeStorage backend main reported on the last load; undefined before the first */
  readonly backend: string | undefined;
}

/** Linux's fallback when no keyring (gnome-libsecret, kwallet) answers: the "encrypted" key is plain text. */
export const isPlainTextBackend = (backend: string | undefined): boolean => backend === 'basic_text';

export function desktopKeyStore(
  api: Required<Pick<DesktopApi, 'getDeviceKey'>>,
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): DesktopKeyStore {
  let backend: string | undefined;
  return {
    get backend() {
      return backend;
    },
    async load() {
      const answer = await api.getDeviceKey();
      if (!(answer.key instanceof Uint8Array) || answer.key.length !== DEVICE_KEY_BYTES) {
        throw new Error('the desktop shell answered with a device key of the wrong size');
      }
      backend = typeof answer.backend === 'string' ? answer.backend : undefined;
      // app:// is a secure context, so subtle is there; without it the raw bytes still work ('device-raw').
      if (!subtle) return answer.key.slice();
      return subtle.importKey('raw', answer.key.slice() as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [
        'encrypt',
        'decrypt',
      ]);
    },
    save() {
      return Promise.reject(new Error('the desktop device key is made by the main process, never by the renderer'));
    },
  };
}
