/** The sync settings a newly opened document uses, read from this device's preferences. */
import type { SyncConfig } from './doc-sync';
import { inviteBytes, loadInviteToken, loadServerPref, resolveServerUrl } from './prefs';
import { currentUser } from './user';

export function syncConfig(page: { href: string; protocol: string } = location): SyncConfig {
  const invite = inviteBytes(loadInviteToken());
  return {
    url: resolveServerUrl(loadServerPref(), page),
    ...(invite ? { inviteToken: invite } : {}),
    user: currentUser(),
  };
}
