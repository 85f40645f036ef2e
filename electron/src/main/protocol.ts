/**
 * app://dure/ — the built web app (web/dist) served from disk. A standard, secure scheme gives the
 * renderer a real origin ('self' in the CSP, IndexedDB, fetch) without a local HTTP server that other
 * programs on the machine could reach.
 */
import { realpath, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

export const APP_SCHEME = 'app';
export const APP_HOST = 'dure';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_INDEX_URL = `${APP_ORIGIN}/index.html`;

/**
 * For protocol.registerSchemesAsPrivileged, before 'ready'. No service workers: the files are on
 * the device already, and a worker's cache would keep serving the old app after an update.
 */
export const APP_SCHEME_PRIVILEGES = {
  scheme: APP_SCHEME,
  privileges: {
    standard: true,
    secure: true,
    supportFetchAPI: true,
    allowServiceWorkers: false,
    corsEnabled: true,
    stream: true,
    bypassCSP: false,
  },
} as const;

const MIME: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.webmanifest': 'application/manifest+json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.wasm': 'application/wasm',
};

export const mimeType = (file: string): string => MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/** What the handler reads of a request; Electron's GlobalRequest satisfies it. */
export interface AppRequest {
  readonly url: string;
  readonly method: string;
}

/**
 * The URL path → a path relative to the root, or null when it is not one we serve. Checked on the raw
 * text as well as the parsed URL: WHATWG parsing folds `..` and `%2e%2e` away, which would turn a
 * traversal attempt into some other, existing file instead of a refusal.
 */
export function relativePath(rawUrl: string): string | null {
  const raw = rawUrl.toLowerCase();
  if (raw.includes('..') || raw.includes('%2e') || raw.includes('%00') || raw.includes('\\') || raw.includes('%5c')) {
    return null;
  }
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${APP_SCHEME}:` || url.host !== APP_HOST || url.username !== '' || url.password !== '') {
    return null;
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(url.pathname);
  } catch {
    return null;
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\\]/.test(decoded) || decoded.includes('//')) return null;
  const segments = decoded.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..' || /^[a-z]:$/i.test(s))) return null;
  return segments.join('/');
}

const isInside = (root: string, file: string): boolean => file === root || file.startsWith(root + path.sep);

/** A file that really is under the root after symlinks, or null. */
async function resolveInside(root: string, rel: string): Promise<string | null> {
  try {
    const real = await realpath(path.join(root, rel));
    if (!isInside(root, real)) return null;
    return (await stat(real)).isFile() ? real : null;
  } catch {
    return null;
  }
}

export interface AppHandlerOptions {
  /** The built web app (web/dist). */
  readonly root: string;
  /** The current Content-Security-Policy (csp.ts CspState), read per response. */
  readonly csp: () => string;
}

/** The protocol.handle handler for app://. */
export function createAppHandler(options: AppHandlerOptions): (request: AppRequest) => Promise<Response> {
  // Resolved once, on the first request; a missing build is an answer (500), not a crash of main.
  let rootReal: Promise<string | null> | undefined;
  const respond = (status: number, body: Uint8Array<ArrayBuffer> | string | null, type: string): Response =>
    new Response(body, {
      status,
      headers: {
        'Content-Type': type,
        'Content-Security-Policy': options.csp(),
        'X-Content-Type-Options': 'nosniff',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': 'no-cache',
      },
    });
  const notFound = () => respond(404, 'not found', 'text/plain; charset=utf-8');

  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      return respond(405, 'method not allowed', 'text/plain; charset=utf-8');
    }
    const rel = relativePath(request.url);
    if (rel === null) return notFound();
    rootReal ??= realpath(options.root).catch(() => null);
    const root = await rootReal;
    if (root === null)
      return respond(500, 'the web app is not built (npm run build -w web)', 'text/plain; charset=utf-8');
    let file = await resolveInside(root, rel === '' ? 'index.html' : rel);
    // A route of the single-page app (no file extension, no such file) is the app's index.html;
    // a missing asset stays a 404 so a broken build shows up as one.
    if (file === null && path.extname(rel) === '') file = await resolveInside(root, 'index.html');
    if (file === null) return notFound();
    const body = request.method === 'HEAD' ? null : new Uint8Array(await readFile(file));
    return respond(200, body, mimeType(file));
  };
}
