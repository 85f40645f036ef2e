/**
 * Serves the built web app (web/dist). Hashed assets are immutable; index.html and sw.js are always
 * revalidated, so a new release is seen at once (the service worker then asks the user before switching).
 * Only files inside the web folder are ever served: traversal, encoded separators, NUL bytes and
 * symlinks that lead out are refused.
 */
import type { Stats } from 'node:fs';
import { readFile, realpath, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzip as gzipCb } from 'node:zlib';

const gzip = promisify(gzipCb);

const TYPES: Readonly<Record<string, string>> = {
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
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

export const contentType = (file: string): string =>
  TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';

/** Vite names built assets `assets/name-HASH.ext`: their content never changes under that name. */
export const isHashedAsset = (urlPath: string): boolean =>
  urlPath.startsWith('/assets/') && /-[A-Za-z0-9_-]{8,}\.[A-Za-z0-9]+$/.test(urlPath);

/** Text formats worth compressing (the app bundle is several hundred KB of JavaScript). */
export const isCompressible = (type: string): boolean =>
  /^(text\/|application\/(json|manifest\+json|wasm)|image\/svg\+xml)/.test(type);

/** Accept-Encoding lists gzip (or *) with a non-zero quality. */
export function acceptsGzip(header: string | undefined): boolean {
  if (!header) return false;
  return header.split(',').some((part) => {
    const [name = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    if (name !== 'gzip' && name !== '*') return false;
    const q = params.find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

/**
 * Compressed copies, computed once per file version. Bounded: the built app is a few MB at most, and
 * the cache is dropped whole rather than grown past the bound.
 */
class GzipCache {
  private readonly entries = new Map<string, Buffer>();
  private bytes = 0;
  constructor(private readonly maxBytes = 32 * 1024 * 1024) {}
  async get(key: string, body: Buffer): Promise<Buffer> {
    const hit = this.entries.get(key);
    if (hit) return hit;
    const gz = await gzip(body, { level: 9 });
    if (this.bytes + gz.byteLength > this.maxBytes) {
      this.entries.clear();
      this.bytes = 0;
    }
    this.entries.set(key, gz);
    this.bytes += gz.byteLength;
    return gz;
  }
}

export const cacheControl = (urlPath: string): string =>
  isHashedAsset(urlPath) ? 'public, max-age=31536000, immutable' : 'no-cache';

export type Resolved =
  | { readonly kind: 'file'; readonly file: string; readonly urlPath: string }
  | { readonly kind: 'bad-request' }
  | { readonly kind: 'not-found' };

/**
 * Maps a request target to a file under `root` (already realpath'd), or refuses it. Pure path logic
 * first (cheap, no disk access for hostile input), then realpath to catch symlinks that lead out.
 */
export async function resolveFile(root: string, target: string): Promise<Resolved> {
  const q = target.indexOf('?');
  const rawPath = q >= 0 ? target.slice(0, q) : target;
  if (!rawPath.startsWith('/')) return { kind: 'bad-request' };
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return { kind: 'bad-request' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-request' };
  const segments = decoded.split('/');
  if (segments.some((s) => s === '..' || s === '.')) return { kind: 'bad-request' };
  const urlPath = decoded.endsWith('/') ? `${decoded}index.html` : decoded;

  const candidate = path.resolve(root, `.${urlPath}`);
  if (!candidate.startsWith(root + path.sep)) return { kind: 'bad-request' };
  let real: string;
  let st: Stats;
  try {
    real = await realpath(candidate);
    st = await stat(real);
  } catch {
    return { kind: 'not-found' };
  }
  if (!real.startsWith(root + path.sep) || !st.isFile()) return { kind: 'not-found' };
  return { kind: 'file', file: real, urlPath };
}

export interface StaticHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<number>;
}

/**
 * Returns a handler that answers GET/HEAD from `webDir` and resolves to the status it sent.
 * Security headers are the caller's job (they apply to every route).
 */
export function staticHandler(webDir: string): StaticHandler {
  const gzipCache = new GzipCache();
  let rootPromise: Promise<string | undefined> | undefined;
  // The folder may appear after the server starts (npm run build in another terminal): retry until found.
  const root = async (): Promise<string | undefined> => {
    rootPromise ??= realpath(webDir).catch(() => undefined);
    const r = await rootPromise;
    if (r === undefined) rootPromise = undefined;
    return r;
  };

  return async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('method not allowed\n');
      return 405;
    }
    const r = await root();
    if (r === undefined) {
      res.writeHead(503, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
      res.end('The web app is not built. Run: npm run build -w web\n');
      return 503;
    }
    const found = await resolveFile(r, req.url ?? '/');
    if (found.kind !== 'file') {
      const status = found.kind === 'bad-request' ? 400 : 404;
      res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-cache' });
      res.end(status === 400 ? 'bad request\n' : 'not found\n');
      return status;
    }
    let st: Stats;
    try {
      st = await stat(found.file);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return 404;
    }
    const version = `${st.size.toString(16)}-${Math.floor(st.mtimeMs).toString(16)}`;
    const type = contentType(found.file);
    const compressible = isCompressible(type) && st.size >= 1024;
    const gzipped = compressible && acceptsGzip(req.headers['accept-encoding']);
    // Each encoding is its own representation, so it gets its own validator.
    const etag = gzipped ? `"${version}-gz"` : `"${version}"`;
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Cache-Control': cacheControl(found.urlPath),
      ETag: etag,
      'Last-Modified': st.mtime.toUTCString(),
    };
    if (compressible) headers.Vary = 'Accept-Encoding';
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, headers);
      res.end();
      return 304;
    }
    // The built app is a few small files: reading whole files keeps responses simple and lets
    // keep-alive connections go idle at once (which a clean shutdown waits for).
    let body: Buffer;
    try {
      body = await readFile(found.file);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('not found\n');
      return 404;
    }
    if (gzipped) {
      body = await gzipCache.get(`${found.file}\0${version}`, body);
      headers['Content-Encoding'] = 'gzip';
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(body.byteLength) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return 200;
  };
}
