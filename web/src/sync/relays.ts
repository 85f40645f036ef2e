/**
 * Several relays per document (issue #6). The list lives INSIDE the encrypted document, as the top-level
 * Y.Map `relays` (key: the relay's normalized WebSocket URL), so every collaborator gets it end-to-end
 * encrypted and no relay can read or change it. Which of those relays this device actually contacts is
 * a local choice per document: a relay sees the IP address of everyone who connects, so a relay that
 * someone else listed is only a suggestion until this person says "use it".
 *
 * Rules (one place, unit-tested):
 * - An empty list: the device's own relay (Settings; by default the server that served the page), as
 *   before several relays existed.
 * - A listed relay is used when this person chose it, or when it is this device's own relay; a declined
 *   one never; any other is suggested.
 * - Once the list is not empty it is the whole truth: this device's own relay is not contacted for the
 *   document unless it is listed (that is how "moving to another server" ends on every device).
 */
import type * as Y from 'yjs';
import { announcePrefs, normalizeServerUrl, type PrefStore } from './prefs';

export const RELAYS_MAP = 'relays';
/** Origin of the transactions that change the list (a local change: persisted and synced). */
export const RELAYS_ORIGIN = 'dure:relays';
/** A document lists at most this many relays; more is a mistake or an attack on collaborators' sockets. */
export const MAX_LISTED_RELAYS = 8;

/** The valid relay URLs the document lists, normalized and sorted; anything else in the map is ignored. */
export function listedRelays(ydoc: Y.Doc): string[] {
  const out = new Set<string>();
  for (const key of ydoc.getMap(RELAYS_MAP).keys()) {
    const url = normalizeServerUrl(key);
    if (url === key) out.add(url);
  }
  return [...out].sort().slice(0, MAX_LISTED_RELAYS);
}

export type ListError = 'invalid' | 'too-many';

/** Adds relays to the document's list in one transaction (already listed ones are left as they are). */
export function listRelays(ydoc: Y.Doc, urls: readonly string[]): ListError | undefined {
  const normalized = urls.map((u) => normalizeServerUrl(u));
  if (normalized.some((u) => u === undefined)) return 'invalid';
  const listed = new Set(listedRelays(ydoc));
  const fresh = [...new Set(normalized as string[])].filter((u) => !listed.has(u));
  if (listed.size + fresh.length > MAX_LISTED_RELAYS) return 'too-many';
  if (fresh.length > 0) ydoc.transact(() => fresh.forEach((u) => ydoc.getMap(RELAYS_MAP).set(u, true)), RELAYS_ORIGIN);
  return undefined;
}

export function unlistRelay(ydoc: Y.Doc, url: string): void {
  const map = ydoc.getMap(RELAYS_MAP);
  if (map.has(url)) ydoc.transact(() => map.delete(url), RELAYS_ORIGIN);
}

// ---- this device's choices --------------------------------------------------------------------------------

export interface RelayChoices {
  readonly use: readonly string[];
  readonly decline: readonly string[];
}

const NO_CHOICES: RelayChoices = Object.freeze({ use: [], decline: [] });
export const choicesKey = (docId: string): string => `dure.relays.${docId}`;

const urlList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string' && normalizeServerUrl(u) === u) : [];

export function loadRelayChoices(docId: string, store: PrefStore | undefined): RelayChoices {
  let raw: string | null = null;
  try {
    raw = store?.getItem(choicesKey(docId)) ?? null;
  } catch {
    return NO_CHOICES;
  }
  if (raw === null) return NO_CHOICES;
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    return { use: urlList(v.use), decline: urlList(v.decline) };
  } catch {
    return NO_CHOICES;
  }
}

/** `use` true = use it, false = decline it, undefined = forget the choice (back to a suggestion). */
export function saveRelayChoice(
  docId: string,
  url: string,
  use: boolean | undefined,
  store: PrefStore | undefined,
): RelayChoices {
  const c = loadRelayChoices(docId, store);
  const next: RelayChoices = {
    use: [...c.use.filter((u) => u !== url), ...(use === true ? [url] : [])],
    decline: [...c.decline.filter((u) => u !== url), ...(use === false ? [url] : [])],
  };
  try {
    if (next.use.length === 0 && next.decline.length === 0) store?.removeItem(choicesKey(docId));
    else store?.setItem(choicesKey(docId), JSON.stringify(next));
  } catch {
    // A browser that refuses storage: the choice holds for this page only.
  }
  announcePrefs();
  return next;
}

/** The document is deleted from this device: its choices go too. */
export function forgetRelayChoices(docId: string, store: PrefStore | undefined): void {
  try {
    store?.removeItem(choicesKey(docId));
  } catch {
    // Nothing stored, nothing to forget.
  }
}

// ---- the plan ----------------------------------------------------------------------------------------------

export type RelayUse = 'used' | 'suggested' | 'declined';

export interface PlannedRelay {
  readonly url: string;
  readonly use: RelayUse;
  /** in the document's list (false: this device's own relay while the list is empty) */
  readonly listed: boolean;
}

export function planRelays(
  listed: readonly string[],
  own: string | undefined,
  choices: RelayChoices,
): readonly PlannedRelay[] {
  if (listed.length === 0) return own === undefined ? [] : [{ url: own, use: 'used', listed: false }];
  return listed.map((url) => ({
    url,
    listed: true,
    use: choices.decline.includes(url) ? 'declined' : choices.use.includes(url) || url === own ? 'used' : 'suggested',
  }));
}

export const usedRelays = (plan: readonly PlannedRelay[]): string[] =>
  plan.filter((p) => p.use === 'used').map((p) => p.url);

/** The host (and port) people recognise a relay by; the URL itself when it does not parse. */
export function relayHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
