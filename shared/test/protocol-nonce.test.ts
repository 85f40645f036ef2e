/**
 * E2EE 4.8 #25: encrypt 10⁶ messages and find no repeated 24-byte nonce. Nonces are random
 * (getRandomValues), so a repeat would mean a broken random source or a nonce taken from the wrong place:
 * under XChaCha20-Poly1305 one repeat under one key leaks the XOR of two plaintexts.
 * (There is no AES-GCM fallback with counters to check: every AEAD here is XChaCha20-Poly1305.)
 */
import { describe, expect, it } from 'vitest';
import { toHex } from '../src/bytes';
import { NONCE_BYTES, seal } from '../src/crypto/aead';
import { newId, sealPresence } from '../src/protocol/index';
import { newDoc } from './protocol-helpers';

describe('4.8 #25: nonce reuse', () => {
  it('10⁶ sealed records carry 10⁶ distinct nonces', { timeout: 120_000 }, () => {
    const key = new Uint8Array(32).fill(7);
    const seen = new Set<string>();
    const msg = new Uint8Array(8);
    for (let i = 0; i < 1_000_000; i++) seen.add(toHex(seal(key, msg).subarray(0, NONCE_BYTES)));
    expect(seen.size).toBe(1_000_000);
  });

  it('presence envelopes (the most frequent wire messages) never repeat a nonce', () => {
    const doc = newDoc();
    const sessionId = newId();
    const seen = new Set<string>();
    for (let counter = 1; counter <= 20_000; counter++) {
      const env = sealPresence(doc.view, { epoch: 0, sessionId, counter }, Uint8Array.of(1));
      // PROTOCOL.md, presence envelope: the nonce is bytes 22..46.
      seen.add(toHex(env.bytes.subarray(22, 22 + NONCE_BYTES)));
    }
    expect(seen.size).toBe(20_000);
  });
});
