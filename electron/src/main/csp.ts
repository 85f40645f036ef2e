/**
 * The desktop app's Content-Security-Policy: the web app's (web/src/csp.ts) with connect-src narrowed
 * from "any ws:/wss:" to exactly the relays the user chose. The renderer reports that list through IPC
 * (CHANNELS.setRelays); protocol.ts sends the current policy with every response, so it applies from
 * the next page load on. The web app's own <meta> policy still stands beside it, and the browser
 * enforces both: the narrower one wins.
 */
import { RELAY_ORIGIN_MAX, RELAYS_MAX, type RelayRefusal, type SetRelaysResult } from '../shared-api';

const FIXED: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' blob: data:"],
  ['font-src', "'self'"],
  ['worker-src', "'self'"],
  ['manifest-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

/**
 * One relay address as the user typed it → the origins connect-src needs, or why not.
 * A ws(s) relay also gets its http(s) twin: the app fetches nothing else from a relay, but a health
 * check (GET /healthz) of the same host must not be blocked. http(s) input is turned into both too.
 */
export function relayOrigins(relay: string): { ok: true; origins: string[] } | { ok: false; refusal: RelayRefusal } {
  const no = (reason: RelayRefusal['reason']) => ({ ok: false as const, refusal: { relay, reason } });
  let url: URL;
  try {
    url = new URL(relay.trim());
  } catch {
    return no('not-a-url');
  }
  if (url.username !== '' || url.password !== '') return no('credentials');
  const secure = url.protocol === 'wss:' || url.protocol === 'https:';
  if (!secure && url.protocol !== 'ws:' && url.protocol !== 'http:') return no('scheme');
  // A CSP source is whitespace- and semicolon-separated: URL parsing has already refused both in a host.
  const hostPort = url.host;
  return {
    ok: true,
    origins: secure ? [`wss://${hostPort}`, `https://${hostPort}`] : [`ws://${hostPort}`, `http://${hostPort}`],
  };
}

/** Validates and normalises the renderer's list; the good entries are kept, the rest reported. */
export function normaliseRelays(relays: readonly string[]): Omit<SetRelaysResult, 'reloadNeeded'> {
  const allowed = new Set<string>();
  const refused: RelayRefusal[] = [];
  for (const relay of relays.slice(0, RELAYS_MAX)) {
    if (relay.length > RELAY_ORIGIN_MAX) {
      refused.push({ relay: relay.slice(0, 64), reason: 'not-a-url' });
      continue;
    }
    const r = relayOrigins(relay);
    if (r.ok) r.origins.forEach((o) => allowed.add(o));
    else refused.push(r.refusal);
  }
  return { allowed: [...allowed].sort(), refused };
}

/** The policy for a set of already-normalised origins. */
export function buildCsp(origins: readonly string[]): string {
  const connect = ["'self'", ...origins].join(' ');
  return [...FIXED.slice(0, 5), ['connect-src', connect] as const, ...FIXED.slice(5)]
    .map(([k, v]) => `${k} ${v}`)
    .join('; ');
}

/** The current policy, rebuilt whenever the renderer reports a new relay list. */
export class CspState {
  #origins: readonly string[] = [];
  #policy = buildCsp([]);
  /** The origins each webContents' current document was served with (by webContents id). */
  readonly #loadedWith = new Map<number, ReadonlySet<string>>();

  get policy(): string {
    return this.#policy;
  }

  get origins(): readonly string[] {
    return this.#origins;
  }

  /** Call when a window starts loading a document: it gets the policy as it is now. */
  documentLoading(contentsId: number): void {
    this.#loadedWith.set(contentsId, new Set(this.#origins));
  }

  forget(contentsId: number): void {
    this.#loadedWith.delete(contentsId);
  }

  /** `from`: the webContents id that reported (its document's policy decides reloadNeeded). */
  setRelays(relays: readonly string[], from?: number): SetRelaysResult {
    const { allowed, refused } = normaliseRelays(relays);
    this.#origins = allowed;
    this.#policy = buildCsp(allowed);
    const loaded = from === undefined ? undefined : this.#loadedWith.get(from);
    const reloadNeeded = loaded !== undefined && allowed.some((o) => !loaded.has(o));
    return { allowed, refused, reloadNeeded };
  }
}
