/** Sync preferences: relay address, invite token, name and colour defaults (node, a Map as storage). */
import { describe, expect, it } from 'vitest';
import {
  cleanName,
  contrast,
  defaultServerUrl,
  displayName,
  guestNumber,
  inviteBytes,
  loadIdentity,
  loadInviteToken,
  loadServerPref,
  normalizeServerUrl,
  PALETTE,
  resolveServerUrl,
  saveIdentity,
  saveInviteToken,
  saveServerPref,
  textColorOn,
  type PrefStore,
} from '../src/sync/prefs';

function memoryStore(): PrefStore & { map: Map<string, string> } {
  const map = new Map<string, string>();
  return {
    map,
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

describe('relay address', () => {
  it('defaults to the /sync endpoint of the server that served the page', () => {
    expect(defaultServerUrl({ href: 'http://127.0.0.1:8080/#/d/abc', protocol: 'http:' })).toBe(
      'ws://127.0.0.1:8080/sync',
    );
    expect(defaultServerUrl({ href: 'https://docs.example.org/index.html', protocol: 'https:' })).toBe(
      'wss://docs.example.org/sync',
    );
    // Behind a reverse proxy under a sub-folder, the endpoint sits beside the app.
    expect(defaultServerUrl({ href: 'https://example.org/dure/', protocol: 'https:' })).toBe(
      'wss://example.org/dure/sync',
    );
    expect(defaultServerUrl({ href: 'file:///app/index.html', protocol: 'file:' })).toBeUndefined();
  });

  it('normalizes what people type and refuses what is not a relay', () => {
    expect(normalizeServerUrl('relay.example.org')).toBe('wss://relay.example.org/sync');
    expect(normalizeServerUrl(' https://relay.example.org/ ')).toBe('wss://relay.example.org/sync');
    expect(normalizeServerUrl('http://192.168.0.10:8080')).toBe('ws://192.168.0.10:8080/sync');
    expect(normalizeServerUrl('ws://192.168.0.10:8080/sync')).toBe('ws://192.168.0.10:8080/sync');
    expect(normalizeServerUrl('wss://relay.example.org/custom/path')).toBe('wss://relay.example.org/custom/path');
    for (const bad of [
      '',
      '   ',
      'ftp://x.org',
      'javascript:alert(1)',
      'wss://user:pw@x.org',
      'wss://x.org/#frag',
      'http://',
    ])
      expect(normalizeServerUrl(bad), bad).toBeUndefined();
  });

  it('round-trips through preferences; off means this device only', () => {
    const store = memoryStore();
    const page = { href: 'http://127.0.0.1:9000/', protocol: 'http:' };
    expect(loadServerPref(store)).toEqual({ mode: 'default' });
    expect(resolveServerUrl(loadServerPref(store), page)).toBe('ws://127.0.0.1:9000/sync');
    saveServerPref({ mode: 'custom', url: 'wss://relay.example.org/sync' }, store);
    expect(resolveServerUrl(loadServerPref(store), page)).toBe('wss://relay.example.org/sync');
    saveServerPref({ mode: 'off' }, store);
    expect(resolveServerUrl(loadServerPref(store), page)).toBeUndefined();
    saveServerPref({ mode: 'default' }, store);
    expect(store.map.has('dure.syncUrl')).toBe(false);
    // A corrupted custom address falls back to the default rather than to nowhere.
    store.map.set('dure.syncMode', 'custom');
    store.map.set('dure.syncUrl', 'gopher://x');
    expect(loadServerPref(store)).toEqual({ mode: 'default' });
  });

  it('keeps the invite token (trimmed) and limits it to 255 UTF-8 bytes', () => {
    const store = memoryStore();
    saveInviteToken('  초대-토큰  ', store);
    expect(loadInviteToken(store)).toBe('초대-토큰');
    expect(new TextDecoder().decode(inviteBytes(loadInviteToken(store)))).toBe('초대-토큰');
    saveInviteToken('', store);
    expect(store.map.has('dure.inviteToken')).toBe(false);
    expect(inviteBytes('')).toBeUndefined();
    expect(inviteBytes('가'.repeat(85))?.length).toBe(255);
    expect(inviteBytes('가'.repeat(86))).toBeUndefined();
  });
});

describe('name and colour', () => {
  it('a device is the same guest everywhere until it picks a name', () => {
    const store = memoryStore();
    const n = guestNumber(store, () => 0.5);
    expect(n).toBe(5500);
    expect(guestNumber(store, () => 0)).toBe(5500);
    const id = loadIdentity(store);
    expect(id.name).toBe('');
    expect(PALETTE).toContain(id.color);
    expect(displayName(id, (g) => `손님 ${g}`)).toBe('손님 5500');
    saveIdentity({ name: '  김 민지 ', color: '#00796B' }, store);
    const named = loadIdentity(store);
    expect(displayName(named, (g) => `Guest ${g}`)).toBe('김 민지');
    expect(named.color).toBe('#00796b');
    saveIdentity({ color: 'red' }, store);
    expect(loadIdentity(store).color).toBe('#00796b');
    saveIdentity({ name: '' }, store);
    expect(loadIdentity(store).name).toBe('');
  });

  it('names are one NFC line of at most 64 units, never cut inside a surrogate pair', () => {
    expect(cleanName('a\n\tb')).toBe('a b');
    expect(cleanName('한글'.normalize('NFD'))).toBe('한글');
    expect(cleanName('가'.repeat(100))).toHaveLength(64);
    const emoji = 'x'.repeat(63) + '😀';
    expect(cleanName(emoji)).toBe('x'.repeat(63));
  });

  it('every palette colour keeps white label text at WCAG AA contrast', () => {
    for (const c of PALETTE) expect(contrast(c, '#ffffff'), c).toBeGreaterThanOrEqual(4.5);
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });

  it('labels on a colour someone else picked stay readable', () => {
    expect(textColorOn('#ffff00')).toBe('#111111');
    expect(textColorOn('#000080')).toBe('#ffffff');
    expect(textColorOn('not a colour')).toBe('#111111');
  });
});

describe('images waiting for a relay', () => {
  it('are remembered per document, once each, until uploaded', async () => {
    const { addPendingUpload, donePendingUpload, pendingUploads } = await import('../src/sync/blob-uploads');
    const store = memoryStore();
    addPendingUpload('doc1', 'b1', store);
    addPendingUpload('doc1', 'b1', store);
    addPendingUpload('doc1', 'b2', store);
    addPendingUpload('doc2', 'b1', store);
    expect(pendingUploads('doc1', store)).toEqual(['b1', 'b2']);
    donePendingUpload('doc1', 'b1', store);
    expect(pendingUploads('doc1', store)).toEqual(['b2']);
    expect(pendingUploads('doc2', store)).toEqual(['b1']);
    donePendingUpload('doc1', 'b2', store);
    donePendingUpload('doc2', 'b1', store);
    expect(store.map.has('dure.blobUploads')).toBe(false);
    store.map.set('dure.blobUploads', '{not json');
    expect(pendingUploads('doc1', store)).toEqual([]);
  });
});
