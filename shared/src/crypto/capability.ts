import { concat, equalBytes, fromB64url, randomBytes, toB64url, utf8 } from '../bytes';
import type { Capability, DocKeys } from '../local/api';
import { err, ok, type Result } from '../result';
import { ed25519PublicKey, isStrictPublicKey } from './ed25519';
import { hkdf, hmacSha256 } from './hash';

/**
 * Capabilities and key derivation, exactly as E2EE.md 4.1. Every output has its own HKDF label and
 * no output is a slice of another, so learning one key says nothing about its siblings.
 */
export const SECRET_BYTES = 32;
export const PUBLIC_KEY_BYTES = 32;
/** Doc ids and blob ids: 16 bytes, 22 base64url characters. */
export const ID_BYTES = 16;

const LABEL = {
  writeSign: 'dure/v1/write-sign',
  read: 'dure/v1/read',
  docId: 'dure/v1/doc-id',
  content: 'dure/v1/content/epoch/',
  presence: 'dure/v1/presence/epoch/',
  blob: 'dure/v1/blob/',
  blobId: 'dure/v1/blob-id',
} as const;

export type CapabilityError = 'malformed' | 'unsupported-version';

export function newEditCapability(): Capability {
  return { kind: 'edit', editSecret: randomBytes(SECRET_BYTES) };
}

function u32be(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('epoch must be a u32');
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, n, false);
  return out;
}

function checkLength(b: Uint8Array, n: number, what: string): void {
  if (!(b instanceof Uint8Array) || b.length !== n) throw new TypeError(`${what} must be ${n} bytes`);
}

const readSecretOf = (editSecret: Uint8Array): Uint8Array => hkdf(editSecret, LABEL.read);
const writeSeedOf = (editSecret: Uint8Array): Uint8Array => hkdf(editSecret, LABEL.writeSign);

export function docIdOf(readSecret: Uint8Array): string {
  return toB64url(hkdf(readSecret, LABEL.docId, ID_BYTES));
}

/** Edit ⇒ view is one HKDF step; nothing derives an edit capability from a view capability. */
export function viewCapabilityOf(cap: Capability): Capability & { kind: 'view' } {
  if (cap.kind === 'view') return cap;
  checkLength(cap.editSecret, SECRET_BYTES, 'editSecret');
  return {
    kind: 'view',
    readSecret: readSecretOf(cap.editSecret),
    writePub: ed25519PublicKey(writeSeedOf(cap.editSecret)),
  };
}

/**
 * DocKeys with the Ed25519 public key computed on first use: the first scalar multiplication in a page
 * costs ~20 ms (noble's precomputation), and neither listing nor opening a document needs it.
 */
class DerivedKeys implements DocKeys {
  readonly docId: string;
  private pub: Uint8Array | undefined;
  constructor(
    readonly kind: 'edit' | 'view',
    readonly readSecret: Uint8Array,
    pub: Uint8Array | undefined,
    readonly writeSeed: Uint8Array | undefined,
  ) {
    this.docId = docIdOf(readSecret);
    this.pub = pub;
  }
  get writePub(): Uint8Array {
    this.pub ??= ed25519PublicKey(this.writeSeed!);
    return this.pub;
  }
  contentKey(epoch: number): Uint8Array {
    return hkdf(this.readSecret, concat(utf8(LABEL.content), u32be(epoch)));
  }
  presenceKey(epoch: number): Uint8Array {
    return hkdf(this.readSecret, concat(utf8(LABEL.presence), u32be(epoch)));
  }
  blobKey(blobId: string): Uint8Array {
    return hkdf(this.readSecret, LABEL.blob + blobId);
  }
}

export function deriveDocKeys(cap: Capability): DocKeys {
  if (cap.kind === 'edit') {
    checkLength(cap.editSecret, SECRET_BYTES, 'editSecret');
    return new DerivedKeys('edit', readSecretOf(cap.editSecret), undefined, writeSeedOf(cap.editSecret));
  }
  checkLength(cap.readSecret, SECRET_BYTES, 'readSecret');
  checkLength(cap.writePub, PUBLIC_KEY_BYTES, 'writePub');
  return new DerivedKeys('view', cap.readSecret.slice(), cap.writePub.slice(), undefined);
}

/**
 * Content-addressed blob id: equal bytes in one document get one id (deduplication), but it is keyed by
 * the read secret, so a server cannot confirm that a document holds a known image by hashing it.
 */
export function blobIdFor(keys: DocKeys, bytes: Uint8Array): string {
  return toB64url(hmacSha256(hkdf(keys.readSecret, LABEL.blobId), bytes).subarray(0, ID_BYTES));
}

/** Link fragment: "1e.<editSecret>" or "1r.<readSecret>.<writePub>" (base64url, no padding). */
export function formatFragment(cap: Capability): string {
  if (cap.kind === 'edit') {
    checkLength(cap.editSecret, SECRET_BYTES, 'editSecret');
    return `1e.${toB64url(cap.editSecret)}`;
  }
  checkLength(cap.readSecret, SECRET_BYTES, 'readSecret');
  checkLength(cap.writePub, PUBLIC_KEY_BYTES, 'writePub');
  return `1r.${toB64url(cap.readSecret)}.${toB64url(cap.writePub)}`;
}

// A view link whose writePub is not a curve point could never verify anything: reject it up front.
const validPublicKey = isStrictPublicKey;

function exactBytes(s: string | undefined, n: number): Uint8Array | undefined {
  if (s === undefined) return undefined;
  const b = fromB64url(s);
  return b !== undefined && b.length === n ? b : undefined;
}

/** Strict: exact lengths, strict base64url, one optional leading '#'. Never throws on user input. */
export function parseFragment(fragment: string): Result<Capability, CapabilityError> {
  if (typeof fragment !== 'string') return err('malformed');
  const s = fragment.startsWith('#') ? fragment.slice(1) : fragment;
  // Longest valid fragment is 2 + 1 + 43 + 1 + 43 characters; do not split megabytes of junk.
  if (s.length > 128) return err('malformed');
  const parts = s.split('.');
  const tag = parts[0] ?? '';
  if (!/^[0-9]+[a-z]$/.test(tag)) return err('malformed');
  if (!tag.startsWith('1') || tag.length !== 2) return err('unsupported-version');
  if (tag === '1e' && parts.length === 2) {
    const editSecret = exactBytes(parts[1], SECRET_BYTES);
    return editSecret ? ok({ kind: 'edit', editSecret }) : err('malformed');
  }
  if (tag === '1r' && parts.length === 3) {
    const readSecret = exactBytes(parts[1], SECRET_BYTES);
    const writePub = exactBytes(parts[2], PUBLIC_KEY_BYTES);
    if (!readSecret || !writePub || !validPublicKey(writePub)) return err('malformed');
    return ok({ kind: 'view', readSecret, writePub });
  }
  return err('malformed');
}

/** Binary form for key records: version 1, kind byte, then the secrets at fixed offsets. */
const CAP_VERSION = 1;
const KIND_EDIT = 0x65; // 'e'
const KIND_VIEW = 0x72; // 'r'

export function encodeCapability(cap: Capability): Uint8Array {
  if (cap.kind === 'edit') {
    checkLength(cap.editSecret, SECRET_BYTES, 'editSecret');
    return concat(Uint8Array.of(CAP_VERSION, KIND_EDIT), cap.editSecret);
  }
  checkLength(cap.readSecret, SECRET_BYTES, 'readSecret');
  checkLength(cap.writePub, PUBLIC_KEY_BYTES, 'writePub');
  return concat(Uint8Array.of(CAP_VERSION, KIND_VIEW), cap.readSecret, cap.writePub);
}

export function decodeCapability(b: Uint8Array): Result<Capability, CapabilityError> {
  if (!(b instanceof Uint8Array) || b.length < 2) return err('malformed');
  if (b[0] !== CAP_VERSION) return err('unsupported-version');
  if (b[1] === KIND_EDIT && b.length === 2 + SECRET_BYTES) return ok({ kind: 'edit', editSecret: b.slice(2) });
  if (b[1] === KIND_VIEW && b.length === 2 + SECRET_BYTES + PUBLIC_KEY_BYTES) {
    return ok({ kind: 'view', readSecret: b.slice(2, 34), writePub: b.slice(34) });
  }
  return err('malformed');
}

/** True when both name the same document with the same rights. */
export function sameCapability(a: Capability, b: Capability): boolean {
  if (a.kind === 'edit' && b.kind === 'edit') return equalBytes(a.editSecret, b.editSecret);
  if (a.kind === 'view' && b.kind === 'view') {
    return equalBytes(a.readSecret, b.readSecret) && equalBytes(a.writePub, b.writePub);
  }
  return false;
}
