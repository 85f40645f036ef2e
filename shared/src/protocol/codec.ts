import { fromB64url, toB64url } from '../bytes';

/** Why bytes from the network were refused. Every decode returns one of these instead of throwing. */
export type DecodeError =
  'truncated' | 'too-large' | 'trailing-bytes' | 'unsupported-version' | 'unknown-type' | 'malformed';

export const ID_BYTES = 16;

/**
 * Internal control flow for the reader: decoders throw it and the public decode functions catch
 * exactly this class, so a genuine bug still surfaces as an exception in tests.
 */
export class DecodeFailure {
  constructor(
    readonly error: DecodeError,
    readonly detail: string,
  ) {}
}

export function fail(error: DecodeError, detail: string): never {
  throw new DecodeFailure(error, detail);
}

/** Bounds-checked big-endian reader; every read names the field so a rejection says what was wrong. */
export class Reader {
  private pos = 0;
  private readonly dv: DataView;
  constructor(private readonly b: Uint8Array) {
    this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  }
  get offset(): number {
    return this.pos;
  }
  get remaining(): number {
    return this.b.length - this.pos;
  }
  private need(n: number, field: string): void {
    if (this.b.length - this.pos < n) fail('truncated', field);
  }
  u8(field: string): number {
    this.need(1, field);
    return this.b[this.pos++]!;
  }
  u16(field: string): number {
    this.need(2, field);
    const v = this.dv.getUint16(this.pos, false);
    this.pos += 2;
    return v;
  }
  u32(field: string): number {
    this.need(4, field);
    const v = this.dv.getUint32(this.pos, false);
    this.pos += 4;
    return v;
  }
  /** u64 on the wire, but only values up to 2^53 − 1 are valid, so every seq is an exact JS number. */
  u64(field: string): number {
    this.need(8, field);
    const hi = this.dv.getUint32(this.pos, false);
    const lo = this.dv.getUint32(this.pos + 4, false);
    if (hi > 0x1fffff) fail('malformed', `${field} exceeds 2^53-1`);
    this.pos += 8;
    return hi * 0x100000000 + lo;
  }
  /** A copy, so the caller may reuse or mutate the frame buffer afterwards. */
  bytes(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.b.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** A view into the input, for callers that own the buffer (an envelope reading its own bytes). */
  view(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  /** u32 length, then that many bytes; the length is checked against max before anything is copied. */
  var32(max: number, field: string, copy = true): Uint8Array {
    const n = this.u32(`${field} length`);
    if (n > max) fail('too-large', field);
    return copy ? this.bytes(n, field) : this.view(n, field);
  }
  id(field: string): string {
    const b = this.bytes(ID_BYTES, field);
    if (isZero(b)) fail('malformed', `${field} is all zeros`);
    return toB64url(b);
  }
  /** An id where sixteen zero bytes mean "none". */
  optionalId(field: string): string | null {
    const b = this.bytes(ID_BYTES, field);
    return isZero(b) ? null : toB64url(b);
  }
  end(): void {
    if (this.pos !== this.b.length) fail('trailing-bytes', `${this.b.length - this.pos} bytes after the last field`);
  }
}

/**
 * A plain Uint8Array over the same memory. Node's Buffer (what `ws` delivers, often a slice of a shared
 * pool) overrides slice() to return a view, which would let decoded fields alias the network buffer.
 */
export function plainBytes(b: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(b) === Uint8Array.prototype ? b : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

export function isZero(b: Uint8Array): boolean {
  let d = 0;
  for (const x of b) d |= x;
  return d === 0;
}

/** Builds a byte string; every writer validates its argument and throws on misuse (a bug, not input). */
export class Writer {
  private readonly parts: Uint8Array[] = [];
  private size = 0;
  private push(b: Uint8Array): this {
    this.parts.push(b);
    this.size += b.length;
    return this;
  }
  u8(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xff) throw new RangeError('u8 out of range');
    return this.push(Uint8Array.of(n));
  }
  u16(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffff) throw new RangeError('u16 out of range');
    return this.push(Uint8Array.of(n >>> 8, n & 0xff));
  }
  u32(n: number): this {
    if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError('u32 out of range');
    const b = new Uint8Array(4);
    new DataView(b.buffer).setUint32(0, n, false);
    return this.push(b);
  }
  u64(n: number): this {
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError('u64 must be a non-negative safe integer');
    const b = new Uint8Array(8);
    const v = new DataView(b.buffer);
    v.setUint32(0, Math.floor(n / 0x100000000), false);
    v.setUint32(4, n >>> 0, false);
    return this.push(b);
  }
  fixed(b: Uint8Array, n: number, what: string): this {
    if (!(b instanceof Uint8Array) || b.length !== n) throw new TypeError(`${what} must be ${n} bytes`);
    return this.push(b);
  }
  var32(b: Uint8Array, max: number, what: string): this {
    if (!(b instanceof Uint8Array)) throw new TypeError(`${what} must be bytes`);
    if (b.length > max) throw new RangeError(`${what} exceeds ${max} bytes`);
    return this.u32(b.length).push(b);
  }
  id(s: string, what: string): this {
    return this.push(idBytes(s, what));
  }
  optionalId(s: string | null, what: string): this {
    return s === null ? this.push(new Uint8Array(ID_BYTES)) : this.id(s, what);
  }
  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}

/** The 16 bytes of a base64url id; throws for anything else (ids come from our own code, not input). */
export function idBytes(s: string, what = 'id'): Uint8Array {
  const b = typeof s === 'string' ? fromB64url(s) : undefined;
  if (b === undefined || b.length !== ID_BYTES) throw new TypeError(`${what} must be a 16-byte base64url id`);
  if (isZero(b)) throw new TypeError(`${what} must not be all zeros (zero means "none" on the wire)`);
  return b;
}
