/**
 * The real server process on a free port: serving the built app, headers, traversal, /healthz,
 * logs without addresses or paths, and a clean exit on SIGTERM/SIGINT.
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_CSP } from '../src/csp';
import { runServer, startServer, type Running } from './helpers';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** Raw request: fetch() would normalise `..` away before it reaches the server. */
function get(port: number, target: string, method = 'GET', headers: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Raw bytes (for compressed bodies). */
function getRaw(
  port: number,
  target: string,
  headers: Record<string, string> = {},
): Promise<Omit<Reply, 'body'> & { body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const BIG_JS = Array.from({ length: 2000 }, (_, i) => `export const v${i} = "두레 ${i}";`).join('\n');

let tmp: string;
let web: string;
let server: Running;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(tmpdir(), 'dure-server-'));
  web = path.join(tmp, 'web');
  mkdirSync(path.join(web, 'assets'), { recursive: true });
  writeFileSync(path.join(web, 'index.html'), '<!doctype html><title>Dure</title><div id="app"></div>');
  writeFileSync(path.join(web, 'sw.js'), 'self.addEventListener("install", () => {});');
  writeFileSync(path.join(web, 'assets', 'index-Bq3xZ_9a.js'), 'console.log("두레");');
  writeFileSync(path.join(web, 'assets', 'index-C4f00d12.css'), 'body{}');
  writeFileSync(path.join(web, 'assets', 'big-D0ngR4me.js'), BIG_JS);
  writeFileSync(path.join(web, 'manifest.webmanifest'), '{}');
  writeFileSync(path.join(tmp, 'secret.txt'), 'TOP-SECRET');
  symlinkSync(path.join(tmp, 'secret.txt'), path.join(web, 'leak.txt'));
  server = await startServer(['--port', '0', '--data-dir', path.join(tmp, 'data'), '--web-dir', web]);
});

afterAll(async () => {
  if (server.child.exitCode === null) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
  rmSync(tmp, { recursive: true, force: true });
});

describe('dure-server', () => {
  it('prints the real port when asked for port 0, and creates its data folder', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(server.port).toBeGreaterThan(0);
    expect(statSync(path.join(tmp, 'data')).isDirectory()).toBe(true);
  });

  it('serves index.html at / with no-cache and every security header', async () => {
    const r = await get(server.port, '/');
    expect(r.status).toBe(200);
    expect(r.body).toContain('<title>Dure</title>');
    expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
    expect(r.headers['content-security-policy']).toBe(SERVER_CSP);
    expect(r.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(r.headers['content-security-policy']).toContain("script-src 'self'");
    expect(r.headers['x-content-type-options']).toBe('nosniff');
    expect(r.headers['referrer-policy']).toBe('no-referrer');
    expect(r.headers['cross-origin-opener-policy']).toBe('same-origin');
  });

  it('serves hashed assets as immutable with the right content type', async () => {
    const js = await get(server.port, '/assets/index-Bq3xZ_9a.js');
    expect(js.status).toBe(200);
    expect(js.body).toBe('console.log("두레");');
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const css = await get(server.port, '/assets/index-C4f00d12.css');
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    const manifest = await get(server.port, '/manifest.webmanifest');
    expect(manifest.headers['content-type']).toBe('application/manifest+json; charset=utf-8');
  });

  it('gzips text assets for clients that accept it, with a separate validator', async () => {
    const plain = await get(server.port, '/assets/big-D0ngR4me.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body).toBe(BIG_JS);
    expect(plain.headers.vary).toBe('Accept-Encoding');

    const zipped = await getRaw(server.port, '/assets/big-D0ngR4me.js', { 'Accept-Encoding': 'br, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.body.byteLength).toBeLessThan(BIG_JS.length / 4);
    expect(gunzipSync(zipped.body).toString('utf8')).toBe(BIG_JS);
    expect(zipped.headers.etag).not.toBe(plain.headers.etag);
    expect(zipped.headers['cache-control']).toBe('public, max-age=31536000, immutable');

    const refused = await getRaw(server.port, '/assets/big-D0ngR4me.js', { 'Accept-Encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    const again = await getRaw(server.port, '/assets/big-D0ngR4me.js', {
      'Accept-Encoding': 'gzip',
      'If-None-Match': String(zipped.headers.etag),
    });
    expect(again.status).toBe(304);
  });

  it('never caches the service worker, so a new release is noticed', async () => {
    const r = await get(server.port, '/sw.js');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it('answers revalidation with 304 and HEAD without a body', async () => {
    const first = await get(server.port, '/');
    const again = await get(server.port, '/', 'GET', { 'If-None-Match': String(first.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    const head = await get(server.port, '/', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('refuses path traversal in every spelling, and symlinks that lead out', async () => {
    for (const target of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E%2Fsecret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/index.html%00.js',
      '/%',
      '/leak.txt',
    ]) {
      const r = await get(server.port, target);
      expect([400, 404], target).toContain(r.status);
      expect(r.body, target).not.toContain('TOP-SECRET');
      expect(r.headers['x-content-type-options'], target).toBe('nosniff');
    }
  });

  it('404s a missing file and 405s a POST', async () => {
    expect((await get(server.port, '/nope.js')).status).toBe(404);
    const post = await get(server.port, '/', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it('reports health at /healthz', async () => {
    const r = await get(server.port, '/healthz');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ status: 'ok' });
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['content-security-policy']).toBe(SERVER_CSP);
  });

  it('logs JSON lines with the route but no address and no path', async () => {
    await get(server.port, '/assets/index-Bq3xZ_9a.js?doc=SECRETID');
    const lines = server
      .stdout()
      .split('\n')
      .filter((l) => l.startsWith('{'));
    const requests = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThan(5);
    expect(requests.some((l) => l.route === 'healthz')).toBe(true);
    const all = lines.join('\n');
    expect(all).not.toContain('127.0.0.1');
    expect(all).not.toContain('SECRETID');
    expect(all).not.toContain('index-Bq3xZ_9a');
    expect(all).not.toContain('secret.txt');
  });

  it('exits 0 after SIGTERM', async () => {
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(server.stdout()).toContain('"msg":"stopped"');
  });
});

describe('dure-server options', () => {
  it('exits 0 after SIGINT, with flags given as --flag=value and a missing web folder', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dure-server-'));
    try {
      const s = await startServer([`--data-dir=${path.join(dir, 'data')}`, `--web-dir=${path.join(dir, 'none')}`], {
        DURE_PORT: '0',
      });
      const r = await get(s.port, '/');
      expect(r.status).toBe(503);
      expect(r.body).toContain('npm run build');
      s.child.kill('SIGINT');
      expect(await s.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('takes the host and port from the environment when no flag is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'dure-server-'));
    try {
      const s = await startServer(['--data-dir', dir], { DURE_HOST: '127.0.0.1', DURE_PORT: '0' });
      expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      s.child.kill('SIGTERM');
      expect(await s.exited).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a bad port and unknown flags with exit code 2 and a usage message', async () => {
    const bad = await runServer(['--port', '99999']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('port must be a number');
    const unknown = await runServer(['--prot', '1']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain('Usage: dure-server');
  });
});
