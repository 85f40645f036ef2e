/**
 * The Content-Security-Policy the server sends with every response.
 *
 * APP_CSP is a copy of the policy the web app declares in web/src/csp.ts (a test fails when the two
 * differ): the server cannot import the web package's source without making the server's build depend
 * on the web app's. frame-ancestors only works as a header, so it is added here.
 */
export const APP_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' blob: data:; " +
  "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; " +
  "base-uri 'none'; form-action 'none'";

export const SERVER_CSP = `${APP_CSP}; frame-ancestors 'none'`;
