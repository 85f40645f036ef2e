import { describe, expect, it } from 'vitest';
import {
  FRAME_TYPE,
  MAX_BLOB_BYTES,
  MAX_FRAME_BYTES,
  decodeFrame,
  encodeFrame,
  type Frame,
} from '../src/protocol/index';
import { newDoc, sampleFrames } from './protocol-helpers';

const doc = newDoc();
const frames = sampleFrames(doc);

function decodeOk(bytes: Uint8Array): Frame {
  const r = decodeFrame(bytes);
  if (!r.ok) throw new Error(`decode failed: ${r.error} ${r.detail ?? ''}`);
  return r.value;
}

describe('frames', () => {
  it('covers every frame type in the samples', () => {
    expect(new Set(frames.map((f) => f.type))).toEqual(new Set(Object.keys(FRAME_TYPE)));
  });

  it.each(frames.map((f, i) => [`${i} ${f.type}`, f] as const))('round-trips %s', (_name, f) => {
    const bytes = encodeFrame(f);
    expect(bytes[0]).toBe(1);
    expect(bytes[1]).toBe(FRAME_TYPE[f.type]);
    const back = decodeOk(bytes);
    expect(back).toEqual(f);
    // Canonical: re-encoding the decoded frame gives the same bytes.
    expect(encodeFrame(back)).toEqual(bytes);
  });

  it('puts the docId at bytes 2..18 of every document frame', () => {
    for (const f of frames) {
      const bytes = encodeFrame(f);
      const head = bytes.subarray(2, 18);
      if (f.docId === null) expect(head.every((b) => b === 0)).toBe(true);
      else expect(Buffer.from(head).toString('base64url')).toBe(f.docId);
    }
  });

  it('rejects every truncation of every frame', () => {
    for (const f of frames) {
      const bytes = encodeFrame(f);
      for (let n = 0; n < bytes.length; n++) {
        const r = decodeFrame(bytes.subarray(0, n));
        expect(r.ok, `${f.type} cut at ${n} of ${bytes.length}`).toBe(false);
      }
    }
  });

  it('rejects trailing bytes', () => {
    for (const f of frames) {
      const bytes = encodeFrame(f);
      const longer = new Uint8Array(bytes.length + 1);
      longer.set(bytes);
      const r = decodeFrame(longer);
      expect(r.ok).toBe(false);
      // Envelope frames end in an envelope whose length prefix now disagrees: either error names the cause.
      if (!r.ok) expect(['trailing-bytes', 'truncated']).toContain(r.error);
    }
  });

  it('names unknown versions and types', () => {
    const bytes = encodeFrame(frames[0]!);
    const v2 = bytes.slice();
    v2[0] = 2;
    expect(decodeFrame(v2)).toMatchObject({ ok: false, error: 'unsupported-version' });
    const t = bytes.slice();
    t[1] = 0x7f;
    expect(decodeFrame(t)).toMatchObject({ ok: false, error: 'unknown-type' });
    expect(decodeFrame(Uint8Array.of(1, 0))).toMatchObject({ ok: false, error: 'unknown-type' });
    expect(decodeFrame(new Uint8Array(0))).toMatchObject({ ok: false, error: 'truncated' });
  });

  it('refuses an oversized frame before reading it, and a length prefix larger than the limit', () => {
    expect(decodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1))).toMatchObject({ ok: false, error: 'too-large' });
    const put = encodeFrame({
      type: 'blob-put',
      docId: doc.edit.docId,
      blobId: frames[16]!.docId!,
      data: new Uint8Array(0),
    });
    // blob length field sits after version, type, docId and blobId.
    new DataView(put.buffer).setUint32(34, 0xffffffff, false);
    expect(decodeFrame(put)).toMatchObject({ ok: false, error: 'too-large' });
  });

  it('rejects an envelope whose docId differs from the frame docId', () => {
    const f = frames.find((x) => x.type === 'update')!;
    const other = newDoc().edit.docId;
    const bytes = encodeFrame(f);
    bytes.set(Buffer.from(other, 'base64url'), 2);
    expect(decodeFrame(bytes)).toMatchObject({ ok: false, error: 'malformed' });
    expect(() => encodeFrame({ ...f, docId: other } as Frame)).toThrow(TypeError);
  });

  it('rejects all-zero ids, u64 beyond 2^53 and unknown reject reasons', () => {
    const hello = encodeFrame(frames[0]!);
    const zero = hello.slice();
    zero.fill(0, 2, 18);
    expect(decodeFrame(zero)).toMatchObject({ ok: false, error: 'malformed' });
    const big = hello.slice();
    big[35] = 0x00;
    big[36] = 0x20; // sinceRelaySeq's hi word 0x00200000 → 2^53
    expect(decodeFrame(big)).toMatchObject({ ok: false, error: 'malformed' });
    const flags = hello.slice();
    flags[18] = 0x02; // a reserved hello flag
    expect(decodeFrame(flags)).toMatchObject({ ok: false, error: 'malformed' });
    const rej = encodeFrame(frames.find((x) => x.type === 'reject')!);
    rej[18] = 200;
    expect(decodeFrame(rej)).toMatchObject({ ok: false, error: 'malformed' });
  });

  it('decodes a Node Buffer slice of a shared pool into fields that do not alias it', () => {
    const f = frames.find((x) => x.type === 'blob-put')!;
    const bytes = encodeFrame(f);
    const pool = Buffer.alloc(bytes.length + 100, 0xee);
    pool.set(bytes, 37);
    const slice = pool.subarray(37, 37 + bytes.length);
    const back = decodeOk(slice);
    expect(back).toEqual(f);
    pool.fill(0);
    expect(back).toEqual(f);
    if (back.type !== 'blob-put') throw new Error('type');
    expect(Object.getPrototypeOf(back.data)).toBe(Uint8Array.prototype);
  });

  it('carries a blob of exactly the limit and refuses one byte more (encoder throws, decoder names it)', () => {
    const docId = doc.edit.docId;
    const blobId = (frames.find((x) => x.type === 'blob-get') as { blobId: string }).blobId;
    const big = new Uint8Array(MAX_BLOB_BYTES).fill(0x5a);
    const back = decodeOk(encodeFrame({ type: 'blob', docId, blobId, data: big }));
    expect(back.type === 'blob' && back.data.length).toBe(MAX_BLOB_BYTES);
    expect(() => encodeFrame({ type: 'blob', docId, blobId, data: new Uint8Array(MAX_BLOB_BYTES + 1) })).toThrow(
      RangeError,
    );
    const header = encodeFrame({ type: 'blob', docId, blobId, data: new Uint8Array(0) });
    const over = new Uint8Array(header.length + MAX_BLOB_BYTES + 1);
    over.set(header);
    new DataView(over.buffer).setUint32(34, MAX_BLOB_BYTES + 1, false);
    expect(decodeFrame(over)).toMatchObject({ ok: false, error: 'too-large' });
  });

  it('throws on misuse when encoding', () => {
    const docId = doc.edit.docId;
    expect(() =>
      encodeFrame({ type: 'hello', docId: 'nope', write: false, knownSnapId: null, sinceRelaySeq: 0 }),
    ).toThrow(TypeError);
    expect(() => encodeFrame({ type: 'hello', docId, write: false, knownSnapId: null, sinceRelaySeq: -1 })).toThrow(
      RangeError,
    );
    expect(() =>
      encodeFrame({ type: 'hello', docId, write: false, knownSnapId: null, sinceRelaySeq: 2 ** 53 }),
    ).toThrow(RangeError);
    expect(() =>
      encodeFrame({ type: 'prove', docId, nonce: new Uint8Array(31), signature: new Uint8Array(64) }),
    ).toThrow(TypeError);
    expect(() => encodeFrame({ type: 'reject', docId, reason: 'malformed', deviceId: null, seq: 3 })).toThrow(
      TypeError,
    );
  });
});
