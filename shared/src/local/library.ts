import * as Y from 'yjs';
import { fromUtf8, utf8 } from '../bytes';
import { open, seal } from '../crypto/aead';
import { newEditCapability } from '../crypto/capability';
import type { Keyring } from '../crypto/keyring';
import { err, ok, type Result } from '../result';
import type { Storage, StorageOp } from '../storage/types';
import type { Capability, DocSecrets, DocSummary, KeyringError } from './api';
import { blobPrefix } from './blobs';
import { docPrefix, quarantinePrefix } from './records';

/**
 * The documents on this device: their key records (Keyring) plus one sealed meta record each, so the
 * list can show titles without opening every document. The title's source of truth is the Y.Doc (it
 * syncs with the content); the editor copies it here through setMeta.
 */
export const META_PREFIX = 'meta/';
export const metaKey = (docId: string): string => META_PREFIX + docId;

export interface DocMeta {
  readonly title: string;
  /** ms since epoch of the last local edit */
  readonly updatedAt: number;
  /** the editor schema version that last wrote the document, when known */
  readonly schemaVersion?: number;
}

export type MetaPatch = { readonly title?: string; readonly updatedAt?: number; readonly schemaVersion?: number };

function sealMeta(docKey: Uint8Array, docId: string, meta: DocMeta): Uint8Array {
  return seal(docKey, utf8(JSON.stringify(meta)), utf8(metaKey(docId)));
}

function openMeta(docKey: Uint8Array, docId: string, value: Uint8Array): DocMeta | undefined {
  const plain = open(docKey, value, utf8(metaKey(docId)));
  if (plain === undefined) return undefined;
  try {
    const j = JSON.parse(fromUtf8(plain)) as Partial<DocMeta>;
    if (typeof j.title !== 'string' || typeof j.updatedAt !== 'number' || !Number.isFinite(j.updatedAt)) {
      return undefined;
    }
    const meta: DocMeta = { title: j.title, updatedAt: j.updatedAt };
    return typeof j.schemaVersion === 'number' ? { ...meta, schemaVersion: j.schemaVersion } : meta;
  } catch {
    return undefined;
  }
}

/** For search: NFC so that Hangul typed on macOS (NFD) matches titles typed elsewhere; locale-free lower case. */
const fold = (s: string): string => s.normalize('NFC').toLowerCase();

export class Library {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly storage: Storage,
    private readonly keyring: Keyring,
    private readonly now: () => number = Date.now,
  ) {}

  /** Serializes read-modify-write of meta records within this context. */
  private serial<T>(f: () => Promise<T>): Promise<T> {
    const run = this.chain.then(f, f);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** A new document: key record and meta record in one batch. Throws while the keyring is locked. */
  async create(title = ''): Promise<DocSecrets> {
    const { secrets, ops } = await this.keyring.createDocOps(newEditCapability());
    const meta: DocMeta = { title, updatedAt: this.now() };
    ops.push({ type: 'put', key: metaKey(secrets.docId), value: sealMeta(secrets.docKey, secrets.docId, meta) });
    await this.storage.batch(ops);
    this.keyring.remember(secrets);
    return secrets;
  }

  /** A document from a link. Known documents keep their local key and content (a view is upgraded to edit). */
  async addFromCapability(cap: Capability): Promise<Result<DocSecrets, KeyringError>> {
    const r = await this.keyring.addDocKey(cap);
    if (!r.ok) return r;
    const s = r.value;
    if ((await this.storage.get(metaKey(s.docId))) === undefined) {
      const meta: DocMeta = { title: '', updatedAt: this.now() };
      await this.storage.batch([{ type: 'put', key: metaKey(s.docId), value: sealMeta(s.docKey, s.docId, meta) }]);
    }
    return r;
  }

  async getMeta(docId: string): Promise<Result<DocMeta, KeyringError>> {
    const s = await this.keyring.getDocSecrets(docId);
    if (!s.ok) return s;
    const value = await this.storage.get(metaKey(docId));
    if (value === undefined) return err('missing');
    const meta = openMeta(s.value.docKey, docId, value);
    return meta ? ok(meta) : err('corrupt', 'meta record does not open');
  }

  /** Updates title and/or time; updatedAt defaults to now (a rename is an edit). */
  setMeta(docId: string, patch: MetaPatch): Promise<Result<DocMeta, KeyringError>> {
    return this.serial(async () => {
      const s = await this.keyring.getDocSecrets(docId);
      if (!s.ok) return s;
      const value = await this.storage.get(metaKey(docId));
      // A damaged meta record is replaced: the title can be re-derived from the document itself.
      const old = value === undefined ? undefined : openMeta(s.value.docKey, docId, value);
      const schemaVersion = patch.schemaVersion ?? old?.schemaVersion;
      const base: DocMeta = { title: patch.title ?? old?.title ?? '', updatedAt: patch.updatedAt ?? this.now() };
      const meta = schemaVersion === undefined ? base : { ...base, schemaVersion };
      await this.storage.batch([{ type: 'put', key: metaKey(docId), value: sealMeta(s.value.docKey, docId, meta) }]);
      return ok(meta);
    });
  }

  /**
   * Every document on the device, newest edit first. A document whose key or meta record does not open
   * is listed with problem 'corrupt' (so the user can still delete it), never dropped.
   */
  async list(): Promise<Result<DocSummary[], 'locked'>> {
    const all = await this.keyring.getAllDocSecrets();
    if (!all.ok) return all;
    const metas = new Map(
      (await this.storage.list(META_PREFIX)).map((e) => [e.key.slice(META_PREFIX.length), e.value]),
    );
    const out: DocSummary[] = [];
    for (const [docId, s] of all.value) {
      if (!s.ok) {
        if (s.error === 'missing') continue; // deleted while we listed
        out.push({ docId, kind: 'view', title: '', updatedAt: 0, problem: 'corrupt' });
        continue;
      }
      const value = metas.get(docId);
      // No meta yet (a crash between the key and meta writes) is an untitled document, not damage.
      const meta = value === undefined ? { title: '', updatedAt: 0 } : openMeta(s.value.docKey, docId, value);
      if (meta) out.push({ docId, kind: s.value.keys.kind, title: meta.title, updatedAt: meta.updatedAt });
      else out.push({ docId, kind: s.value.keys.kind, title: '', updatedAt: 0, problem: 'corrupt' });
    }
    out.sort((a, b) => b.updatedAt - a.updatedAt || a.title.localeCompare(b.title) || (a.docId < b.docId ? -1 : 1));
    return ok(out);
  }

  /** Case-insensitive title search (Hangul-safe: NFC on both sides). An empty query lists everything. */
  async search(query: string): Promise<Result<DocSummary[], 'locked'>> {
    const all = await this.list();
    if (!all.ok) return all;
    const q = fold(query.trim());
    return q === '' ? all : ok(all.value.filter((d) => fold(d.title).includes(q)));
  }

  /** See sweepOrphans; run it at startup. */
  sweep(): Promise<number> {
    return this.serial(() => sweepOrphans(this.storage, this.keyring));
  }

  /** The ops that remove every trace of a document from this device. */
  async deleteOps(docId: string): Promise<StorageOp[]> {
    const ops: StorageOp[] = [];
    // `sync/<docId>/`: the sync session's state (outbox, positions, quarantine; shared/src/sync/sync-store.ts).
    for (const prefix of [docPrefix(docId), blobPrefix(docId), quarantinePrefix(docId), `sync/${docId}/`]) {
      for (const key of await this.storage.keys(prefix)) ops.push({ type: 'del', key });
    }
    ops.push({ type: 'del', key: metaKey(docId) });
    ops.push(...this.keyring.deleteKeyOps(docId));
    return ops;
  }

  /**
   * Removes the document, its blobs, quarantined records, meta and key in ONE batch. Close its LocalDoc
   * first: a LocalDoc still open would write records that no key can read any more.
   */
  async delete(docId: string): Promise<void> {
    await this.serial(async () => {
      await this.storage.batch(await this.deleteOps(docId));
      this.keyring.forget(docId);
    });
  }
}

/**
 * Deletes records whose document has no key record any more (e.g. a tab kept writing a document that
 * another tab deleted). Data keys are listed BEFORE key records, so a document created meanwhile (its key
 * is always written first) is never swept. Returns how many records were removed.
 */
export async function sweepOrphans(storage: Storage, keyring: Keyring): Promise<number> {
  const candidates: string[] = [];
  for (const prefix of ['doc/', 'blob/', 'quarantine/', 'sync/', META_PREFIX]) {
    for (const key of await storage.keys(prefix)) candidates.push(key);
  }
  const known = new Set(await keyring.listDocIds());
  const ops: StorageOp[] = [];
  for (const key of candidates) {
    const docId = key.slice(key.indexOf('/') + 1).split('/')[0]!;
    if (!known.has(docId)) ops.push({ type: 'del', key });
  }
  if (ops.length > 0) await storage.batch(ops);
  return ops.length;
}

/** The title lives in the (encrypted, synced) Y.Doc: Y.Map 'meta', key 'title'. */
export function getDocTitle(ydoc: Y.Doc): string {
  const t = ydoc.getMap('meta').get('title');
  return typeof t === 'string' ? t : '';
}

export function setDocTitle(ydoc: Y.Doc, title: string): void {
  const m = ydoc.getMap('meta');
  if (m.get('title') !== title) ydoc.transact(() => m.set('title', title));
}
