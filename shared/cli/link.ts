/**
 * Document links and server addresses for the CLI. A link is `<http(s) origin>/…#<fragment>` (the
 * web app's share format, web/src/editor/share.ts); the capability is in the fragment only.
 *
 * Nothing here ever puts a link or a fragment into an error: they hold the document's keys.
 */
import { formatFragment, parseFragment } from '../src/crypto/capability';
import type { Capability } from '../src/local/api';
import { err, ok, type Result } from '../src/result';

export type LinkError = 'no-fragment' | 'bad-fragment' | 'unsupported-version' | 'bad-url';

export interface DocLink {
  readonly capability: Capability;
  /** the http(s) origin the link points at, when it is a full link (not a bare fragment) */
  readonly origin: string | undefined;
}

/** A full link, or a bare fragment (`#1e.…` / `1e.…`) when the server is given separately. */
export function parseDocLink(input: string): Result<DocLink, LinkError> {
  const s = input.trim();
  if (/^#?\d+[a-z]\./.test(s)) {
    const cap = parseFragment(s);
    return cap.ok ? ok({ capability: cap.value, origin: undefined }) : err(fragmentError(cap.error));
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return err('bad-url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err('bad-url');
  if (url.hash.length <= 1) return err('no-fragment');
  const cap = parseFragment(url.hash);
  return cap.ok ? ok({ capability: cap.value, origin: url.origin }) : err(fragmentError(cap.error));
}

function fragmentError(e: 'malformed' | 'unsupported-version'): LinkError {
  return e === 'unsupported-version' ? 'unsupported-version' : 'bad-fragment';
}

export interface ServerAddress {
  /** where the relay's WebSocket endpoint is: ws(s)://host[/base]/sync */
  readonly ws: string;
  /** where the web app is: http(s)://host[/base]; links are `${http}/#<fragment>` */
  readonly http: string;
}

/**
 * `https://host` → wss://host/sync and https://host; `ws://host:8080/sync` → itself and http://host:8080.
 * A path is kept as a base (`https://host/dure` → wss://host/dure/sync).
 */
export function serverAddress(input: string): Result<ServerAddress, 'bad-server'> {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return err('bad-server');
  }
  if (url.username || url.password || url.search || url.hash) return err('bad-server');
  const secure = url.protocol === 'https:' || url.protocol === 'wss:';
  if (!['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol)) return err('bad-server');
  let base = url.pathname.replace(/\/+$/, '');
  if (url.protocol.startsWith('ws')) base = base.replace(/\/sync$/, '');
  const host = url.host;
  return ok({
    ws: `${secure ? 'wss' : 'ws'}://${host}${base}/sync`,
    http: `${secure ? 'https' : 'http'}://${host}${base}`,
  });
}

export function linkFor(server: ServerAddress, capability: Capability): string {
  return `${server.http}/#${formatFragment(capability)}`;
}
