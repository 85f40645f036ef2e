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
import { deviceKekOf, type DesktopApi } from './api';

export interface DesktopKeyStore extends DeviceKeyStore {
  /** whether main said, on the last load, that safeStorage keeps the key as plain text */
  readonly plainText: boolean;
}

export function desktopKeyStore(
  api: Required<Pick<DesktopApi, 'deviceKek'>>,
  subtle: SubtleCrypto | undefined = globalThis.crypto?.subtle,
): DesktopKeyStore {
  let plainText = false;
  return {
    get plainText() {
      return plainText;
    },
    async load() {
      const { kek, plainText: plain } = deviceKekOf(await api.deviceKek());
      plainText = plain;
      // app:// is a secure context, so subtle is there; without it the raw bytes still work ('device-raw').
      if (!subtle) return kek.slice();
      return subtle.importKey('raw', kek.slice() as Uint8Array<ArrayBuffer>, { name: 'AES-GCM' }, false, [
        'encrypt',
        'decrypt',
      ]);
    },
    save() {
      return Promise.reject(new Error('the desktop device key is made by the main process, never by the renderer'));
    },
  };
}
