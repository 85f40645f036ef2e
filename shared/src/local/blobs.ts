import { concat, fromUtf8, utf8 } from '../bytes';
import { open, seal } from '../crypto/aead';
import { blobIdFor } from '../crypto/capability';
import { err, ok, type Result } from '../result';
import type { Storage } from '../storage/types';
import type { DocSecrets } from './api';

/**
 * Images and other files beside a document (E2EE.md decision 5: never inside the Y.Doc). A blob is
 * content-addressed by blobIdFor (keyed by the read secret) and sealed with a key derived from the read
 * secret, so any collaborator holding the link can decrypt it once relays carry blobs.
 *
 *   blob/<docId>/<blobId> = seal(keys.blobKey(blobId), 0x01 ‖ u8 mimeLength ‖ mime ‖ bytes, aad = key)
 */
export const MAX_BLOB_BYTES = 8 * 1024 * 1024;
const BLOB_FORMAT = 0x01;
const MIME_RE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/;

export const blobPrefix = (docId: string): string => `blob/${docId}/`;
export const blobKey = (docId: string, blobId: string): string => blobPrefix(docId) + blobId;

export interface StoredBlob {
  readonly bytes: Uint8Array;
  readonly mime: string;
}

export class BlobStore {
  constructor(private readonly storage: Storage) {}

  /**
   * Stores bytes and returns their id; storing the same bytes again writes nothing. Throws RangeError
   * past MAX_BLOB_BYTES or for a malformed MIME type (callers check and downscale first).
   */
  async put(secrets: DocSecrets, bytes: Uint8Array, mime: string): Promise<string> {
    if (bytes.length > MAX_BLOB_BYTES) throw new RangeError(`blob larger than ${MAX_BLOB_BYTES} bytes`);
    const m = mime.toLowerCase();
    if (!MIME_RE.test(m)) throw new RangeError('malformed MIME type');
    const blobId = blobIdFor(secrets.keys, bytes);
    const key = blobKey(secrets.docId, blobId);
    if ((await this.storage.keys(key)).includes(key)) return blobId;
    const mb = utf8(m);
    const plain = concat(Uint8Array.of(BLOB_FORMAT, mb.length), mb, bytes);
    await this.storage.batch([{ type: 'put', key, value: seal(secrets.keys.blobKey(blobId), plain, utf8(key)) }]);
    return blobId;
  }

  /** 'corrupt' when the record does not open or its bytes do not match their id. */
  async get(secrets: DocSecrets, blobId: string): Promise<Result<StoredBlob, 'missing' | 'corrupt'>> {
    const key = blobKey(secrets.docId, blobId);
    const value = await this.storage.get(key);
    if (value === undefined) return err('missing');
    const plain = open(secrets.keys.blobKey(blobId), value, utf8(key));
    if (plain === undefined || plain.length < 2 || plain[0] !== BLOB_FORMAT) return err('corrupt');
    const n = plain[1]!;
    if (plain.length < 2 + n) return err('corrupt');
    let mime: string;
    try {
      mime = fromUtf8(plain.subarray(2, 2 + n));
    } catch {
      return err('corrupt');
    }
    const bytes = plain.slice(2 + n);
    if (!MIME_RE.test(mime) || blobIdFor(secrets.keys, bytes) !== blobId) return err('corrupt');
    return ok({ bytes, mime });
  }

  async has(docId: string, blobId: string): Promise<boolean> {
    const key = blobKey(docId, blobId);
    return (await this.storage.keys(key)).includes(key);
  }

  async list(docId: string): Promise<string[]> {
    const p = blobPrefix(docId);
    return (await this.storage.keys(p)).map((k) => k.slice(p.length));
  }

  async delete(docId: string, blobId: string): Promise<void> {
    await this.storage.batch([{ type: 'del', key: blobKey(docId, blobId) }]);
  }
}
