/**
 * Opens the configured backend. Backends are imported on demand, so a process that uses the memory backend
 * (the desktop app's meeting relay, where native modules cannot be built) never loads better-sqlite3.
 */
import type { RelayStore, StoreOptions } from './types';

export type * from './types';

export type StoreConfig =
  ({ readonly kind: 'memory' } & StoreOptions) | ({ readonly kind: 'sqlite'; readonly file: string } & StoreOptions);

export async function openRelayStore(config: StoreConfig): Promise<RelayStore> {
  if (config.kind === 'memory') {
    const { MemoryRelayStore } = await import('./memory');
    return new MemoryRelayStore(config);
  }
  const { SqliteRelayStore } = await import('./sqlite');
  return new SqliteRelayStore(config);
}
