/**
 * Sync preferences of this device: which relay (the one that served the page, another one, or none),
 * the relay's invite token, and how this person appears to collaborators (name and colour).
 * localStorage, like the other preferences: none of this is document content, and the invite token
 * only lets a device create documents on a relay (it never reaches a log: nothing here logs it).
 */

/** The subset of localStorage these functions use, so node tests can pass a Map. */
export interface PrefStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEY_SERVER_MODE = 'dure.syncMode';
const KEY_SERVER_URL = 'dure.syncUrl';
const KEY_INVITE = 'dure.inviteToken';
const KEY_NAME = 'dure.userName';
const KEY_COLOR = 'dure.userColor';
const KEY_GUEST = 'dure.guestNumber';

function defaultStore(): PrefStore | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function read(store: PrefStore | undefined, key: string): string | null {
  try {
    return store?.getItem(key) ?? null;
  } catch {
    return null;
  }
}

/** Fired on window after this window writes a preference (storage events only reach the other windows). */
export const PREFS_EVENT = 'dure:prefs';

export function announcePrefs(): void {
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(PREFS_EVENT));
}

function write(store: PrefStore | undefined, key: string, value: string | null): void {
  try {
    if (value === null) store?.removeItem(key);
    else store?.setItem(key, value);
  } catch {
    // A browser that refuses storage keeps the defaults; syncing still works.
  }
  announcePrefs();
}

// ---- the relay ----------------------------------------------------------------------------------------

/** `default` = the server that served this page; `off` = this device only (sync-status `local`). */
export type ServerPref =
  { readonly mode: 'default' } | { readonly mode: 'custom'; readonly url: string } | { readonly mode: 'off' };

export function loadServerPref(store = defaultStore()): ServerPref {
  const mode = read(store, KEY_SERVER_MODE);
  if (mode === 'off') return { mode: 'off' };
  if (mode === 'custom') {
    const url = normalizeServerUrl(read(store, KEY_SERVER_URL) ?? '');
    if (url !== undefined) return { mode: 'custom', url };
  }
  return { mode: 'default' };
}

export function saveServerPref(pref: ServerPref, store = defaultStore()): void {
  write(store, KEY_SERVER_MODE, pref.mode === 'default' ? null : pref.mode);
  write(store, KEY_SERVER_URL, pref.mode === 'custom' ? pref.url : null);
}

/**
 * A relay address as typed by a person: `wss://relay.example.org`, `https://relay.example.org/`,
 * `relay.example.org:8080` or a full `ws://…/sync`. http(s) becomes ws(s); a bare host means wss
 * (plain ws only when written out, e.g. a meeting laptop on the LAN); an address without a path gets
 * the relay's endpoint `/sync`. Anything else (other schemes, credentials, a fragment) is refused.
 */
export function normalizeServerUrl(raw: string): string | undefined {
  const typed = raw.trim();
  if (typed === '') return undefined;
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `wss://${typed}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  const scheme = { 'ws:': 'ws:', 'wss:': 'wss:', 'http:': 'ws:', 'https:': 'wss:' }[url.protocol];
  if (scheme === undefined || url.hostname === '' || url.username !== '' || url.password !== '' || url.hash !== '')
    return undefined;
  const path = url.pathname === '/' || url.pathname === '' ? '/sync' : url.pathname;
  return `${scheme}//${url.host}${path}${url.search}`;
}

/**
 * The relay that served this page: the endpoint `sync` beside the page (`/sync` when the app is at the
 * root, as the sync server serves it). None for pages not served over http(s) (a file, the desktop app).
 */
export function defaultServerUrl(page: { href: string; protocol: string }): string | undefined {
  if (page.protocol !== 'http:' && page.protocol !== 'https:') return undefined;
  const url = new URL('sync', page.href);
  url.protocol = page.protocol === 'https:' ? 'wss:' : 'ws:';
  url.hash = '';
  url.search = '';
  return url.href;
}

/** The relay URL newly opened documents connect to, or undefined for "this device only". */
export function resolveServerUrl(pref: ServerPref, page: { href: string; protocol: string }): string | undefined {
  if (pref.mode === 'off') return undefined;
  if (pref.mode === 'custom') return pref.url;
  return defaultServerUrl(page);
}

/** Up to 255 bytes of UTF-8 on the wire (PROTOCOL.md `create`); the field enforces it. */
export const MAX_INVITE_BYTES = 255;

export const inviteBytes = (token: string): Uint8Array | undefined => {
  const t = token.trim();
  if (t === '') return undefined;
  const b = new TextEncoder().encode(t);
  return b.length <= MAX_INVITE_BYTES ? b : undefined;
};

export const loadInviteToken = (store = defaultStore()): string => read(store, KEY_INVITE) ?? '';
export const saveInviteToken = (token: string, store = defaultStore()): void =>
  write(store, KEY_INVITE, token.trim() === '' ? null : token.trim());

// ---- this person ----------------------------------------------------------------------------------------

/**
 * Colours for carets and name labels: every one keeps white text at ≥ 4.5:1 (WCAG AA), which the
 * unit test checks, and they are far enough apart to tell two or three people apart.
 */
export const PALETTE: readonly string[] = [
  '#c2185b',
  '#7b1fa2',
  '#3949ab',
  '#0068a8',
  '#00796b',
  '#2e7d32',
  '#bf360c',
  '#6d4c41',
  '#455a64',
  '#6b6b00',
];

export const MAX_NAME_LENGTH = 64;

export const isColor = (s: unknown): s is string => typeof s === 'string' && /^#[0-9a-f]{6}$/i.test(s);

/** A number 1000..9999 drawn once per device: "Guest 4821" stays the same person across documents. */
export function guestNumber(store = defaultStore(), random: () => number = Math.random): number {
  const stored = Number(read(store, KEY_GUEST));
  if (Number.isInteger(stored) && stored >= 1000 && stored <= 9999) return stored;
  const n = 1000 + Math.floor(random() * 9000);
  write(store, KEY_GUEST, String(n));
  return n;
}

export interface Identity {
  /** what the person chose, or '' for the localized guest name */
  readonly name: string;
  readonly color: string;
  readonly guest: number;
}

export function loadIdentity(store = defaultStore(), random: () => number = Math.random): Identity {
  const guest = guestNumber(store, random);
  const name = cleanName(read(store, KEY_NAME) ?? '');
  const stored = read(store, KEY_COLOR);
  const color = isColor(stored) ? stored.toLowerCase() : PALETTE[guest % PALETTE.length]!;
  return { name, color, guest };
}

export function saveIdentity(patch: { name?: string; color?: string }, store = defaultStore()): void {
  if (patch.name !== undefined) {
    const name = cleanName(patch.name);
    write(store, KEY_NAME, name === '' ? null : name);
  }
  if (patch.color !== undefined && isColor(patch.color)) write(store, KEY_COLOR, patch.color.toLowerCase());
}

/** One line, NFC, at most MAX_NAME_LENGTH UTF-16 units, never ending inside a surrogate pair. */
export function cleanName(raw: string): string {
  let s = raw.normalize('NFC').replace(/\s+/g, ' ').trim();
  if (s.length > MAX_NAME_LENGTH) {
    s = s.slice(0, MAX_NAME_LENGTH);
    if (/[\ud800-\udbff]$/.test(s)) s = s.slice(0, -1);
    s = s.trim();
  }
  return s;
}

/** The name others see: the chosen one, or "Guest 4821" / "손님 4821" in this device's language. */
export function displayName(id: Identity, guestWord: (n: number) => string): string {
  return id.name !== '' ? id.name : guestWord(id.guest);
}

// ---- contrast (for labels drawn on a collaborator's colour) ------------------------------------------------

function luminance(hex: string): number {
  const c = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255);
  const lin = c.map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * lin[0]! + 0.7152 * lin[1]! + 0.0722 * lin[2]!;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

/** White or near-black, whichever reads better on a colour someone else picked. */
export const textColorOn = (bg: string): string =>
  isColor(bg) && contrast(bg, '#ffffff') >= contrast(bg, '#111111') ? '#ffffff' : '#111111';
