/** Shared fixtures for the LocalDoc tests. */
import * as Y from 'yjs';
import { newEditCapability } from '../src/crypto/capability';
import { MemoryDeviceKeyStore } from '../src/crypto/kek';
import { Keyring } from '../src/crypto/keyring';
import type { DocSecrets, LeaderElection } from '../src/local/api';
import { LocalDoc, type LocalDocOptions } from '../src/local/localdoc';
import { MemoryStorage } from '../src/storage/memory';

/** A context that never becomes leader: nothing compacts, so tests see every record as written. */
export const neverLeader: LeaderElection = { acquire: () => ({ release() {} }) };

export async function newDoc(): Promise<{ storage: MemoryStorage; secrets: DocSecrets; keyring: Keyring }> {
  const storage = new MemoryStorage();
  const keyring = await Keyring.open(storage, new MemoryDeviceKeyStore());
  const secrets = await keyring.createDoc(newEditCapability());
  return { storage, secrets, keyring };
}

export async function openDoc(
  storage: MemoryStorage,
  secrets: DocSecrets,
  opts: LocalDocOptions = {},
  ydoc = new Y.Doc(),
): Promise<{ ydoc: Y.Doc; doc: LocalDoc }> {
  const r = await LocalDoc.open(storage, secrets, ydoc, opts);
  if (!r.ok) throw new Error(`open failed: ${r.error}`);
  return { ydoc, doc: r.value };
}

/**
 * Opens with a Y.Doc factory (LocalDoc's fast load). `created` lists every Y.Doc it made, in order:
 * more than one means the load started over.
 */
export async function openDocFast(
  storage: MemoryStorage,
  secrets: DocSecrets,
  opts: LocalDocOptions = {},
): Promise<{ ydoc: Y.Doc; doc: LocalDoc; created: Y.Doc[] }> {
  const created: Y.Doc[] = [];
  const r = await LocalDoc.open(
    storage,
    secrets,
    () => {
      const d = new Y.Doc();
      created.push(d);
      return d;
    },
    opts,
  );
  if (!r.ok) throw new Error(`open failed: ${r.error}`);
  return { ydoc: r.value.ydoc, doc: r.value, created };
}

export const text = (ydoc: Y.Doc): string => ydoc.getText('body').toString();

/** mulberry32: a tiny seeded PRNG so a failing sequence can be replayed from its seed alone. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function indexOfBytes(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}
