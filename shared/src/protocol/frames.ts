import { err, ok, type Result } from '../result';
import { CHALLENGE_NONCE_BYTES } from './auth';
import { DecodeFailure, Reader, Writer, fail, plainBytes, type DecodeError } from './codec';
import {
  SIGNATURE_BYTES,
  decodeOwnedEnvelope,
  type Envelope,
  type PresenceEnvelope,
  type SnapshotEnvelope,
  type UpdateEnvelope,
} from './envelope';
import {
  MAX_BLOB_BYTES,
  MAX_CIPHERTEXT_BYTES,
  MAX_FRAME_BYTES,
  MAX_INVITE_TOKEN_BYTES,
  MAX_SIGNAL_BYTES,
  PROTOCOL_VERSION,
} from './limits';

/**
 * Frames on the WebSocket: [version u8][type u8][docId 16][fields...]. Many documents share one
 * connection, so every frame names its document at the same offset (a relay routes on bytes 2..18).
 * Layouts are in PROTOCOL.md; decodeFrame validates all of them before anything is used.
 */
export const PUBLIC_KEY_BYTES = 32;

export const FRAME_TYPE = {
  hello: 0x01,
  challenge: 0x02,
  prove: 0x03,
  create: 0x04,
  update: 0x05,
  ack: 0x06,
  snapshot: 0x07,
  presence: 0x08,
  synced: 0x09,
  reject: 0x0a,
  delete: 0x0b,
  'blob-put': 0x0c,
  'blob-get': 0x0d,
  blob: 0x0e,
  done: 0x0f,
  signal: 0x10,
} as const;
export type FrameType = keyof typeof FRAME_TYPE;

/** hello flag bit 0: the client wants a challenge. Other bits are reserved and must be zero. */
export const HELLO_WRITE = 0x01;

/** Why a relay refused something. Codes are stable; never reuse a retired one. */
export const REJECT_REASON = {
  malformed: 1,
  'unknown-doc': 2,
  'doc-exists': 3,
  'not-proven': 4,
  'bad-signature': 5,
  'stale-challenge': 6,
  /** the (deviceId, seq) is already held: a replay or a retransmission; treat as acknowledged */
  duplicate: 7,
  /** seq skips ahead of what the relay holds for that device */
  'seq-gap': 8,
  /** a snapshot names updates the relay does not hold */
  'snapshot-not-covered': 9,
  /** a snapshot's parent is not the relay's active snapshot */
  'snapshot-stale': 10,
  'too-many-devices': 11,
  'too-many-documents': 12,
  'rate-limited': 13,
  'too-large': 14,
  'not-found': 15,
  'invite-required': 16,
  /** the relay could not commit durably (e.g. a full disk); nothing was acknowledged, retry later */
  'storage-unavailable': 17,
  'wrong-epoch': 18,
  internal: 19,
} as const;
export type RejectReason = keyof typeof REJECT_REASON;
const REASON_BY_CODE = new Map<number, RejectReason>(
  Object.entries(REJECT_REASON).map(([k, v]) => [v, k as RejectReason]),
);

/** Operations a `done` frame confirms. */
export const DONE_OP = { create: 1, prove: 2, delete: 3, 'blob-put': 4, snapshot: 5 } as const;
export type DoneOp = keyof typeof DONE_OP;
const DONE_BY_CODE = new Map<number, DoneOp>(Object.entries(DONE_OP).map(([k, v]) => [v, k as DoneOp]));

export type Frame =
  /**
   * client: subscribe and catch up from what I already hold. write: "send me a challenge" (to prove write
   * capability, or again later for a fresh nonce to sign a delete with)
   */
  | { type: 'hello'; docId: string; write: boolean; knownSnapId: string | null; sinceRelaySeq: number }
  /** relay: sign this to prove write capability (or to delete) */
  | { type: 'challenge'; docId: string; connectionId: string; nonce: Uint8Array }
  | { type: 'prove'; docId: string; nonce: Uint8Array; signature: Uint8Array }
  /** client: register a new document's writePub; inviteToken is empty unless the relay requires one */
  | { type: 'create'; docId: string; writePub: Uint8Array; signature: Uint8Array; inviteToken: Uint8Array }
  /** relaySeq: 0 from a client; the relay's own order when it delivers */
  | { type: 'update'; docId: string; relaySeq: number; envelope: UpdateEnvelope }
  /** relay: the update is durably committed */
  | { type: 'ack'; docId: string; deviceId: string; seq: number; relaySeq: number }
  | { type: 'snapshot'; docId: string; relaySeq: number; envelope: SnapshotEnvelope }
  | { type: 'presence'; docId: string; envelope: PresenceEnvelope }
  /** relay: catch-up is complete up to relaySeq; live frames follow */
  | { type: 'synced'; docId: string; relaySeq: number }
  /** docId null: about the connection; deviceId/seq name the refused update when there is one */
  | { type: 'reject'; docId: string | null; reason: RejectReason; deviceId: string | null; seq: number }
  | { type: 'delete'; docId: string; nonce: Uint8Array; signature: Uint8Array }
  | { type: 'blob-put'; docId: string; blobId: string; data: Uint8Array }
  | { type: 'blob-get'; docId: string; blobId: string }
  | { type: 'blob'; docId: string; blobId: string; data: Uint8Array }
  /** relay: an operation succeeded; blobId only for blob-put */
  | { type: 'done'; docId: string; op: DoneOp; blobId: string | null }
  /**
   * WebRTC signaling between two sessions on one document, forwarded by the relay and never stored. `from`
   * is the sender's random per-session peer id, `to` one peer or null for every peer of the document;
   * `data` is a sealed signal (signal.ts), opaque to the relay.
   */
  | { type: 'signal'; docId: string; from: string; to: string | null; data: Uint8Array };

function envelopeOf<K extends Envelope['kind']>(r: Reader, docId: string, kind: K): Extract<Envelope, { kind: K }> {
  // The envelope's own limit is its ciphertext plus a bounded header; the frame limit bounds the rest.
  const bytes = r.var32(MAX_CIPHERTEXT_BYTES + 128 * 1024, 'envelope');
  const env = decodeOwnedEnvelope(bytes);
  if (!env.ok) fail(env.error, `envelope: ${env.detail ?? env.error}`);
  if (env.value.kind !== kind) fail('malformed', `expected a ${kind} envelope`);
  if (env.value.docId !== docId) fail('malformed', 'envelope docId differs from the frame docId');
  return env.value as Extract<Envelope, { kind: K }>;
}

function readFrame(bytes: Uint8Array): Frame {
  const r = new Reader(bytes);
  const version = r.u8('version');
  if (version !== PROTOCOL_VERSION) fail('unsupported-version', `frame version ${version}`);
  const code = r.u8('type');
  if (code === FRAME_TYPE.reject) {
    const docId = r.optionalId('docId');
    const reasonCode = r.u8('reason');
    const reason = REASON_BY_CODE.get(reasonCode) ?? fail('malformed', `reject reason ${reasonCode}`);
    const deviceId = r.optionalId('deviceId');
    const seq = r.u64('seq');
    if ((deviceId === null) !== (seq === 0)) fail('malformed', 'reject deviceId and seq disagree');
    r.end();
    return { type: 'reject', docId, reason, deviceId, seq };
  }
  // Check the type before reading further, so an unknown type is reported as such even when short.
  if (!Object.values(FRAME_TYPE).includes(code as never)) fail('unknown-type', `frame type ${code}`);
  const docId = r.id('docId');
  let f: Frame;
  switch (code) {
    case FRAME_TYPE.hello: {
      const flags = r.u8('flags');
      if ((flags & ~HELLO_WRITE) !== 0) fail('malformed', `unknown hello flags ${flags}`);
      const write = flags === HELLO_WRITE;
      f = {
        type: 'hello',
        docId,
        write,
        knownSnapId: r.optionalId('knownSnapId'),
        sinceRelaySeq: r.u64('sinceRelaySeq'),
      };
      break;
    }
    case FRAME_TYPE.challenge:
      f = {
        type: 'challenge',
        docId,
        connectionId: r.id('connectionId'),
        nonce: r.bytes(CHALLENGE_NONCE_BYTES, 'nonce'),
      };
      break;
    case FRAME_TYPE.prove:
      f = {
        type: 'prove',
        docId,
        nonce: r.bytes(CHALLENGE_NONCE_BYTES, 'nonce'),
        signature: r.bytes(SIGNATURE_BYTES, 'signature'),
      };
      break;
    case FRAME_TYPE.create: {
      const writePub = r.bytes(PUBLIC_KEY_BYTES, 'writePub');
      const signature = r.bytes(SIGNATURE_BYTES, 'signature');
      const n = r.u8('inviteToken length');
      f = { type: 'create', docId, writePub, signature, inviteToken: r.bytes(n, 'inviteToken') };
      break;
    }
    case FRAME_TYPE.update: {
      const relaySeq = r.u64('relaySeq');
      f = { type: 'update', docId, relaySeq, envelope: envelopeOf(r, docId, 'update') };
      break;
    }
    case FRAME_TYPE.ack:
      f = { type: 'ack', docId, deviceId: r.id('deviceId'), seq: r.u64('seq'), relaySeq: r.u64('relaySeq') };
      if (f.seq < 1) fail('malformed', 'ack seq starts at 1');
      break;
    case FRAME_TYPE.snapshot: {
      const relaySeq = r.u64('relaySeq');
      f = { type: 'snapshot', docId, relaySeq, envelope: envelopeOf(r, docId, 'snapshot') };
      break;
    }
    case FRAME_TYPE.presence:
      f = { type: 'presence', docId, envelope: envelopeOf(r, docId, 'presence') };
      break;
    case FRAME_TYPE.synced:
      f = { type: 'synced', docId, relaySeq: r.u64('relaySeq') };
      break;
    case FRAME_TYPE.delete:
      f = {
        type: 'delete',
        docId,
        nonce: r.bytes(CHALLENGE_NONCE_BYTES, 'nonce'),
        signature: r.bytes(SIGNATURE_BYTES, 'signature'),
      };
      break;
    case FRAME_TYPE['blob-put']:
      f = { type: 'blob-put', docId, blobId: r.id('blobId'), data: r.var32(MAX_BLOB_BYTES, 'blob') };
      break;
    case FRAME_TYPE['blob-get']:
      f = { type: 'blob-get', docId, blobId: r.id('blobId') };
      break;
    case FRAME_TYPE.blob:
      f = { type: 'blob', docId, blobId: r.id('blobId'), data: r.var32(MAX_BLOB_BYTES, 'blob') };
      break;
    case FRAME_TYPE.signal:
      f = {
        type: 'signal',
        docId,
        from: r.id('from'),
        to: r.optionalId('to'),
        data: r.var32(MAX_SIGNAL_BYTES, 'signal'),
      };
      if (f.to === f.from) fail('malformed', 'signal addressed to its sender');
      break;
    case FRAME_TYPE.done: {
      const opCode = r.u8('op');
      const op = DONE_BY_CODE.get(opCode) ?? fail('malformed', `done op ${opCode}`);
      const blobId = r.optionalId('blobId');
      if ((op === 'blob-put') !== (blobId !== null)) fail('malformed', 'done blobId only for blob-put');
      f = { type: 'done', docId, op, blobId };
      break;
    }
    default:
      return fail('unknown-type', `frame type ${code}`);
  }
  r.end();
  return f;
}

/** The one decoder for bytes from the network: never throws, never reads past a length it has not checked. */
export function decodeFrame(bytes: Uint8Array): Result<Frame, DecodeError> {
  if (!(bytes instanceof Uint8Array)) return err('malformed', 'not bytes');
  if (bytes.length > MAX_FRAME_BYTES) return err('too-large', `frame of ${bytes.length} bytes`);
  try {
    return ok(readFrame(plainBytes(bytes)));
  } catch (e) {
    if (e instanceof DecodeFailure) return err(e.error, e.detail);
    throw e;
  }
}

function envelopeBytes(env: Envelope, docId: string): Uint8Array {
  if (env.docId !== docId) throw new TypeError('envelope docId differs from the frame docId');
  return env.bytes;
}

/** Encodes any frame; throws on misuse (wrong lengths, out-of-range numbers, a frame over the limit). */
export function encodeFrame(f: Frame): Uint8Array {
  const w = new Writer().u8(PROTOCOL_VERSION).u8(FRAME_TYPE[f.type]);
  switch (f.type) {
    case 'hello':
      w.id(f.docId, 'docId').u8(f.write ? HELLO_WRITE : 0);
      w.optionalId(f.knownSnapId, 'knownSnapId').u64(f.sinceRelaySeq);
      break;
    case 'challenge':
      w.id(f.docId, 'docId').id(f.connectionId, 'connectionId').fixed(f.nonce, CHALLENGE_NONCE_BYTES, 'nonce');
      break;
    case 'prove':
    case 'delete':
      w.id(f.docId, 'docId')
        .fixed(f.nonce, CHALLENGE_NONCE_BYTES, 'nonce')
        .fixed(f.signature, SIGNATURE_BYTES, 'signature');
      break;
    case 'create':
      if (f.inviteToken.length > MAX_INVITE_TOKEN_BYTES) throw new RangeError('invite token too long');
      w.id(f.docId, 'docId')
        .fixed(f.writePub, PUBLIC_KEY_BYTES, 'writePub')
        .fixed(f.signature, SIGNATURE_BYTES, 'signature');
      w.u8(f.inviteToken.length).fixed(f.inviteToken, f.inviteToken.length, 'inviteToken');
      break;
    case 'update':
    case 'snapshot': {
      const env = envelopeBytes(f.envelope, f.docId);
      w.id(f.docId, 'docId')
        .u64(f.relaySeq)
        .var32(env, MAX_CIPHERTEXT_BYTES + 128 * 1024, 'envelope');
      break;
    }
    case 'presence':
      w.id(f.docId, 'docId').var32(envelopeBytes(f.envelope, f.docId), MAX_CIPHERTEXT_BYTES + 128 * 1024, 'envelope');
      break;
    case 'ack':
      if (f.seq < 1) throw new RangeError('ack seq starts at 1');
      w.id(f.docId, 'docId').id(f.deviceId, 'deviceId').u64(f.seq).u64(f.relaySeq);
      break;
    case 'synced':
      w.id(f.docId, 'docId').u64(f.relaySeq);
      break;
    case 'reject':
      if ((f.deviceId === null) !== (f.seq === 0)) throw new TypeError('reject deviceId and seq go together');
      w.optionalId(f.docId, 'docId').u8(REJECT_REASON[f.reason]).optionalId(f.deviceId, 'deviceId').u64(f.seq);
      break;
    case 'blob-put':
    case 'blob':
      w.id(f.docId, 'docId').id(f.blobId, 'blobId').var32(f.data, MAX_BLOB_BYTES, 'blob');
      break;
    case 'blob-get':
      w.id(f.docId, 'docId').id(f.blobId, 'blobId');
      break;
    case 'signal':
      if (f.to === f.from) throw new TypeError('signal addressed to its sender');
      w.id(f.docId, 'docId').id(f.from, 'from').optionalId(f.to, 'to').var32(f.data, MAX_SIGNAL_BYTES, 'signal');
      break;
    case 'done':
      if ((f.op === 'blob-put') !== (f.blobId !== null)) throw new TypeError('done blobId only for blob-put');
      w.id(f.docId, 'docId').u8(DONE_OP[f.op]).optionalId(f.blobId, 'blobId');
      break;
    default: {
      const never: never = f;
      throw new TypeError(`unknown frame ${(never as Frame).type}`);
    }
  }
  const out = w.finish();
  if (out.length > MAX_FRAME_BYTES) throw new RangeError('frame exceeds MAX_FRAME_BYTES');
  return out;
}
