/**
 * Link targets allowed in a document: http(s), mailto and in-document anchors (#id).
 *
 * This runs at render time on whatever the Y.Doc holds, because remote Yjs content never passes
 * through parseHTML. It is an allowlist: anything it does not positively recognise is refused, so
 * tricks aimed at a blocklist (case, whitespace and control characters inside the scheme, HTML
 * entities, protocol-relative `//host`, backslashes, full-width colons) fall out as "no scheme".
 */

/** Longer hrefs are refused: nobody types them, and they are a cheap way to bloat every render. */
export const MAX_HREF_LENGTH = 4096;

const ALLOWED_SCHEMES = new Set(['http', 'https', 'mailto']);

// What the WHATWG URL parser strips from both ends (C0 controls and space) before it reads a scheme.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const EDGE_JUNK = /^[\u0000-\u0020]+|[\u0000-\u0020]+$/g;
// Controls anywhere inside: the URL parser silently deletes tab/LF/CR ("java\tscript:"), and the
// others have no business in a link. Also C1 controls, bidi overrides and zero-width characters,
// which make a link display as something other than what it opens.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const INNER_JUNK = /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]/;
const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;
// An in-document anchor: heading ids are generated from text, so letters of any script are allowed.
const ANCHOR = /^#[\p{L}\p{N}_\-.:%]*$/u;

/**
 * Returns the href to put in the DOM, or null when the link must render without one.
 * http(s) hrefs come back in the URL parser's canonical form, so what the DOM gets is exactly what
 * was checked.
 */
export function safeHref(raw: unknown): string | null {
  if (typeof raw !== 'string') return null;
  const s = raw.replace(EDGE_JUNK, '');
  if (s === '' || s.length > MAX_HREF_LENGTH || INNER_JUNK.test(s)) return null;
  if (s.startsWith('#')) return ANCHOR.test(s) ? s : null;
  const m = SCHEME.exec(s);
  if (!m) return null;
  const scheme = m[1]!.toLowerCase();
  if (!ALLOWED_SCHEMES.has(scheme)) return null;
  if (scheme === 'mailto') {
    const rest = s.slice(m[0].length);
    // mailto:?body=... with no address is a way to pre-fill a mail to nobody; require an address
    if (!/^[^\s@?/\\]+@[^\s@?/\\]+/.test(rest)) return null;
    return 'mailto:' + rest;
  }
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.hostname === '') return null;
  // credentials in a link ("https://bank.example@evil.example/") only serve to mislead
  if (url.username !== '' || url.password !== '') return null;
  return url.href;
}

/** Whether the href points inside the document (no new tab, no rel needed). */
export function isAnchorHref(href: string): boolean {
  return href.startsWith('#');
}
