import { toB64url } from '../bytes';
import { err, ok, type Result } from '../result';
import { idBytes, DecodeFailure, Reader, Writer, fail, plainBytes, type DecodeError } from './codec';
import { decodeFrame, encodeFrame, type Frame } from './frames';
import { PROOF_BYTES } from './envelope';
import { MAX_FRAME_BYTES, MAX_SNAPSHOT_DEVICES, PROTOCOL_VERSION } from './limits';

/**
 * Frames between two peers (a tab, a WebRTC data channel, a memory link): the relay never sees these.
 * A peer link carries the relay frames `update`, `snapshot` and `presence` unchanged (relaySeq 0) plus
 * one frame of its own, `peer-hello` (type 0x20; 0x20–0x2f are reserved for peer links). Byte layout in
 * PROTOCOL.md, "Peer frames".
 */
export const PEER_HELLO = 0x20;
/** hello flag bit 0: the sender holds an edit link. */
export const PEER_HELLO_EDIT = 0x01;
/** hello flag bit 1: answer with a hello (a liveness probe, or the first hello of a connection). */
export const PEER_HELLO_REPLY = 0x02;
/** relay snapshot heads one hello may carry */
export const MAX_PEER_HEADS = 16;
/** a relay id (the transport id, e.g. its URL) in a head: 1..255 UTF-8 bytes */
export const MAX_RELAY_ID_BYTES = 255;

/** Close codes a session uses when it drops a peer (peer media that carry codes pass them on). */
export const PEER_CLOSE = {
  /** a frame that did not decode, a frame type peers do not send, or another document's frame */
  malformed: 4100,
  /** more frames or bytes per second than PEER_LIMITS allow */
  flood: 4101,
  /** no frame within the liveness deadline after a probe */
  silent: 4102,
  /** an envelope that failed to verify or decrypt (e.g. a view-link holder signing with another key) */
  forged: 4103,
} as const;
export type PeerCloseName = keyof typeof PEER_CLOSE;

export const PEER_LIMITS = {
  /** frames a peer may send per second (a burst of one second's worth) before it is dropped */
  framesPerSecond: 400,
  /** bytes a peer may send per second (catch-up of a large document is one snapshot frame) */
  bytesPerSecond: 32 * 1024 * 1024,
  /** one frame; the same as from a relay */
  frameBytes: MAX_FRAME_BYTES,
} as const;

/** A relay's snapshot as a peer knows it: enough to tell two chains apart, not to verify one. */
export interface PeerHead {
  /** the relay's transport id as the sender names it (the same URL names the same relay) */
  readonly relayId: string;
  readonly snapId: string;
  readonly proof: Uint8Array;
  readonly parent: { readonly snapId: string; readonly proof: Uint8Array } | null;
}

export interface PeerHello {
  readonly type: 'peer-hello';
  readonly docId: string;
  readonly edit: boolean;
  readonly reply: boolean;
  /** per device, the highest seq the sender has applied with no hole below it (sorted by id bytes) */
  readonly has: readonly { readonly deviceId: string; readonly through: number }[];
  /** the sender's latest snapshot per relay (sorted by relayId bytes) */
  readonly heads: readonly PeerHead[];
}

export type PeerFrame =
  | PeerHello
  | Extract<Frame, { type: 'update' }>
  | Extract<Frame, { type: 'snapshot' }>
  | Extract<Frame, { type: 'presence' }>;

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function readHello(bytes: Uint8Array): PeerHello {
  const r = new Reader(bytes);
  const version = r.u8('version');
  if (version !== PROTOCOL_VERSION) fail('unsupported-version', `frame version ${version}`);
  if (r.u8('type') !== PEER_HELLO) fail('unknown-type', 'not a peer-hello');
  const docId = r.id('docId');
  const flags = r.u8('flags');
  if ((flags & ~(PEER_HELLO_EDIT | PEER_HELLO_REPLY)) !== 0) fail('malformed', `unknown peer-hello flags ${flags}`);
  const count = r.u16('device count');
  if (count > MAX_SNAPSHOT_DEVICES) fail('too-large', 'device count');
  const has: { deviceId: string; through: number }[] = [];
  let prev: Uint8Array | undefined;
  for (let i = 0; i < count; i++) {
    const raw = r.bytes(16, 'deviceId');
    if (prev && compareBytes(prev, raw) >= 0) fail('malformed', 'devices not strictly ascending');
    prev = raw;
    if (raw.every((x) => x === 0)) fail('malformed', 'deviceId is all zeros');
    const through = r.u64('through');
    if (through === 0) fail('malformed', 'through is zero');
    has.push({ deviceId: toB64url(raw), through });
  }
  const headCount = r.u8('head count');
  if (headCount > MAX_PEER_HEADS) fail('too-large', 'head count');
  const heads: PeerHead[] = [];
  let prevRelay: Uint8Array | undefined;
  for (let i = 0; i < headCount; i++) {
    const len = r.u8('relayId length');
    if (len === 0) fail('malformed', 'empty relayId');
    const rawRelay = r.bytes(len, 'relayId');
    if (prevRelay && compareBytes(prevRelay, rawRelay) >= 0) fail('malformed', 'heads not strictly ascending');
    prevRelay = rawRelay;
    let relayId: string;
    try {
      relayId = decoder.decode(rawRelay);
    } catch {
      fail('malformed', 'relayId is not UTF-8');
    }
    const snapId = r.id('snapId');
    const proof = r.bytes(PROOF_BYTES, 'proof');
    const parentId = r.optionalId('parent snapId');
    const parentProof = r.bytes(PROOF_BYTES, 'parent proof');
    if (parentId === null && parentProof.some((x) => x !== 0)) fail('malformed', 'parent proof without a parent');
    heads.push({ relayId, snapId, proof, parent: parentId === null ? null : { snapId: parentId, proof: parentProof } });
  }
  r.end();
  return {
    type: 'peer-hello',
    docId,
    edit: (flags & PEER_HELLO_EDIT) !== 0,
    reply: (flags & PEER_HELLO_REPLY) !== 0,
    has,
    heads,
  };
}

/**
 * The one decoder for bytes from a peer (never throws on input). Anything a relay sends and a peer must
 * not (ack, synced, challenge, ...), or an update/snapshot with a relaySeq, is `malformed`.
 */
export function decodePeerFrame(input: Uint8Array): Result<PeerFrame, DecodeError> {
  const bytes = plainBytes(input);
  if (bytes.length > PEER_LIMITS.frameBytes) return err('too-large');
  if (bytes.length >= 2 && bytes[0] === PROTOCOL_VERSION && bytes[1] === PEER_HELLO) {
    try {
      return ok(readHello(bytes));
    } catch (e) {
      if (e instanceof DecodeFailure) return err(e.error);
      throw e;
    }
  }
  const f = decodeFrame(bytes);
  if (!f.ok) return f;
  const v = f.value;
  if (v.type === 'presence') return ok(v);
  if ((v.type === 'update' || v.type === 'snapshot') && v.relaySeq === 0) return ok(v);
  return err('malformed');
}

/** Encodes a peer frame; throws on misuse (unsorted, duplicate or out-of-range fields). */
export function encodePeerFrame(f: PeerFrame): Uint8Array {
  if (f.type !== 'peer-hello') {
    if (f.type !== 'presence' && f.relaySeq !== 0) throw new RangeError('peer frames carry relaySeq 0');
    return encodeFrame(f);
  }
  if (f.has.length > MAX_SNAPSHOT_DEVICES) throw new RangeError('too many devices in a peer-hello');
  if (f.heads.length > MAX_PEER_HEADS) throw new RangeError('too many heads in a peer-hello');
  const w = new Writer()
    .u8(PROTOCOL_VERSION)
    .u8(PEER_HELLO)
    .id(f.docId, 'docId')
    .u8((f.edit ? PEER_HELLO_EDIT : 0) | (f.reply ? PEER_HELLO_REPLY : 0))
    .u16(f.has.length);
  const has = f.has.map((h) => ({ raw: idBytes(h.deviceId, 'deviceId'), through: h.through }));
  has.sort((a, b) => compareBytes(a.raw, b.raw));
  for (let i = 0; i < has.length; i++) {
    if (i > 0 && compareBytes(has[i - 1]!.raw, has[i]!.raw) === 0) throw new TypeError('duplicate device');
    if (has[i]!.through < 1) throw new RangeError('through must be ≥ 1');
    w.fixed(has[i]!.raw, 16, 'deviceId').u64(has[i]!.through);
  }
  const heads = f.heads.map((h) => ({ raw: encoder.encode(h.relayId), h }));
  heads.sort((a, b) => compareBytes(a.raw, b.raw));
  w.u8(heads.length);
  for (let i = 0; i < heads.length; i++) {
    const { raw, h } = heads[i]!;
    if (raw.length === 0 || raw.length > MAX_RELAY_ID_BYTES) throw new RangeError('relayId must be 1..255 bytes');
    if (i > 0 && compareBytes(heads[i - 1]!.raw, raw) === 0) throw new TypeError('duplicate relayId');
    w.u8(raw.length)
      .fixed(raw, raw.length, 'relayId')
      .id(h.snapId, 'snapId')
      .fixed(h.proof, PROOF_BYTES, 'proof')
      .optionalId(h.parent?.snapId ?? null, 'parent snapId')
      .fixed(h.parent?.proof ?? new Uint8Array(PROOF_BYTES), PROOF_BYTES, 'parent proof');
  }
  return w.finish();
}
