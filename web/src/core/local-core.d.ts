import { BlobStore, getDocTitle, type Result } from '@dure/shared';
import type { AppCore, CoreError, LockControl, OpenedDoc } from './types';
export declare class LocalCore implements AppCore {
  private readonly storage;
  private readonly keyring;
  readonly lock: LockControl;
  readonly blobs: BlobStore;
  private readonly library;
  private readonly leader;
  private readonly notifier;
  private constructor();
  /** Rejects with StorageError('unavailable') when the browser gives no IndexedDB. */
  static open(): Promise<LocalCore>;
  listDocs(): ReturnType<AppCore['listDocs']>;
  createDoc(): Promise<Result<string, CoreError>>;
  addFromFragment(fragment: string): Promise<Result<string, 'malformed' | 'unsupported-version' | CoreError>>;
  openDoc(docId: string): Promise<Result<OpenedDoc, CoreError>>;
  /** Writes only what changed; a title-only change keeps the document's "last edited" time. */
  setMeta(
    docId: string,
    patch: {
      title?: string;
      updatedAt?: number;
    },
  ): Promise<void>;
  renameDoc(docId: string, title: string): Promise<Result<void, CoreError>>;
  deleteDoc(docId: string): Promise<Result<void, CoreError>>;
}
export { getDocTitle };
