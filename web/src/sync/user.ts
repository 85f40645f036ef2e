/**
 * This person as collaborators see them (PeerInfo), from the name and colour preferences, and a
 * change signal for every open document of every tab (localStorage's `storage` event covers others).
 */
import type { PeerInfo } from '@dure/shared/sync/types';
import { t } from '../i18n/i18n';
import { displayName, loadIdentity, saveIdentity } from './prefs';

const listeners = new Set<(u: PeerInfo) => void>();

export function currentUser(): PeerInfo {
  const id = loadIdentity();
  return { name: displayName(id, (n) => t('peers.guest', { n })), color: id.color };
}

export function setCurrentUser(patch: { name?: string; color?: string }): void {
  saveIdentity(patch);
  const u = currentUser();
  listeners.forEach((cb) => cb(u));
}

/** Calls back when the name or colour changes in this tab or another one. */
export function onUserChange(cb: (u: PeerInfo) => void): () => void {
  listeners.add(cb);
  const onStorage = (e: StorageEvent): void => {
    if (e.key === null || e.key === 'dure.userName' || e.key === 'dure.userColor') cb(currentUser());
  };
  window.addEventListener('storage', onStorage);
  return () => {
    listeners.delete(cb);
    window.removeEventListener('storage', onStorage);
  };
}
