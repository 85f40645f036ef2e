/**
 * The Content-Security-Policy of the web app, in one place: vite.config.ts writes it into index.html
 * as a <meta>, and the server sends CSP_HEADER (which adds what a <meta> cannot carry).
 *
 * No inline script or style: styles come from the bundled stylesheet and element classes; ProseMirror
 * and TipTap set style *attributes* through the CSSOM, which style-src does not block. Images only from
 * the app itself, decrypted blobs (blob:) and data: (ProseMirror's drag ghost); never a remote host,
 * so a hostile document cannot load a tracking pixel.
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
];

const join = (d: readonly (readonly [string, string])[]): string => d.map(([k, v]) => `${k} ${v}`).join('; ');

/** For <meta http-equiv="Content-Security-Policy"> (frame-ancestors is ignored there). */
export const CSP = join(DIRECTIVES);

/** For the HTTP header: the same policy plus frame-ancestors, which only a header can set. */
export const CSP_HEADER = join([...DIRECTIVES, ['frame-ancestors', "'none'"]]);
