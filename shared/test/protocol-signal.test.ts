import { describe, expect, it } from 'vitest';
import {
  MAX_SIGNAL_BYTES,
  MAX_SIGNAL_PAYLOAD_BYTES,
  decodeEnvelope,
  decodeFrame,
  encodeFrame,
  newId,
  newPeerId,
  openPresence,
  openSignal,
  sealSignal,
  type Frame,
} from '../src/protocol/index';
import { newDoc } from './protocol-helpers';

const doc = newDoc();
const utf8 = (s: string) => new TextEncoder().encode(s);

function signalFrame(from: string, to: string | null, data: Uint8Array): Extract<Frame, { type: 'signal' }> {
  return { type: 'signal', docId: doc.view.docId, from, to, data };
}

describe('signal frames', () => {
  it('lays out from, to and the sealed data after the docId (PROTOCOL.md "Signaling")', () => {
    const from = newId();
    const bytes = encodeFrame(signalFrame(from, null, Uint8Array.of(7, 8)));
    expect([...bytes.subarray(0, 2)]).toEqual([1, 0x10]);
    expect(Buffer.from(bytes.subarray(18, 34)).toString('base64url')).toBe(from);
    expect(bytes.subarray(34, 50).every((b) => b === 0)).toBe(true);
    expect([...bytes.subarray(50)]).toEqual([0, 0, 0, 2, 7, 8]);
    expect(bytes.length).toBe(54 + 2);
  });

  it('refuses a signal larger than MAX_SIGNAL_BYTES before reading it', () => {
    const ok = encodeFrame(signalFrame(newId(), null, new Uint8Array(MAX_SIGNAL_BYTES)));
    expect(decodeFrame(ok).ok).toBe(true);
    const big = new Uint8Array(ok.length + 1);
    big.set(ok);
    new DataView(big.buffer).setUint32(50, MAX_SIGNAL_BYTES + 1);
    expect(decodeFrame(big)).toMatchObject({ ok: false, error: 'too-large' });
    expect(() => encodeFrame(signalFrame(newId(), null, new Uint8Array(MAX_SIGNAL_BYTES + 1)))).toThrow(RangeError);
  });

  it('refuses an all-zero sender and a signal addressed to its sender', () => {
    const id = newId();
    const bytes = encodeFrame(signalFrame(id, null, Uint8Array.of(1)));
    const zeroFrom = bytes.slice();
    zeroFrom.fill(0, 18, 34);
    expect(decodeFrame(zeroFrom)).toMatchObject({ ok: false, error: 'malformed' });
    const self = bytes.slice();
    self.set(bytes.subarray(18, 34), 34);
    expect(decodeFrame(self)).toMatchObject({ ok: false, error: 'malformed' });
    expect(() => encodeFrame(signalFrame(id, id, Uint8Array.of(1)))).toThrow(TypeError);
  });
});

describe('sealed signals', () => {
  const a = newPeerId();
  const b = newPeerId();

  it('a viewer opens what an editor sealed, with the sender, the addressee and the counter', () => {
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: b, counter: 5 }, utf8('{"t":"offer"}'));
    const r = openSignal(doc.view, signalFrame(a, b, data), b);
    expect(r).toMatchObject({ ok: true, value: { from: a, to: b, counter: 5 } });
    if (r.ok) expect(new TextDecoder().decode(r.value.payload)).toBe('{"t":"offer"}');
  });

  it('carries no SDP in the clear', () => {
    const sdp = 'v=0 o=- 4611 2 IN IP4 10.200.0.1 a=candidate:1 1 udp 2122260223 10.200.0.1 50000 typ host';
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, utf8(sdp));
    const frame = encodeFrame(signalFrame(a, null, data));
    const text = Buffer.from(frame).toString('latin1');
    expect(text).not.toContain('10.200.0.1');
    expect(text).not.toContain('candidate');
  });

  it('refuses a signal the relay re-addressed, one for another peer, and one from this peer', () => {
    const c = newPeerId();
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: b, counter: 1 }, utf8('x'));
    expect(openSignal(doc.view, signalFrame(a, c, data), c)).toMatchObject({ ok: false, error: 'misrouted' });
    expect(openSignal(doc.view, signalFrame(c, b, data), b)).toMatchObject({ ok: false, error: 'misrouted' });
    expect(openSignal(doc.view, signalFrame(a, b, data), c)).toMatchObject({ ok: false, error: 'misrouted' });
    const mine = sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, utf8('x'));
    expect(openSignal(doc.view, signalFrame(a, null, mine), a)).toMatchObject({ ok: false, error: 'misrouted' });
  });

  it('refuses another document, a flipped bit, and garbage', () => {
    const other = newDoc();
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, utf8('x'));
    expect(openSignal(other.view, { ...signalFrame(a, null, data), docId: other.view.docId }, b)).toMatchObject({
      ok: false,
      error: 'wrong-doc',
    });
    const flipped = data.slice();
    flipped[flipped.length - 1]! ^= 1;
    expect(openSignal(doc.view, signalFrame(a, null, flipped), b)).toMatchObject({ ok: false, error: 'decrypt' });
    for (const junk of [new Uint8Array(0), Uint8Array.of(1, 4), new Uint8Array(200).fill(0xff)]) {
      expect(openSignal(doc.view, signalFrame(a, null, junk), b).ok).toBe(false);
    }
  });

  it('can never pass for a presence envelope under the same key', () => {
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, utf8('x'));
    const asEnvelope = decodeEnvelope(data);
    expect(asEnvelope.ok).toBe(false);
    const relabelled = data.slice();
    relabelled[1] = 3;
    const env = decodeEnvelope(relabelled);
    expect(env.ok).toBe(true);
    if (env.ok && env.value.kind === 'presence') {
      expect(openPresence(doc.view, env.value)).toMatchObject({ ok: false, error: 'decrypt' });
    }
  });

  it('bounds the payload so the sealed signal fits its frame', () => {
    const max = new Uint8Array(MAX_SIGNAL_PAYLOAD_BYTES);
    const data = sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, max);
    expect(data.length).toBe(MAX_SIGNAL_BYTES);
    expect(decodeFrame(encodeFrame(signalFrame(a, null, data))).ok).toBe(true);
    expect(() =>
      sealSignal(doc.edit, { epoch: 0, from: a, to: null, counter: 1 }, new Uint8Array(max.length + 1)),
    ).toThrow(RangeError);
  });
});
