import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_SCHEME_PRIVILEGES, createAppHandler, relativePath } from '../src/main/protocol';

let base: string;
let root: string;
let handler: ReturnType<typeof createAppHandler>;
let policy = 'default-src first';

const get = (url: string, method = 'GET') => handler({ url, method });

beforeAll(async () => {
  base = await mkdtemp(path.join(tmpdir(), 'dure-protocol-'));
  root = path.join(base, 'dist');
  await mkdir(path.join(root, 'assets'), { recursive: true });
  await writeFile(path.join(root, 'index.html'), '<!doctype html><title>두레</title>');
  await writeFile(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
  await writeFile(path.join(root, 'assets', 'index-abc.css'), 'body{}');
  await writeFile(path.join(root, 'assets', 'logo.svg'), '<svg/>');
  await writeFile(path.join(root, 'assets', '한글 파일.json'), '{}');
  await writeFile(path.join(base, 'secret.txt'), 'SECRET');
  await symlink(path.join(base, 'secret.txt'), path.join(root, 'assets', 'link.txt'));
  await symlink(base, path.join(root, 'up'));
  handler = createAppHandler({ root, csp: () => policy });
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

describe('app:// handler', () => {
  it('serves the built files with their MIME types', async () => {
    const cases: [string, string, string][] = [
      ['app://dure/index.html', 'text/html; charset=utf-8', '두레'],
      ['app://dure/assets/index-abc.js', 'text/javascript; charset=utf-8', 'console.log(1)'],
      ['app://dure/assets/index-abc.css', 'text/css; charset=utf-8', 'body{}'],
      ['app://dure/assets/logo.svg', 'image/svg+xml', '<svg/>'],
      ['app://dure/assets/%ED%95%9C%EA%B8%80%20%ED%8C%8C%EC%9D%BC.json', 'application/json; charset=utf-8', '{}'],
    ];
    for (const [url, type, body] of cases) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(res.headers.get('content-type'), url).toBe(type);
      expect(await res.text(), url).toContain(body);
    }
  });

  it('answers the root and the single-page routes with index.html, a missing asset with 404', async () => {
    for (const url of ['app://dure/', 'app://dure', 'app://dure/doc/abc123', 'app://dure/settings?x=1#y']) {
      const res = await get(url);
      expect(res.status, url).toBe(200);
      expect(await res.text(), url).toContain('두레');
    }
    expect((await get('app://dure/assets/missing.js')).status).toBe(404);
  });

  it('refuses path traversal in every spelling, other hosts and other schemes', async () => {
    const attacks = [
      'app://dure/../secret.txt',
      'app://dure/assets/../../secret.txt',
      'app://dure/%2e%2e/secret.txt',
      'app://dure/%2E%2E/secret.txt',
      'app://dure/.%2e/secret.txt',
      'app://dure/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'app://dure/..%5csecret.txt',
      'app://dure/assets\\..\\..\\secret.txt',
      'app://dure/index.html%00.js',
      'app://dure//etc/passwd',
      'app://dure/%2Fetc%2Fpasswd',
      `app://dure/${encodeURIComponent(path.join(base, 'secret.txt'))}`,
      'app://dure/C:/Windows/win.ini',
      'app://evil/index.html',
      'app://user:pw@dure/index.html',
      'file:///etc/passwd',
      'https://dure/index.html',
    ];
    for (const url of attacks) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('SECRET');
    }
  });

  it('does not follow a symlink out of the root', async () => {
    for (const url of ['app://dure/assets/link.txt', 'app://dure/up/secret.txt']) {
      const res = await get(url);
      expect(res.status, url).toBe(404);
      expect(await res.text()).not.toContain('SECRET');
    }
  });

  it('sends the current CSP with every response, including errors', async () => {
    policy = 'default-src first';
    expect((await get('app://dure/index.html')).headers.get('content-security-policy')).toBe('default-src first');
    policy = "default-src 'self'; connect-src 'self' wss://relay.example";
    for (const url of ['app://dure/index.html', 'app://dure/assets/missing.js', 'app://dure/../secret.txt']) {
      const res = await get(url);
      expect(res.headers.get('content-security-policy'), url).toBe(policy);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers 500 when the web app is not built', async () => {
    const missing = createAppHandler({ root: path.join(base, 'no-such-dist'), csp: () => policy });
    const res = await missing({ url: 'app://dure/index.html', method: 'GET' });
    expect(res.status).toBe(500);
    expect(await res.text()).toContain('not built');
  });

  it('answers only GET and HEAD', async () => {
    expect((await get('app://dure/index.html', 'POST')).status).toBe(405);
    const head = await get('app://dure/index.html', 'HEAD');
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });

  it('maps URL paths to relative paths or refuses them', () => {
    expect(relativePath('app://dure/assets/a.js')).toBe('assets/a.js');
    expect(relativePath('app://dure/')).toBe('');
    expect(relativePath('app://dure/a/%2e%2e/b')).toBeNull();
    expect(relativePath('app://dure/a%00b')).toBeNull();
    expect(relativePath('not a url')).toBeNull();
  });

  it('registers app:// as a standard, secure scheme with fetch and CORS', () => {
    expect(APP_SCHEME_PRIVILEGES).toMatchObject({
      scheme: 'app',
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true, stream: true },
    });
    expect(APP_SCHEME_PRIVILEGES.privileges.bypassCSP).toBe(false);
  });
});
