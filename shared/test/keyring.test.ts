import { describe, expect, it } from 'vitest';
import { utf8 } from '../src/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '../src/crypto/capability';
import {
  DEFAULT_SCRYPT,
  KEK_STATE_KEY,
  MemoryDeviceKeyStore,
  decodeKekState,
  kekFromState,
  openDeviceKek,
  type ScryptParams,
} from '../src/crypto/kek';
import { Keyring, keyRecordKey } from '../src/crypto/keyring';
import { MemoryStorage } from '../src/storage/memory';

// Tiny scrypt cost for speed; the default is asserted separately.
const FAST: ScryptParams = { N: 16, r: 8, p: 1 };

async function setup(opts: { subtle?: null } = {}) {
  const storage = new MemoryStorage();
  const device = new MemoryDeviceKeyStore();
  const keyring = await Keyring.open(storage, device, { scrypt: FAST, ...opts });
  return { storage, device, keyring };
}

async function keyRecords(storage: MemoryStorage): Promise<Map<string, Uint8Array>> {
  return new Map((await storage.list('key/')).map((e) => [e.key, e.value]));
}

describe('Keyring without the app lock (device KEK)', () => {
  it('creates documents whose secrets survive a reopen with the same device key', async () => {
    const { storage, device, keyring } = await setup();
    expect(keyring.lockEnabled).toBe(false);
    expect(keyring.locked).toBe(false);
    expect(keyring.kekKind).toBe('device'); // Node has WebCrypto: non-extractable AES-GCM
    const cap = newEditCapability();
    const s = await keyring.createDoc(cap);
    expect(s.docId).toBe(deriveDocKeys(cap).docId);
    expect(await keyring.listDocIds()).toEqual([s.docId]);

    const again = await Keyring.open(storage, device);
    const r = await again.getDocSecrets(s.docId);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.value.docKey).toEqual(s.docKey);
      expect(r.value.capability).toEqual(cap);
    }
  });

  it('a different device key cannot read the records (corrupt, not a crash)', async () => {
    const { storage, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    const other = await Keyring.open(storage, new MemoryDeviceKeyStore());
    expect(await other.getDocSecrets(s.docId)).toMatchObject({ ok: false, error: 'corrupt' });
    expect(await other.getDocSecrets('nope')).toMatchObject({ ok: false, error: 'missing' });
  });

  it('a key record copied under another document id does not open', async () => {
    const { storage, device, keyring } = await setup();
    const a = await keyring.createDoc(newEditCapability());
    const b = await keyring.createDoc(newEditCapability());
    const va = (await storage.get(keyRecordKey(a.docId)))!;
    await storage.batch([{ type: 'put', key: keyRecordKey(b.docId), value: va }]);
    const fresh = await Keyring.open(storage, device);
    expect(await fresh.getDocSecrets(b.docId)).toMatchObject({ ok: false, error: 'corrupt' });
    expect((await fresh.getDocSecrets(a.docId)).ok).toBe(true);
  });

  it('falls back to a raw XChaCha key without crypto.subtle, visibly', async () => {
    const { storage, device, keyring } = await setup({ subtle: null });
    expect(keyring.kekKind).toBe('device-raw');
    expect(await device.load()).toBeInstanceOf(Uint8Array);
    const s = await keyring.createDoc(newEditCapability());
    const again = await Keyring.open(storage, device); // subtle is present now: the stored raw key still rules
    expect(again.kekKind).toBe('device-raw');
    expect((await again.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('lock() does nothing without the app lock', async () => {
    const { keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    keyring.lock();
    expect(keyring.locked).toBe(false);
    expect((await keyring.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('adding a view link and then the edit link keeps the docKey and upgrades the record', async () => {
    const { storage, device, keyring } = await setup();
    const edit = newEditCapability();
    const v = await keyring.addDocKey(viewCapabilityOf(edit));
    expect(v.ok && v.value.keys.kind).toBe('view');
    const again = await keyring.addDocKey(viewCapabilityOf(edit));
    expect(again.ok && v.ok && again.value.docKey).toEqual(v.ok && v.value.docKey);
    const e = await keyring.addDocKey(edit);
    expect(e.ok && e.value.keys.kind).toBe('edit');
    expect(e.ok && v.ok && e.value.docKey).toEqual(v.ok && v.value.docKey);
    const reopened = await Keyring.open(storage, device);
    const r = await reopened.getDocSecrets(deriveDocKeys(edit).docId);
    expect(r.ok && r.value.capability.kind).toBe('edit');
    expect(await reopened.listDocIds()).toHaveLength(1);
  });
});

describe('Keyring with the app lock (passphrase KEK)', () => {
  it('enableLock re-wraps every record in one batch: new bytes, and the device key no longer opens them', async () => {
    const { storage, device, keyring } = await setup();
    const docs = [];
    for (let i = 0; i < 3; i++) docs.push(await keyring.createDoc(newEditCapability()));
    const before = await keyRecords(storage);
    const batches = storage.batches;
    await keyring.enableLock('correct horse');
    expect(storage.batches - batches).toBe(1);
    expect(keyring.lockEnabled).toBe(true);
    expect(keyring.locked).toBe(false);
    expect(keyring.kekKind).toBe('passphrase');
    const after = await keyRecords(storage);
    expect([...after.keys()]).toEqual([...before.keys()]);
    const deviceKek = await openDeviceKek(device);
    for (const [k, v] of after) {
      expect(v).not.toEqual(before.get(k));
      expect(await deviceKek.unwrap(v, utf8(k))).toBeUndefined();
    }
    // The passphrase KEK derived from the stored state opens them.
    const state = decodeKekState((await storage.get(KEK_STATE_KEY))!)!;
    const pk = (await kekFromState(state, 'correct horse'))!;
    for (const [k, v] of after) expect(await pk.unwrap(v, utf8(k))).toBeDefined();
    for (const d of docs) expect((await keyring.getDocSecrets(d.docId)).ok).toBe(true);
  });

  it('a reopened keyring is locked; a wrong passphrase is refused; the right one unlocks', async () => {
    const { storage, device, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('비밀 구절');
    const k2 = await Keyring.open(storage, device, { scrypt: FAST });
    expect(k2.lockEnabled).toBe(true);
    expect(k2.locked).toBe(true);
    expect(await k2.getDocSecrets(s.docId)).toMatchObject({ ok: false, error: 'locked' });
    expect(await k2.listDocIds()).toEqual([s.docId]);
    expect(await k2.unlock('비밀 구절 ')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
    expect(await k2.unlock('')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
    expect(k2.locked).toBe(true);
    // The same Hangul typed as decomposed jamo (macOS NFD) unlocks too.
    expect(await k2.unlock('비밀 구절'.normalize('NFD'))).toEqual({ ok: true, value: undefined });
    const r = await k2.getDocSecrets(s.docId);
    expect(r.ok && r.value.docKey).toEqual(s.docKey);
  });

  it('lock() drops every unwrapped key and notifies listeners', async () => {
    const { keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('pw');
    expect((await keyring.getDocSecrets(s.docId)).ok).toBe(true); // cached now
    const seen: boolean[] = [];
    const off = keyring.onChange((st) => seen.push(st.locked));
    keyring.lock();
    expect(keyring.locked).toBe(true);
    expect(await keyring.getDocSecrets(s.docId)).toMatchObject({ ok: false, error: 'locked' });
    await expect(keyring.createDoc(newEditCapability())).rejects.toThrow(/locked/);
    expect(await keyring.addDocKey(newEditCapability())).toMatchObject({ ok: false, error: 'locked' });
    await keyring.unlock('pw');
    off();
    keyring.lock();
    expect(seen).toEqual([true, false]);
  });

  it('changePassphrase: the old one stops working, the new one works, records re-wrapped', async () => {
    const { storage, device, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('old');
    const before = await keyRecords(storage);
    expect(await keyring.changePassphrase('wrong', 'new')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
    expect(await keyRecords(storage)).toEqual(before);
    expect(await keyring.changePassphrase('old', 'new')).toEqual({ ok: true, value: undefined });
    expect((await keyRecords(storage)).get(keyRecordKey(s.docId))).not.toEqual(before.get(keyRecordKey(s.docId)));
    const k2 = await Keyring.open(storage, device);
    expect((await k2.unlock('old')).ok).toBe(false);
    expect((await k2.unlock('new')).ok).toBe(true);
    expect((await k2.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('disableLock needs the passphrase, returns the records to the device key, and removes kek/state', async () => {
    const { storage, device, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('pw');
    const state = decodeKekState((await storage.get(KEK_STATE_KEY))!)!;
    expect(await keyring.disableLock('nope')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
    expect(keyring.lockEnabled).toBe(true);
    const batches = storage.batches;
    expect((await keyring.disableLock('pw')).ok).toBe(true);
    expect(storage.batches - batches).toBe(1);
    expect(keyring.lockEnabled).toBe(false);
    expect(keyring.kekKind).toBe('device');
    expect(await storage.get(KEK_STATE_KEY)).toBeUndefined();
    const pk = (await kekFromState(state, 'pw'))!;
    const v = (await storage.get(keyRecordKey(s.docId)))!;
    expect(await pk.unwrap(v, utf8(keyRecordKey(s.docId)))).toBeUndefined();
    const k2 = await Keyring.open(storage, device);
    expect(k2.locked).toBe(false);
    expect((await k2.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('a failed enableLock batch changes nothing', async () => {
    const { storage, device, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    const before = await keyRecords(storage);
    storage.failNextBatch('quota');
    await expect(keyring.enableLock('pw')).rejects.toMatchObject({ code: 'quota' });
    expect(keyring.lockEnabled).toBe(false);
    expect(await storage.get(KEK_STATE_KEY)).toBeUndefined();
    expect(await keyRecords(storage)).toEqual(before);
    const k2 = await Keyring.open(storage, device);
    expect((await k2.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('a damaged kek/state keeps the app locked instead of falling back to the device key', async () => {
    const { storage, device, keyring } = await setup();
    await keyring.enableLock('pw');
    await storage.batch([{ type: 'put', key: KEK_STATE_KEY, value: utf8('{"v":1,"mode":"passphrase"}') }]);
    const k2 = await Keyring.open(storage, device);
    expect(k2.lockEnabled).toBe(true);
    expect(k2.locked).toBe(true);
    expect(await k2.unlock('pw')).toMatchObject({ ok: false, error: 'wrong-passphrase' });
  });

  it('a tampered verifier or absurd scrypt cost is rejected before any work', async () => {
    const { storage, keyring } = await setup();
    await keyring.enableLock('pw');
    const raw = JSON.parse(new TextDecoder().decode((await storage.get(KEK_STATE_KEY))!)) as Record<string, unknown>;
    expect(decodeKekState(utf8(JSON.stringify({ ...raw, N: 2 ** 30 })))).toBeUndefined();
    expect(decodeKekState(utf8(JSON.stringify({ ...raw, N: 1000 })))).toBeUndefined();
    expect(decodeKekState(utf8(JSON.stringify({ ...raw, salt: 'AAAA' })))).toBeUndefined();
    expect(decodeKekState(utf8('not json'))).toBeUndefined();
  });

  it('uses scrypt N=2^17, r=8, p=1 by default and stores the parameters', async () => {
    expect(DEFAULT_SCRYPT).toEqual({ N: 2 ** 17, r: 8, p: 1 });
    const storage = new MemoryStorage();
    const keyring = await Keyring.open(storage, new MemoryDeviceKeyStore(), { scrypt: { N: 32, r: 4, p: 2 } });
    await keyring.enableLock('pw');
    expect(decodeKekState((await storage.get(KEK_STATE_KEY))!)!.params).toEqual({ N: 32, r: 4, p: 2 });
  });

  it('deleteKeyOps removes the key record, after which the document is missing', async () => {
    const { storage, keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await storage.batch(keyring.deleteKeyOps(s.docId));
    keyring.forget(s.docId);
    expect(await keyring.getDocSecrets(s.docId)).toMatchObject({ ok: false, error: 'missing' });
    expect(await keyring.listDocIds()).toEqual([]);
  });
});

describe('Keyring across tabs (two keyrings on one storage)', () => {
  it('a tab that missed enableLock cannot wrap a new record with the old device key', async () => {
    const { storage, device, keyring: a } = await setup();
    const b = await Keyring.open(storage, device, { scrypt: FAST });
    const heard: boolean[] = [];
    b.onChange((s) => heard.push(s.locked));
    await a.enableLock('pw');
    await expect(b.createDoc(newEditCapability())).rejects.toThrow(/locked/);
    expect(b.locked).toBe(true);
    expect(heard).toEqual([true]);
    expect((await b.unlock('pw')).ok).toBe(true);
    const s = await b.createDoc(newEditCapability());
    expect((await a.getDocSecrets(s.docId)).ok).toBe(true);
  });

  it('a tab still holding the passphrase key follows disableLock done elsewhere', async () => {
    const { storage, device, keyring: a } = await setup();
    const s = await a.createDoc(newEditCapability());
    await a.enableLock('pw');
    const b = await Keyring.open(storage, device, { scrypt: FAST });
    await b.unlock('pw');
    expect((await a.disableLock('pw')).ok).toBe(true);
    const r = await b.getDocSecrets(s.docId);
    expect(r.ok).toBe(true);
    expect(b.lockEnabled).toBe(false);
    expect(b.kekKind).toBe('device');
  });

  it('unlock follows a passphrase changed in another tab', async () => {
    const { storage, device, keyring: a } = await setup();
    await a.enableLock('one');
    const b = await Keyring.open(storage, device, { scrypt: FAST });
    expect((await a.changePassphrase('one', 'two')).ok).toBe(true);
    expect((await b.unlock('one')).ok).toBe(false);
    expect((await b.unlock('two')).ok).toBe(true);
  });
});

describe('Keyring: lock() during a passphrase change', () => {
  it('stays locked when lock() is pressed while the records are being re-wrapped', async () => {
    const { keyring } = await setup();
    const s = await keyring.createDoc(newEditCapability());
    await keyring.enableLock('one');
    const change = keyring.changePassphrase('one', 'two');
    keyring.lock();
    expect((await change).ok).toBe(true);
    expect(keyring.locked).toBe(true);
    expect(await keyring.getDocSecrets(s.docId)).toMatchObject({ ok: false, error: 'locked' });
    expect((await keyring.unlock('two')).ok).toBe(true);
    expect((await keyring.getDocSecrets(s.docId)).ok).toBe(true);
  });
});
