/**
 * What the UI needs from the local-first core, in the UI's own words. src/core/local-core.ts maps it
 * onto shared/src/local (Keyring, Library, LocalDoc, BlobStore); pages never import those directly,
 * so a change in the core touches one file here.
 */
import type * as Y from 'yjs';
import type { DocSummary, LoadProblem, Result, StorageErrorCode } from '@dure/shared';
import type { SyncView } from '../sync/doc-sync';

export type CoreError = 'locked' | 'missing' | 'corrupt' | StorageErrorCode;

export interface LockControl {
  readonly enabled: boolean;
  readonly locked: boolean;
  /** The device key is raw bytes (no WebCrypto on a plain-http page): weaker, and the UI says so. */
  readonly weakDeviceKey: boolean;
  unlock(passphrase: string): Promise<Result<void, 'wrong-passphrase'>>;
  lock(): void;
  enable(passphrase: string): Promise<Result<void, CoreError>>;
  disable(passphrase: string): Promise<Result<void, 'wrong-passphrase' | CoreError>>;
  change(oldPassphrase: string, newPassphrase: string): Promise<Result<void, 'wrong-passphrase' | CoreError>>;
  onChange(cb: () => void): () => void;
  /** The key-encryption key was replaced (lock turned on or off, passphrase changed) in this tab. */
  onRewrap(cb: () => void): () => void;
}

export interface DocEvents {
  /** every edit so far is committed to the device */
  saved(): void;
  /** a write failed; edits stay in memory and are retried */
  error(code: StorageErrorCode): void;
  /** this tab changed the document (not a load or another tab's edit): a save is on its way */
  'local-change'(): void;
}

export interface OpenedDoc {
  readonly docId: string;
  readonly kind: 'edit' | 'view';
  /** Link fragments (without '#') that grant this document: `edit` only for an edit capability. */
  readonly fragments: { readonly edit?: string; readonly view: string };
  readonly ydoc: Y.Doc;
  /** the link to relays: status, who is here, presence (one tab per document runs the session) */
  readonly sync: SyncView;
  /**
   * Holds every remote change (the session's updates and other tabs' records) back from the Y.Doc until
   * the returned release is called: the editor holds while an IME composition is open (shared/src/editor/README.md).
   */
  holdRemote(): () => void;
  /** records that failed to decrypt or decode on open; they were quarantined, not dropped */
  readonly problems: readonly LoadProblem[];
  on<K extends keyof DocEvents>(event: K, cb: DocEvents[K]): () => void;
  /** Keeps the list's meta record (title, last edited) in step with the encrypted document. */
  setMeta(meta: { title?: string; updatedAt?: number }): Promise<void>;
  putBlob(bytes: Uint8Array, mime: string): Promise<Result<string, 'too-large' | CoreError>>;
  getBlob(blobId: string): Promise<Result<{ bytes: Uint8Array; mime: string }, 'missing' | 'corrupt'>>;
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface AppCore {
  readonly lock: LockControl;
  listDocs(): Promise<Result<readonly DocSummary[], CoreError>>;
  /** Creates an empty document with a fresh edit capability; returns its id. */
  createDoc(): Promise<Result<string, CoreError>>;
  /** Adds (or finds) the document an `#1e.`/`#1r.` link grants; returns its id. */
  addFromFragment(fragment: string): Promise<Result<string, 'malformed' | 'unsupported-version' | CoreError>>;
  openDoc(docId: string): Promise<Result<OpenedDoc, CoreError>>;
  /** The title lives in the encrypted document: renaming writes it there and in the list's record. */
  renameDoc(docId: string, title: string): Promise<Result<void, CoreError>>;
  /** Removes the document, its blobs and its key from this device, in one batch. */
  deleteDoc(docId: string): Promise<Result<void, CoreError>>;
  /**
   * Whether writes of any document of this tab are failing (quota, I/O) or all saved again. Also
   * covers a document whose page was closed while its last edits were still being retried.
   */
  onWriteState(cb: (state: 'saved' | StorageErrorCode) => void): () => void;
  /** Stops using storage at once; later calls fail (another tab is erasing the device). */
  close(): void;
  /** Closes storage and deletes the whole database (every document, blob and key, and the device key). */
  eraseDevice(): Promise<Result<void, 'blocked' | 'io'>>;
}
