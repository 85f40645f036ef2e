/** The sync engine the web app runs: shared/src/sync's session over the browser's WebSocket. */
import { startSession } from '@dure/shared/sync/session';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import type { SyncEngine } from './doc-sync';
import { disconnectWhenOffline } from './offline-watch';

export const syncEngine: SyncEngine | undefined = {
  startSession: (opts) => startSession(opts),
  createTransport: (url) => disconnectWhenOffline(createWebSocketTransport({ url })),
};
