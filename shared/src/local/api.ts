/**
 * The contract between the local-first core (shared/src/local, shared/src/crypto) and the apps
 * (web/, electron/). Types only: the implementations live beside this file.
 *
 * Key hierarchy (see STORAGE.md beside this file):
 *   KEK (non-extractable device key, or scrypt(passphrase) when the app lock is on)
 *     └─ wraps, per document, `key/<docId>` = docKey (random 32 bytes) + the document's capability
 *          ├─ docKey seals every stored record of that document (updates, snapshots, meta)
 *          └─ blob keys are derived per blob from the capability's readSecret (shareable with collaborators)
 * Deleting `key/<docId>` makes every other record of the document unreadable.
 */
import type * as Y from 'yjs';
import type { Result } from '../result';
import type { StorageError } from '../storage/types';

/** E2EE.md 4.1. An edit capability derives the view capability; never the reverse. */
export type Capability =
  | { readonly kind: 'edit'; readonly editSecret: Uint8Array }
  | { readonly kind: 'view'; readonly readSecret: Uint8Array; readonly writePub: Uint8Array };

export interface DocKeys {
  /** b64url(HKDF(readSecret, "dure/v1/doc-id", 16)) — the only id a server ever sees */
  readonly docId: string;
  readonly kind: 'edit' | 'view';
  readonly readSecret: Uint8Array;
  readonly writePub: Uint8Array;
  /** Ed25519 seed; present only for edit capabilities */
  readonly writeSeed?: Uint8Array;
  contentKey(epoch: number): Uint8Array;
  presenceKey(epoch: number): Uint8Array;
  /** per-blob key, derived so that every holder of the read secret can decrypt the blob */
  blobKey(blobId: string): Uint8Array;
}

export interface DocSecrets {
  readonly docId: string;
  /** random per document and device; seals every local record of the document */
  readonly docKey: Uint8Array;
  readonly capability: Capability;
  readonly keys: DocKeys;
}

export type KeyringError = 'locked' | 'missing' | 'corrupt' | 'wrong-passphrase';

export interface DocSummary {
  readonly docId: string;
  readonly kind: 'edit' | 'view';
  readonly title: string;
  /** ms since epoch of the last local edit */
  readonly updatedAt: number;
  /** set when the document's key or meta record could not be read; the record is kept, not dropped */
  readonly problem?: 'corrupt';
}

export interface LoadProblem {
  /** the storage key of a record that failed to decrypt or decode; it was moved to quarantine/ */
  readonly key: string;
  readonly reason: 'decrypt' | 'decode' | 'apply';
}

export interface LocalDocEvents {
  /** a write failed (quota, io); the edits stay in memory and are retried; nothing stored is overwritten */
  error: (e: StorageError) => void;
  /** all edits so far are durably committed */
  saved: () => void;
}

export type OpenDocResult = Result<
  { readonly problems: readonly LoadProblem[] },
  'locked' | 'missing' | 'corrupt-key' | 'unavailable'
>;

/** Web Locks in browsers (one leader per document across tabs); always-leader in Node. */
export interface LeaderElection {
  /** Resolves when this context becomes the leader for `name`; holds it until `release()` or close. */
  acquire(name: string, onLeader: () => void): { release(): void };
}

/** Cross-tab "these records changed" notices (BroadcastChannel in browsers; none in Node). */
export interface ChangeNotifier {
  announce(docId: string, keys: readonly string[]): void;
  subscribe(cb: (docId: string, keys: readonly string[]) => void): () => void;
}

export type { Y };
