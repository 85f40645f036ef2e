/**
 * The sync engine the web app runs: shared/src/sync's session over WebSocket transports.
 * Until the engine lands in shared/, every document stays on this device (sync-status `local`).
 */
import type { SyncEngine } from './doc-sync';

export const syncEngine: SyncEngine | undefined = undefined;
