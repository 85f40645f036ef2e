import { describe, expect, it } from 'vitest';
import { buildCsp, CspState, normaliseRelays } from '../src/main/csp';

const directive = (policy: string, name: string): string | undefined =>
  policy
    .split('; ')
    .find((d) => d.startsWith(`${name} `))
    ?.slice(name.length + 1);

describe('desktop CSP', () => {
  it('keeps the web app’s strict directives and adds frame-ancestors', () => {
    const policy = buildCsp([]);
    expect(directive(policy, 'default-src')).toBe("'self'");
    expect(directive(policy, 'script-src')).toBe("'self'");
    expect(directive(policy, 'object-src')).toBe("'none'");
    expect(directive(policy, 'base-uri')).toBe("'none'");
    expect(directive(policy, 'frame-ancestors')).toBe("'none'");
    expect(policy).not.toContain('unsafe');
  });

  it('allows only the app itself to connect until relays are chosen (no blanket ws:/wss:)', () => {
    expect(directive(buildCsp([]), 'connect-src')).toBe("'self'");
  });

  it('allows exactly the chosen relays, as origins', () => {
    const r = normaliseRelays(['wss://relay.example.org/sync?x=1', 'ws://192.168.0.7:4444', 'https://other.example']);
    expect(r.refused).toEqual([]);
    expect(r.allowed).toEqual([
      'http://192.168.0.7:4444',
      'https://other.example',
      'https://relay.example.org',
      'ws://192.168.0.7:4444',
      'wss://other.example',
      'wss://relay.example.org',
    ]);
    const connect = directive(buildCsp(r.allowed), 'connect-src')!.split(' ');
    expect(connect).toEqual(["'self'", ...r.allowed]);
  });

  it('refuses other schemes, credentials, garbage and CSP injection', () => {
    const bad = [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/plain,x',
      'ftp://relay.example',
      'wss://user:pw@relay.example',
      'not a url',
      "wss://relay.example; script-src 'unsafe-inline'",
      'wss://relay.example script-src *',
      'x'.repeat(600),
    ];
    const r = normaliseRelays(bad);
    expect(r.allowed).toEqual([]);
    expect(r.refused.map((x) => x.reason)).toEqual([
      'scheme',
      'scheme',
      'scheme',
      'scheme',
      'credentials',
      'not-a-url',
      'not-a-url',
      'not-a-url',
      'not-a-url',
    ]);
  });

  it('says a page must reload when a relay was added that its document did not load with', () => {
    const state = new CspState();
    state.documentLoading(1);
    expect(state.setRelays(['wss://a.example'], 1).reloadNeeded).toBe(true);
    expect(state.setRelays(['wss://a.example'], 1).reloadNeeded).toBe(true);
    state.documentLoading(1);
    expect(state.setRelays(['wss://a.example'], 1).reloadNeeded).toBe(false);
    // removing one needs no reload: the page never connects to a relay the user removed
    expect(state.setRelays([], 1).reloadNeeded).toBe(false);
    // a page we never saw load (or an unknown sender) is not told to reload
    expect(state.setRelays(['wss://b.example'], 2).reloadNeeded).toBe(false);
  });

  it('rebuilds the policy when the list changes', () => {
    const state = new CspState();
    expect(directive(state.policy, 'connect-src')).toBe("'self'");
    state.setRelays(['wss://a.example']);
    expect(directive(state.policy, 'connect-src')).toBe("'self' https://a.example wss://a.example");
    state.setRelays(['wss://b.example', 'bogus']);
    expect(directive(state.policy, 'connect-src')).toBe("'self' https://b.example wss://b.example");
    state.setRelays([]);
    expect(directive(state.policy, 'connect-src')).toBe("'self'");
  });
});
