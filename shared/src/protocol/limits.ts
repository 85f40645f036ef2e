/**
 * Protocol constants shared by clients and the relay. The codec enforces the size limits; rate limits,
 * documents per connection and the prove deadline are the server's to enforce (defaults named here so
 * both sides and PROTOCOL.md agree on one number).
 */
export const PROTOCOL_VERSION = 1;

/** Largest frame either side accepts; the WebSocket layer should use the same maxPayload. */
export const MAX_FRAME_BYTES = 9 * 1024 * 1024;
/** Encrypted image blobs; a frame must hold one plus its small header. */
export const MAX_BLOB_BYTES = 8 * 1024 * 1024;
/** Ciphertext of one update, snapshot or presence envelope. */
export const MAX_CIPHERTEXT_BYTES = 8 * 1024 * 1024;
/** Device entries one snapshot may claim to cover (bounds deviceId spam, E2EE 4.4 rule 5). */
export const MAX_SNAPSHOT_DEVICES = 4096;
/** A sealed WebRTC signal (an SDP offer or answer with its ICE candidates needs 1–3 KiB). */
export const MAX_SIGNAL_BYTES = 16 * 1024;
/** An optional token a relay may require before it registers new documents. */
export const MAX_INVITE_TOKEN_BYTES = 255;

export const SERVER_DEFAULTS = {
  framesPerSecond: 200,
  documentsPerConnection: 1000,
  devicesPerDocument: 4096,
  /** Counted from the challenge; traffic does not extend it. */
  proveDeadlineMs: 30_000,
} as const;

/** WebSocket close codes for protocol errors (4000–4999 is the application range of RFC 6455). */
export const CLOSE = {
  /** A frame failed to decode. */
  malformed: 4000,
  unsupportedVersion: 4001,
  frameTooLarge: 4002,
  rateLimited: 4003,
  /** A challenge was not answered before its deadline. */
  proveTimeout: 4004,
  tooManyDocuments: 4005,
  /** The server failed (not the client's fault); reconnect later. */
  internal: 4006,
} as const;
export type CloseCode = (typeof CLOSE)[keyof typeof CLOSE];
