export * from './bytes';
export * from './result';
export * from './crypto/aead';
export * from './storage/types';
