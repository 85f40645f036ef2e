export * from './bytes';
export * from './result';
export * from './crypto/aead';
export * from './storage/types';
export * from './crypto/hash';
export * from './crypto/capability';
export * from './crypto/kek';
export * from './crypto/keyring';
export * from './storage/memory';
export type {
  Capability,
  DocKeys,
  DocSecrets,
  KeyringError,
  DocSummary,
  LoadProblem,
  LocalDocEvents,
  OpenDocResult,
  LeaderElection,
  ChangeNotifier,
} from './local/api';
export * from './local/records';
export * from './local/coordination';
export * from './local/browser-coordination';
export * from './local/localdoc';
export * from './local/library';
export * from './local/blobs';
