import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config';
import { meetingBanner, meetingUrls, terminalQr } from '../src/lan';
import { startServer } from './helpers';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal = false): NetworkInterfaceInfo =>
  family === 'IPv4'
    ? { address, family, internal, netmask: '255.255.255.0', mac: '00:00:00:00:00:00', cidr: null }
    : { address, family, internal, netmask: 'ffff::', mac: '00:00:00:00:00:00', cidr: null, scopeid: 0 };

describe('--lan (host a meeting)', () => {
  it('listens on every interface with the memory store; without it, loopback and SQLite as before', () => {
    const lan = parseConfig(['--lan'], {}, '/x');
    expect(lan.ok && lan.value).toMatchObject({ lan: true, host: '0.0.0.0', store: 'memory', port: 8080 });
    const plain = parseConfig([], {}, '/x');
    expect(plain.ok && plain.value).toMatchObject({ host: '127.0.0.1', store: 'sqlite' });
    expect(plain.ok && 'lan' in plain.value).toBe(false);
  });

  it('keeps what the operator set: --host, --store, and --data-dir (which asks for the disk)', () => {
    const host = parseConfig(['--lan', '--host', '192.168.0.7'], {});
    expect(host.ok && host.value).toMatchObject({ host: '192.168.0.7', store: 'memory' });
    const sqlite = parseConfig(['--store', 'sqlite', '--lan'], {});
    expect(sqlite.ok && sqlite.value).toMatchObject({ host: '0.0.0.0', store: 'sqlite' });
    const dir = parseConfig(['--lan', '--data-dir', 'meeting'], {}, '/x');
    expect(dir.ok && dir.value).toMatchObject({ store: 'sqlite', dataDir: '/x/meeting' });
    const env = parseConfig(['--lan'], { DURE_HOST: '10.0.0.2', DURE_DATA_DIR: '/var/lib/dure' });
    expect(env.ok && env.value).toMatchObject({ host: '10.0.0.2', store: 'sqlite' });
    // A value after --lan is not swallowed as its argument.
    expect(parseConfig(['--lan', 'yes'], {}).ok).toBe(false);
  });

  it('lists each non-internal IPv4 address on a wildcard host, and only the chosen one otherwise', () => {
    const nics = {
      lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
      wlan0: [iface('192.168.0.7', 'IPv4'), iface('fe80::1', 'IPv6')],
      eth0: [iface('10.1.2.3', 'IPv4')],
    };
    expect(meetingUrls('0.0.0.0', 8080, nics)).toEqual(['http://192.168.0.7:8080/', 'http://10.1.2.3:8080/']);
    expect(meetingUrls('::', 9000, nics)).toEqual(['http://192.168.0.7:9000/', 'http://10.1.2.3:9000/']);
    expect(meetingUrls('10.1.2.3', 8080, nics)).toEqual(['http://10.1.2.3:8080/']);
    expect(meetingUrls('0.0.0.0', 8080, { lo: nics.lo })).toEqual([]);
  });

  it('prints the addresses, says where documents live, and draws a QR code only on a terminal', () => {
    const urls = ['http://192.168.0.7:8080/'];
    const piped = meetingBanner(urls, 'memory', false);
    expect(piped).toContain('nothing is written to disk');
    expect(piped).toContain('  http://192.168.0.7:8080/\n');
    expect(piped).not.toContain('\x1b[');
    expect(meetingBanner(urls, 'sqlite', false)).toContain('stored in the data folder');
    expect(meetingBanner([], 'memory', false)).toContain('No local network address found');
    expect(meetingBanner(urls, 'memory', true)).toContain(terminalQr(urls[0]!));
  });

  it('draws the QR code with its quiet zone, two module rows per line', () => {
    const lines = terminalQr('http://192.168.0.7:8080/').trimEnd().split('\n');
    // 24 bytes at level M fit version 2: 25 modules, plus 4 quiet modules on each side = 33.
    const strip = (l: string): string => l.replaceAll('\x1b[30;47m', '').replaceAll('\x1b[0m', '');
    expect(lines).toHaveLength(Math.ceil(33 / 2));
    for (const l of lines) expect([...strip(l)]).toHaveLength(33);
    // The quiet zone is blank; line 2 holds module rows 4 and 5, the top-left finder pattern's solid top
    // edge over its hollow second row.
    expect(strip(lines[0]!).trim()).toBe('');
    expect(strip(lines[1]!).trim()).toBe('');
    expect(strip(lines[2]!).slice(0, 12)).toBe('    █▀▀▀▀▀█ ');
  });

  it('the real process prints the listening line first, then the meeting addresses', async () => {
    const s = await startServer(['--lan', '--host', '127.0.0.1', '--port', '0']);
    try {
      await expect.poll(() => s.stdout()).toContain('On the same network, open:');
      const out = s.stdout();
      expect(out.indexOf('Dure listening on ')).toBeLessThan(out.indexOf('Meeting mode'));
      expect(out).toContain(`  http://127.0.0.1:${s.port}/\n`);
      expect(out).toContain('nothing is written to disk');
    } finally {
      s.child.kill('SIGTERM');
      await s.exited;
    }
  });
});
