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

  it('reads the operations flags and their environment, and refuses values out of range', () => {
    const env = { DURE_INVITE_TOKEN: '초대', DURE_RETENTION_DAYS: '30', DURE_FRAMES_PER_SECOND: '50' };
    const r = parseConfig(['--max-frame-bytes=4096', '--docs-per-connection', '10', '--retention-days', '90'], env);
    expect(r.ok && r.value).toMatchObject({
      inviteToken: '초대',
      retentionDays: 90,
      framesPerSecond: 50,
      maxFrameBytes: 4096,
      documentsPerConnection: 10,
    });
    const none = parseConfig([], {});
    expect(none.ok && [none.value.inviteToken, none.value.retentionDays, none.value.framesPerSecond]).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
    for (const argv of [
      ['--retention-days', '0'],
      ['--retention-days', '1.5'],
      ['--retention-days', '-3'],
      ['--max-frame-bytes', '1023'],
      ['--max-frame-bytes', String(9 * 1024 * 1024 + 1)],
      ['--frames-per-second', '0'],
      ['--docs-per-connection', 'many'],
      ['--invite-token', 'x'.repeat(256)],
      ['--invite-token', '초'.repeat(86)], // 258 UTF-8 bytes
    ]) {
      const bad = parseConfig(argv, {});
      expect(bad.ok, argv.join(' ')).toBe(false);
    }
    expect(parseConfig(['--invite-token', 'x'.repeat(255)], {}).ok).toBe(true);
  });

  it('brackets IPv6 hosts in the printed URL', () => {
    expect(listenUrl('::1', 8080)).toBe('http://[::1]:8080/');
    expect(listenUrl('127.0.0.1', 80)).toBe('http://127.0.0.1:80/');
  });
});
