import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { newEditCapability, viewCapabilityOf } from '../src/crypto/capability';
import { MemoryDeviceKeyStore } from '../src/crypto/kek';
import { Keyring, keyRecordKey } from '../src/crypto/keyring';
import { BlobStore, MAX_BLOB_BYTES } from '../src/local/blobs';
import { Library, getDocTitle, metaKey, setDocTitle } from '../src/local/library';
import { MemoryStorage } from '../src/storage/memory';
import { neverLeader, openDoc } from './localdoc-helpers';

async function setup() {
  const storage = new MemoryStorage();
  const device = new MemoryDeviceKeyStore();
  const keyring = await Keyring.open(storage, device, { scrypt: { N: 16, r: 8, p: 1 } });
  let clock = 1_000;
  const library = new Library(storage, keyring, () => clock);
  return { storage, device, keyring, library, tick: (ms = 1) => (clock += ms) };
}

const titles = (r: { ok: boolean; value?: readonly { title: string }[] }): string[] =>
  r.ok ? r.value!.map((d) => d.title) : ['<not ok>'];

describe('Library', () => {
  it('creates documents and lists them newest first with their titles', async () => {
    const { library, tick } = await setup();
    const a = await library.create('회의록 11월');
    tick();
    const b = await library.create('Campaign plan');
    tick();
    await library.create('');
    const list = await library.list();
    expect(titles(list)).toEqual(['', 'Campaign plan', '회의록 11월']);
    expect(list.ok && list.value[1]).toEqual({ docId: b.docId, kind: 'edit', title: 'Campaign plan', updatedAt: 1001 });
    tick();
    expect((await library.setMeta(a.docId, { title: '회의록 (수정)' })).ok).toBe(true);
    expect(titles(await library.list())[0]).toBe('회의록 (수정)');
  });

  it('keeps titles encrypted at rest', async () => {
    const { storage, library } = await setup();
    await library.create('비밀 문서 secret');
    const dump = new TextDecoder('utf-8', { fatal: false }).decode(
      new Uint8Array((await storage.list('')).flatMap((e) => [...e.value])),
    );
    expect(dump).not.toContain('secret');
    expect(dump).not.toContain('비밀');
  });

  it('searches titles case-insensitively, Hangul included, whichever Unicode form was typed', async () => {
    const { library } = await setup();
    await library.create('성명서 초안');
    await library.create('Minutes of the MEETING');
    await library.create('회의록');
    expect(titles(await library.search('meeting'))).toEqual(['Minutes of the MEETING']);
    expect(titles(await library.search('성명'))).toEqual(['성명서 초안']);
    expect(titles(await library.search('성명'.normalize('NFD')))).toEqual(['성명서 초안']);
    expect(titles(await library.search('  '))).toHaveLength(3);
    expect(titles(await library.search('없음'))).toEqual([]);
  });

  it('lists a document whose key or meta record is damaged as corrupt instead of dropping it', async () => {
    const { storage, device, library } = await setup();
    const a = await library.create('fine');
    const b = await library.create('bad meta');
    const c = await library.create('bad key');
    const m = (await storage.get(metaKey(b.docId)))!;
    m[m.length - 1] = m[m.length - 1]! ^ 1;
    const k = (await storage.get(keyRecordKey(c.docId)))!;
    k[k.length - 1] = k[k.length - 1]! ^ 1;
    await storage.batch([
      { type: 'put', key: metaKey(b.docId), value: m },
      { type: 'put', key: keyRecordKey(c.docId), value: k },
    ]);
    // A fresh keyring: nothing cached.
    const lib2 = new Library(storage, await Keyring.open(storage, device));
    const list = await lib2.list();
    expect(list.ok).toBe(true);
    if (!list.ok) return;
    const byId = new Map(list.value.map((d) => [d.docId, d]));
    expect(byId.get(a.docId)).toMatchObject({ title: 'fine' });
    expect(byId.get(b.docId)).toMatchObject({ problem: 'corrupt' });
    expect(byId.get(c.docId)).toMatchObject({ problem: 'corrupt' });
    // ... and can still be deleted.
    await lib2.delete(c.docId);
    expect((await lib2.list()).ok && (await storage.get(keyRecordKey(c.docId)))).toBeUndefined();
  });

  it('refuses to list while locked, and reveals no titles', async () => {
    const { keyring, library } = await setup();
    await library.create('hidden');
    await keyring.enableLock('pw');
    keyring.lock();
    expect(await library.list()).toMatchObject({ ok: false, error: 'locked' });
    expect(await library.search('hid')).toMatchObject({ ok: false, error: 'locked' });
    await keyring.unlock('pw');
    expect(titles(await library.list())).toEqual(['hidden']);
  });

  it('delete removes every record of the document in one batch and leaves the others', async () => {
    const { storage, keyring, library } = await setup();
    const keep = await library.create('keep');
    const gone = await library.create('gone');
    for (const s of [keep, gone]) {
      const d = await openDoc(storage, s, { leader: neverLeader });
      d.ydoc.getText('body').insert(0, 'content');
      await d.doc.flush();
      d.ydoc.getText('body').insert(0, 'more');
      await d.doc.close();
      await new BlobStore(storage).put(s, new Uint8Array([1, 2, 3]), 'image/png');
    }
    await storage.batch([
      { type: 'put', key: `quarantine/${gone.docId}/doc/${gone.docId}/u/x/1`, value: new Uint8Array(3) },
    ]);
    const before = storage.batches;
    await library.delete(gone.docId);
    expect(storage.batches - before).toBe(1);
    const left = await storage.keys('');
    expect(left.filter((k) => k.includes(gone.docId))).toEqual([]);
    expect(left.filter((k) => k.includes(keep.docId)).length).toBeGreaterThanOrEqual(5);
    expect(await keyring.getDocSecrets(gone.docId)).toMatchObject({ ok: false, error: 'missing' });
    expect(titles(await library.list())).toEqual(['keep']);
  });

  it('addFromCapability adds a shared document once, and an edit link upgrades a view', async () => {
    const { library } = await setup();
    const edit = newEditCapability();
    const v = await library.addFromCapability(viewCapabilityOf(edit));
    expect(v.ok && v.value.keys.kind).toBe('view');
    expect((await library.list()).ok && (await library.list())).toMatchObject({ value: [{ kind: 'view', title: '' }] });
    const e = await library.addFromCapability(edit);
    expect(e.ok && e.value.keys.kind).toBe('edit');
    const list = await library.list();
    expect(list.ok && list.value.map((d) => d.kind)).toEqual(['edit']);
  });

  it('keeps the title in the Y.Doc meta map', () => {
    const y = new Y.Doc();
    expect(getDocTitle(y)).toBe('');
    setDocTitle(y, '두레 회의');
    expect(getDocTitle(y)).toBe('두레 회의');
    expect(y.getMap('meta').get('title')).toBe('두레 회의');
  });
});

describe('BlobStore', () => {
  it('stores encrypted, content-addressed blobs and reads them back', async () => {
    const { storage, library } = await setup();
    const s = await library.create('with image');
    const blobs = new BlobStore(storage);
    const png = new Uint8Array(5000).map((_, i) => (i * 31) & 0xff);
    const id = await blobs.put(s, png, 'image/png');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const batches = storage.batches;
    expect(await blobs.put(s, png, 'image/png')).toBe(id); // same bytes: same id, nothing written
    expect(storage.batches).toBe(batches);
    expect(await blobs.get(s, id)).toEqual({ ok: true, value: { bytes: png, mime: 'image/png' } });
    expect(await blobs.list(s.docId)).toEqual([id]);
    expect(await blobs.get(s, 'A'.repeat(22))).toMatchObject({ ok: false, error: 'missing' });
  });

  it('reports a tampered blob as corrupt', async () => {
    const { storage, library } = await setup();
    const s = await library.create();
    const blobs = new BlobStore(storage);
    const id = await blobs.put(s, new Uint8Array([9, 9, 9]), 'image/jpeg');
    const key = `blob/${s.docId}/${id}`;
    const v = (await storage.get(key))!;
    v[30] = v[30]! ^ 4;
    await storage.batch([{ type: 'put', key, value: v }]);
    expect(await blobs.get(s, id)).toMatchObject({ ok: false, error: 'corrupt' });
    // A valid blob of the same document copied under another id does not open either.
    const id2 = await blobs.put(s, new Uint8Array([1]), 'image/gif');
    const other = `blob/${s.docId}/${'B'.repeat(22)}`;
    await storage.batch([{ type: 'put', key: other, value: (await storage.get(`blob/${s.docId}/${id2}`))! }]);
    expect(await blobs.get(s, 'B'.repeat(22))).toMatchObject({ ok: false, error: 'corrupt' });
  });

  it('refuses oversized blobs and malformed MIME types (misuse throws)', async () => {
    const { storage, library } = await setup();
    const s = await library.create();
    const blobs = new BlobStore(storage);
    await expect(blobs.put(s, new Uint8Array(MAX_BLOB_BYTES + 1), 'image/png')).rejects.toThrow(RangeError);
    await expect(blobs.put(s, new Uint8Array(1), 'image/png"><script>')).rejects.toThrow(RangeError);
    await expect(blobs.put(s, new Uint8Array(1), '')).rejects.toThrow(RangeError);
  });
});

describe('Library.sweep', () => {
  it('removes records left by a tab that kept writing a deleted document, and nothing else', async () => {
    const { storage, library } = await setup();
    const keep = await library.create('keep');
    const gone = await library.create('gone');
    const a = await openDoc(storage, gone, { leader: neverLeader });
    const k = await openDoc(storage, keep, { leader: neverLeader });
    k.ydoc.getText('body').insert(0, 'kept');
    await k.doc.close();
    await library.delete(gone.docId);
    a.ydoc.getText('body').insert(0, 'written after the delete');
    await a.doc.close();
    expect((await storage.keys('doc/')).some((x) => x.includes(gone.docId))).toBe(true);
    expect(await library.sweep()).toBeGreaterThan(0);
    const left = await storage.keys('');
    expect(left.filter((x) => x.includes(gone.docId))).toEqual([]);
    expect(left.filter((x) => x.includes(keep.docId)).length).toBe(3); // key, meta, one update
    expect(await library.sweep()).toBe(0);
  });
});

describe('Library.list edge cases', () => {
  it('a document whose meta record was never written is listed untitled, not corrupt', async () => {
    const { storage, keyring, library } = await setup();
    const s = await keyring.createDoc(newEditCapability()); // key only, no meta
    const list = await library.list();
    expect(list.ok && list.value).toEqual([{ docId: s.docId, kind: 'edit', title: '', updatedAt: 0 }]);
    expect(await storage.get(metaKey(s.docId))).toBeUndefined();
  });

  it('lists many documents with one key listing', async () => {
    const { storage, device, library } = await setup();
    for (let i = 0; i < 30; i++) await library.create(`doc ${i}`);
    const fresh = new Library(storage, await Keyring.open(storage, device));
    const getsBefore = { n: 0 };
    const realGet = storage.get.bind(storage);
    storage.get = (k) => {
      getsBefore.n++;
      return realGet(k);
    };
    const list = await fresh.list();
    expect(list.ok && list.value).toHaveLength(30);
    expect(getsBefore.n).toBe(0);
  });
});
