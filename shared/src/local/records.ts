import * as Y from 'yjs';
import { concat, utf8 } from '../bytes';
import { open, seal } from '../crypto/aead';
import type { LoadProblem } from './api';
import { err, ok, type Result } from '../result';

/**
 * Document records on the device. Every value is sealed with the document's docKey and its own storage
 * key as associated data, so a record moved to another key or another document does not open.
 *
 *   doc/<docId>/s/<id>                      snapshot (a whole-document Yjs v2 update)
 *   doc/<docId>/u/<deviceId>/<seq:10>       incremental Yjs v2 update from one LocalDoc instance
 *   quarantine/<docId>/<original key>       a record that failed to open, moved aside byte for byte
 *
 * Plaintext = one format tag byte ‖ payload. The tag lets a later version change the payload encoding
 * without guessing from its bytes.
 */
export const RECORD_YJS_V2 = 0x01;

export const docPrefix = (docId: string): string => `doc/${docId}/`;
export const snapshotKey = (docId: string, id: string): string => `doc/${docId}/s/${id}`;
export const updateKey = (docId: string, deviceId: string, seq: number): string =>
  `doc/${docId}/u/${deviceId}/${String(seq).padStart(10, '0')}`;
export const quarantinePrefix = (docId: string): string => `quarantine/${docId}/`;
export const quarantineKey = (docId: string, key: string): string => quarantinePrefix(docId) + key;
export const isSnapshotKey = (docId: string, key: string): boolean => key.startsWith(`doc/${docId}/s/`);

export function sealUpdateRecord(docKey: Uint8Array, key: string, update: Uint8Array): Uint8Array {
  return seal(docKey, concat(Uint8Array.of(RECORD_YJS_V2), update), utf8(key));
}

/**
 * Opens a record: authenticates and decrypts it and checks its format tag, without decoding the Yjs
 * update. Only for LocalDoc's fast open, which applies into a Y.Doc it can throw away (STORAGE.md,
 * "Why local records skip the pre-decode"); everything else uses openUpdateRecord.
 */
export function openRecord(
  docKey: Uint8Array,
  key: string,
  value: Uint8Array,
): Result<Uint8Array, LoadProblem['reason']> {
  const plain = open(docKey, value, utf8(key));
  if (plain === undefined) return err('decrypt');
  if (plain.length < 1 || plain[0] !== RECORD_YJS_V2) return err('decode', 'unknown record format');
  return ok(plain.subarray(1));
}

/** Fully decodes an update without applying it: ok, or why it cannot be read. */
export function checkUpdate(update: Uint8Array): Result<Uint8Array, 'decode'> {
  try {
    Y.decodeUpdateV2(update);
  } catch (e) {
    return err('decode', e instanceof Error ? e.message : String(e));
  }
  return ok(update);
}

/**
 * Opens and FULLY decodes a record before anything is applied: Yjs can half-apply an update that throws
 * midway, so a damaged record must be caught here, not inside applyUpdate.
 */
export function openUpdateRecord(
  docKey: Uint8Array,
  key: string,
  value: Uint8Array,
): Result<Uint8Array, LoadProblem['reason']> {
  const r = openRecord(docKey, key, value);
  return r.ok ? checkUpdate(r.value) : r;
}
