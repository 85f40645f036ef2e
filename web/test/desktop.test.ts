/**
 * The desktop renderer's pure parts (web/src/desktop): recognising the shell's API, the device key it
 * hands over (with the real Keyring: documents written with it open again only with the same key), the
 * Open Link box's parsing, and the relays reported for the CSP. The UI itself runs in Chromium:
 * test/e2e/desktop-renderer.spec.ts.
 */
import { describe, expect, it } from 'vitest';
import { Keyring, MemoryStorage, newEditCapability } from '@dure/shared';
import { deviceKekOf, desktopApi, isMenuCommand, MENU_COMMANDS } from '../src/desktop/api';
import { desktopKeyStore } from '../src/desktop/key-store';
import { linkFragment } from '../src/desktop/open-link';
import { chosenRelays, type ListableStore } from '../src/desktop/relays-report';

const ok = (): Promise<unknown> => Promise.resolve({ allowed: [], refused: [] });

describe('desktopApi', () => {
  it('is the shell API only with the version this build knows', () => {
    expect(desktopApi({})).toBeUndefined();
    expect(desktopApi({ dure: null })).toBeUndefined();
    expect(desktopApi({ dure: { version: 2, platform: 'linux', setRelays: ok } })).toBeUndefined();
    expect(desktopApi({ dure: { version: 1, platform: 'linux' } })).toBeUndefined();
    const api = { version: 1, platform: 'linux', setRelays: ok };
    expect(desktopApi({ dure: api })).toBe(api);
  });

  it('knows the menu commands main sends and nothing else', () => {
    expect(MENU_COMMANDS).toContain('export-markdown');
    expect(isMenuCommand('new')).toBe(true);
    expect(isMenuCommand('constructor')).toBe(false);
    expect(isMenuCommand({ toString: () => 'new' })).toBe(false);
  });
});

describe('the device key from the shell', () => {
  const kek = new Uint8Array(32).map((_, i) => i + 1);

  it('takes { ok: true, kek, plainText } and refuses anything else', () => {
    expect(deviceKekOf({ ok: true, kek, plainText: true })).toEqual({ kek, plainText: true });
    expect(deviceKekOf({ ok: true, kek })).toEqual({ kek, plainText: false });
    expect(() => deviceKekOf({ ok: false, error: 'unreadable' })).toThrow(/unreadable/);
    expect(() => deviceKekOf({ kek: kek.slice(1), plainText: false })).toThrow(/32-byte/);
    expect(() => deviceKekOf({ kek: Array.from(kek), plainText: false })).toThrow();
    expect(() => deviceKekOf(undefined)).toThrow();
  });

  it('wraps document keys the keyring opens again with the same key only, and never saves one', async () => {
    const storage = new MemoryStorage();
    const store = desktopKeyStore({ deviceKek: () => Promise.resolve({ ok: true, kek, plainText: true }) });
    const keyring = await Keyring.open(storage, store);
    expect(keyring.kekKind).toBe('device');
    expect(store.plainText).toBe(true);
    const secrets = await keyring.createDoc(newEditCapability());

    const again = await Keyring.open(storage, store);
    const read = await again.getDocSecrets(secrets.docId);
    expect(read.ok && read.value.docId).toBe(secrets.docId);

    const other = new Uint8Array(32).fill(9);
    const wrong = await Keyring.open(
      storage,
      desktopKeyStore({ deviceKek: () => Promise.resolve({ ok: true, kek: other, plainText: false }) }),
    );
    expect((await wrong.getDocSecrets(secrets.docId)).ok).toBe(false);
    await expect(store.save(kek)).rejects.toThrow(/main process/);
  });
});

describe('the Open Link box', () => {
  const frag = '1e.' + 'A'.repeat(43);
  it('takes the fragment out of a whole link, a dure:// link or the fragment alone', () => {
    expect(linkFragment(`https://dure.example/#${frag}`)).toBe(frag);
    expect(linkFragment(`  dure://open#${frag}\n`)).toBe(frag);
    expect(linkFragment(frag)).toBe(frag);
  });
  it('refuses what is not an edit or view link', () => {
    expect(linkFragment('')).toBeUndefined();
    expect(linkFragment('https://dure.example/#/settings')).toBeUndefined();
    expect(linkFragment('javascript:alert(1)')).toBeUndefined();
    expect(linkFragment(`https://x/#${frag}${'A'.repeat(600)}`)).toBeUndefined();
  });
});

class MapStore implements ListableStore {
  private readonly m = new Map<string, string>();
  get length(): number {
    return this.m.size;
  }
  key(i: number): string | null {
    return [...this.m.keys()][i] ?? null;
  }
  getItem(k: string): string | null {
    return this.m.get(k) ?? null;
  }
  setItem(k: string, v: string): void {
    this.m.set(k, v);
  }
  removeItem(k: string): void {
    this.m.delete(k);
  }
}

describe('the relays reported for the CSP', () => {
  const page = { href: 'app://dure/index.html', protocol: 'app:' };

  it('are the chosen relays of every document, not the suggested or declined ones', () => {
    const s = new MapStore();
    s.setItem(
      'dure.relays.doc1',
      JSON.stringify({ use: ['wss://a.example/sync'], decline: ['wss://bad.example/sync'] }),
    );
    s.setItem('dure.relays.doc2', JSON.stringify({ use: ['wss://a.example/sync', 'ws://192.168.0.7:8080/sync'] }));
    s.setItem('dure.relays.doc3', '{not json');
    s.setItem('dure.relays.doc4', JSON.stringify({ use: ['javascript:alert(1)', 42] }));
    s.setItem('unrelated', JSON.stringify({ use: ['wss://other.example/'] }));
    expect(chosenRelays(s, page)).toEqual(['ws://192.168.0.7:8080/sync', 'wss://a.example/sync']);
  });

  it("include this device's own relay from Settings", () => {
    const s = new MapStore();
    s.setItem('dure.syncMode', 'custom');
    s.setItem('dure.syncUrl', 'wss://relay.example/');
    expect(chosenRelays(s, page)).toEqual(['wss://relay.example/sync']);
  });
});
