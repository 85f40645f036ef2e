/**
 * The browser pieces of the local core in real Chromium: Web Locks leadership, BroadcastChannel notices
 * between two LocalDoc "tabs", and the non-extractable WebCrypto device key.
 */
import { describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { newEditCapability } from '../src/crypto/capability';
import { MemoryDeviceKeyStore } from '../src/crypto/kek';
import { Keyring } from '../src/crypto/keyring';
import { BroadcastChannelNotifier, WebLocksLeaderElection } from '../src/local/browser-coordination';
import { LocalDoc } from '../src/local/localdoc';
import { MemoryStorage } from '../src/storage/memory';

let n = 0;
const channelName = (): string => `dure-test-${Date.now()}-${n++}`;

async function open(storage: MemoryStorage, keyring: Keyring, docId: string, channel: string) {
  const s = await keyring.getDocSecrets(docId);
  if (!s.ok) throw new Error(s.error);
  const ydoc = new Y.Doc();
  const notifier = new BroadcastChannelNotifier(channel);
  const r = await LocalDoc.open(storage, s.value, ydoc, {
    coalesceMs: 5,
    leader: new WebLocksLeaderElection(),
    notifier,
  });
  if (!r.ok) throw new Error(r.error);
  return { ydoc, doc: r.value, notifier };
}

describe('browser coordination (Chromium)', () => {
  it('two tabs see each other through BroadcastChannel; one leader at a time via Web Locks', async () => {
    const storage = new MemoryStorage();
    const keyring = await Keyring.open(storage, new MemoryDeviceKeyStore());
    const { docId } = await keyring.createDoc(newEditCapability());
    const channel = channelName();
    const a = await open(storage, keyring, docId, channel);
    await vi.waitFor(() => expect(a.doc.isLeader).toBe(true));
    const b = await open(storage, keyring, docId, channel);

    a.ydoc.getText('body').insert(0, '안녕하세요 ');
    await a.doc.flush();
    await vi.waitFor(() => expect(b.ydoc.getText('body').toString()).toBe('안녕하세요 '));
    b.ydoc.getText('body').insert(6, 'world');
    await b.doc.flush();
    await vi.waitFor(() => expect(a.ydoc.getText('body').toString()).toBe('안녕하세요 world'));
    expect(b.doc.isLeader).toBe(false);

    await a.doc.close();
    a.notifier.close();
    await vi.waitFor(() => expect(b.doc.isLeader).toBe(true));
    await b.doc.close();
    b.notifier.close();
  });

  it('notices carry the document id and record keys only, never content', async () => {
    const storage = new MemoryStorage();
    const keyring = await Keyring.open(storage, new MemoryDeviceKeyStore());
    const { docId } = await keyring.createDoc(newEditCapability());
    const channel = channelName();
    const spy = new BroadcastChannel(channel);
    const seen: unknown[] = [];
    spy.onmessage = (e) => seen.push(e.data);
    const a = await open(storage, keyring, docId, channel);
    a.ydoc.getText('body').insert(0, 'confidential 기밀');
    await a.doc.flush();
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(0));
    for (const m of seen) {
      expect(Object.keys(m as object).sort()).toEqual(['docId', 'keys', 't']);
      expect(JSON.stringify(m)).not.toMatch(/confidential|기밀/);
    }
    await a.doc.close();
    a.notifier.close();
    spy.close();
  });

  it('ignores malformed messages on the channel', async () => {
    const channel = channelName();
    const n1 = new BroadcastChannelNotifier(channel);
    const got: unknown[] = [];
    n1.subscribe((docId, keys) => got.push([docId, keys]));
    const rogue = new BroadcastChannel(channel);
    rogue.postMessage({ t: 'dure-records', docId: 1, keys: [] });
    rogue.postMessage({ t: 'dure-records', docId: 'x', keys: [1] });
    rogue.postMessage('junk');
    rogue.postMessage({ t: 'dure-records', docId: 'x', keys: ['doc/x/u/a/1'] });
    await vi.waitFor(() => expect(got).toEqual([['x', ['doc/x/u/a/1']]]));
    n1.close();
    rogue.close();
  });

  it('the device KEK is a non-extractable WebCrypto key', async () => {
    const device = new MemoryDeviceKeyStore();
    const keyring = await Keyring.open(new MemoryStorage(), device);
    expect(keyring.kekKind).toBe('device');
    const key = await device.load();
    expect(key).toBeInstanceOf(CryptoKey);
    expect((key as CryptoKey).extractable).toBe(false);
    expect((key as CryptoKey).algorithm.name).toBe('AES-GCM');
  });
});
