/**
 * Which images of which document still have to reach a relay. An image is stored on the device at
 * once and uploaded when a session is synced; the list survives reloads (an image inserted offline
 * is uploaded at the next connection). Only blob ids are kept here: they already name records in
 * this device's IndexedDB and carry no content.
 */
import type { PrefStore } from './prefs';

const KEY = 'dure.blobUploads';
/** A bound on what one device remembers; beyond it the oldest entries are dropped. */
const MAX_PENDING = 1000;

function store(): PrefStore | undefined {
  try {
    return typeof localStorage === 'undefined' ? undefined : localStorage;
  } catch {
    return undefined;
  }
}

function readAll(s: PrefStore | undefined): [string, string][] {
  try {
    const v: unknown = JSON.parse(s?.getItem(KEY) ?? '[]');
    return Array.isArray(v)
      ? v.filter((e): e is [string, string] => Array.isArray(e) && typeof e[0] === 'string' && typeof e[1] === 'string')
      : [];
  } catch {
    return [];
  }
}

function writeAll(s: PrefStore | undefined, entries: [string, string][]): void {
  try {
    if (entries.length === 0) s?.removeItem(KEY);
    else s?.setItem(KEY, JSON.stringify(entries.slice(-MAX_PENDING)));
  } catch {
    // Without storage the upload is still tried while this page lives.
  }
}

export function addPendingUpload(docId: string, blobId: string, s = store()): void {
  const all = readAll(s);
  if (!all.some(([d, b]) => d === docId && b === blobId)) writeAll(s, [...all, [docId, blobId]]);
}

export function pendingUploads(docId: string, s = store()): string[] {
  return readAll(s)
    .filter(([d]) => d === docId)
    .map(([, b]) => b);
}

export function donePendingUpload(docId: string, blobId: string, s = store()): void {
  writeAll(
    s,
    readAll(s).filter(([d, b]) => !(d === docId && b === blobId)),
  );
}
