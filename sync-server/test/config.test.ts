import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_WEB_DIR, listenUrl, parseConfig } from '../src/config';

describe('parseConfig', () => {
  it('defaults to loopback, port 8080 and ./data', () => {
    const r = parseConfig([], {}, '/srv/dure');
    expect(r).toEqual({
      ok: true,
      value: { host: '127.0.0.1', port: 8080, dataDir: '/srv/dure/data', webDir: DEFAULT_WEB_DIR, store: 'sqlite' },
    });
  });

  it('reads the environment, and flags win over it', () => {
    const env = { DURE_HOST: '0.0.0.0', DURE_PORT: '9000', DURE_DATA_DIR: '/var/lib/dure', DURE_WEB_DIR: 'dist' };
    const fromEnv = parseConfig([], env, '/x');
    expect(fromEnv.ok && fromEnv.value).toEqual({
      host: '0.0.0.0',
      port: 9000,
      dataDir: '/var/lib/dure',
      webDir: path.resolve('/x', 'dist'),
      store: 'sqlite',
    });
    const fromFlags = parseConfig(['--host', '::1', '--port=0', '--data-dir', 'd'], env, '/x');
    expect(fromFlags.ok && fromFlags.value).toMatchObject({ host: '::1', port: 0, dataDir: '/x/d' });
  });

  it('rejects bad ports, unknown flags and missing values', () => {
    for (const argv of [
      ['--port', '65536'],
      ['--port', '-1'],
      ['--port', '80a'],
      ['--bogus'],
      ['--port'],
      ['--host='],
    ]) {
      const r = parseConfig(argv, {});
      expect(r.ok, argv.join(' ')).toBe(false);
      expect(!r.ok && r.error).toBe('invalid');
    }
    expect(parseConfig(['--help'], {})).toMatchObject({ ok: false, error: 'help' });
  });

  it('brackets IPv6 hosts in the printed URL', () => {
    expect(listenUrl('::1', 8080)).toBe('http://[::1]:8080/');
    expect(listenUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80/');
  });
});
