/**
 * Routes live in the URL fragment only, so document ids (and link secrets) never reach a server's
 * request log: `#/` list, `#/d/<docId>` editor, `#/settings`, and `#1e.`/`#1r.` capability links.
 */
export type Route =
  | { readonly name: 'list' }
  | { readonly name: 'doc'; readonly docId: string }
  | { readonly name: 'settings' }
  | { readonly name: 'capability'; readonly fragment: string }
  | { readonly name: 'not-found' };

/** base64url ids as the core derives them (16 bytes -> 22 chars); a little slack for future formats. */
const DOC_ID = /^[A-Za-z0-9_-]{8,64}$/;
/** `#1e.` edit and `#1r.` view links; the strict parsing is the core's job. */
const CAPABILITY = /^\d+[a-z]\./;

export function parseRoute(hash: string): Route {
  const frag = hash.startsWith('#') ? hash.slice(1) : hash;
  if (CAPABILITY.test(frag)) return { name: 'capability', fragment: frag };
  const path = frag === '' ? '/' : frag;
  if (path === '/' || path === '') return { name: 'list' };
  if (path === '/settings') return { name: 'settings' };
  const m = /^\/d\/([^/?#]+)$/.exec(path);
  if (m?.[1] && DOC_ID.test(m[1])) return { name: 'doc', docId: m[1] };
  return { name: 'not-found' };
}

export const hrefOf = (r: Route): string => {
  switch (r.name) {
    case 'list':
    case 'not-found':
      return '#/';
    case 'settings':
      return '#/settings';
    case 'doc':
      return `#/d/${r.docId}`;
    case 'capability':
      return `#${r.fragment}`;
  }
};

export function navigate(r: Route): void {
  location.hash = hrefOf(r);
}

/**
 * Replaces the address without a navigation or history entry: used to drop a link's secret from the
 * address bar (and from the history list) as soon as it is read.
 */
export function replaceRoute(r: Route): void {
  history.replaceState(null, '', hrefOf(r));
}
