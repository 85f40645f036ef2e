/**
 * The Content-Security-Policy header the server sends with every response.
 *
 * A copy of CSP_HEADER from web/src/csp.ts (test/csp.test.ts fails when the two differ): importing the
 * web package's source would make the server's build depend on the web app's. It is the app's own
 * <meta> policy plus frame-ancestors, which only a header can carry.
 */
const DIRECTIVES: readonly (readonly [string, string])[] = [
  ['default-src', "'self'"],
  ['script-src', "'self'"],
  ['style-src', "'self'"],
  ['img-src', "'self' blob: data:"],
  ['font-src', "'self'"],
  ['connect-src', "'self' ws: wss:"],
  ['worker-src', "'self'"],
  ['manifest-src', "'self'"],
  ['object-src', "'none'"],
  ['base-uri', "'none'"],
  ['form-action', "'none'"],
  ['frame-ancestors', "'none'"],
];

export const SERVER_CSP = DIRECTIVES.map(([k, v]) => `${k} ${v}`).join('; ');
