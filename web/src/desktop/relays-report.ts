/**
 * Tells the desktop shell which relays this device may contact, so that main can allow exactly those in
 * the Content-Security-Policy's connect-src. The set is this device's own relay (Settings) and every
 * relay chosen for a document ("use"); suggestions and declined relays stay out, as they are never contacted.
 */
import { loadServerPref, normalizeServerUrl, PREFS_EVENT, resolveServerUrl, type PrefStore } from '../sync/prefs';

const CHOICES_PREFIX = 'dure.relays.';

/** Storage whose keys can be listed (localStorage, or a Map-backed stand-in in tests). */
export interface ListableStore extends PrefStore {
  readonly length: number;
  key(i: number): string | null;
}

/** Chosen relays are few (8 per document); a profile with thousands of keys is not scanned past this. */
const MAX_KEYS = 10_000;

export function chosenRelays(store: ListableStore, page: { href: string; protocol: string }): string[] {
  const out = new Set<string>();
  const own = resolveServerUrl(loadServerPref(store), page);
  if (own) out.add(own);
  const n = Math.min(store.length, MAX_KEYS);
  for (let i = 0; i < n; i++) {
    const k = store.key(i);
    if (!k?.startsWith(CHOICES_PREFIX)) continue;
    try {
      const v = JSON.parse(store.getItem(k) ?? 'null') as { use?: unknown } | null;
      if (!Array.isArray(v?.use)) continue;
      for (const u of v.use) if (typeof u === 'string' && normalizeServerUrl(u) === u) out.add(u);
    } catch {
      // a damaged entry chooses nothing
    }
  }
  return [...out].sort();
}

/**
 * Reports the set now and again whenever it changes: on preference writes in this window (the
 * 'dure:prefs' event sync/prefs.ts and sync/relays.ts dispatch) and in other windows (storage events).
 */
export function reportRelays(
  send: (relays: readonly string[]) => Promise<unknown>,
  store: ListableStore = localStorage,
  page: { href: string; protocol: string } = location,
): () => void {
  let last = '';
  const check = (): void => {
    const now = chosenRelays(store, page);
    const key = JSON.stringify(now);
    if (key === last) return;
    last = key;
    void send(now).catch((e: unknown) => console.warn('the desktop shell refused the relay list', e));
  };
  check();
  window.addEventListener('storage', check);
  window.addEventListener(PREFS_EVENT, check);
  return () => {
    window.removeEventListener('storage', check);
    window.removeEventListener(PREFS_EVENT, check);
  };
}
