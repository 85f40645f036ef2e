/** Link and server address parsing of the CLI (pure functions; the CLI runs are in cli.test.ts). */
import { describe, expect, it } from 'vitest';
import { linkFor, parseDocLink, serverAddress } from '../../shared/cli/link';
import { formatFragment, newEditCapability, sameCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';

describe('CLI links', () => {
  const cap = newEditCapability();
  const edit = formatFragment(cap);
  const view = formatFragment(viewCapabilityOf(cap));

  it('reads edit and view links from any path on an http(s) origin, and bare fragments', () => {
    for (const [input, origin] of [
      [`https://docs.example.org/#${edit}`, 'https://docs.example.org'],
      [`http://192.168.0.10:8080/some/path?x=1#${view}`, 'http://192.168.0.10:8080'],
      [`#${edit}`, undefined],
      [edit, undefined],
    ] as const) {
      const r = parseDocLink(input);
      expect(r.ok).toBe(true);
      if (r.ok) expect(r.value.origin).toBe(origin);
    }
    const r = parseDocLink(`https://x.example/#${edit}`);
    expect(r.ok && sameCapability(r.value.capability, cap)).toBe(true);
  });

  it('names what is wrong with a bad link', () => {
    expect(parseDocLink('https://x.example/')).toMatchObject({ error: 'no-fragment' });
    expect(parseDocLink('https://x.example/#1e.short')).toMatchObject({ error: 'bad-fragment' });
    expect(parseDocLink('https://x.example/#9e.AAAA')).toMatchObject({ error: 'unsupported-version' });
    expect(parseDocLink(`javascript:alert(1)//#${edit}`)).toMatchObject({ error: 'bad-url' });
    expect(parseDocLink('링크 아님')).toMatchObject({ error: 'bad-url' });
  });

  it('derives the sync endpoint and the web origin from a server address', () => {
    expect(serverAddress('https://docs.example.org')).toEqual({
      ok: true,
      value: { ws: 'wss://docs.example.org/sync', http: 'https://docs.example.org' },
    });
    expect(serverAddress('http://127.0.0.1:8080/')).toMatchObject({
      value: { ws: 'ws://127.0.0.1:8080/sync', http: 'http://127.0.0.1:8080' },
    });
    expect(serverAddress('wss://relay.example/dure/sync')).toMatchObject({
      value: { ws: 'wss://relay.example/dure/sync', http: 'https://relay.example/dure' },
    });
    expect(serverAddress('https://relay.example/dure/')).toMatchObject({
      value: { ws: 'wss://relay.example/dure/sync', http: 'https://relay.example/dure' },
    });
    for (const bad of ['ftp://x', 'https://u:p@x.example', 'https://x.example/?q=1', 'nonsense'])
      expect(serverAddress(bad)).toEqual({ ok: false, error: 'bad-server' });
  });

  it('prints links as <web origin>/#<fragment>', () => {
    const s = serverAddress('https://docs.example.org/team');
    if (!s.ok) throw new Error(s.error);
    expect(linkFor(s.value, cap)).toBe(`https://docs.example.org/team/#${edit}`);
  });
});
