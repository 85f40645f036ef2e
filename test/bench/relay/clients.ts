/**
 * Client kinds, as the generator processes see them: open a client on a document and get its Y.Doc.
 * Everything the workloads measure goes through the Y.Doc (a keystroke is a Yjs insert; a delivery is
 * the receiver's state vector moving past it), so a stock stack (issue #5: y-websocket's
 * WebsocketProvider, @hocuspocus/provider) plugs in as one more ClientKind.
 */
import { toB64url } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability, parseFragment, formatFragment } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { openUpdate, type OpenError, type UpdateEnvelope } from '@dure/shared/protocol/index';
import type { Result } from '@dure/shared';
import { DEFAULT_BATCH_MS } from '@dure/shared/sync/session';
import type * as Y from 'yjs';
import { DureEngineClient } from './dure-engine';
import { DureFramesClient, type OpenUpdateFn } from './dure-frames';
import { hocuspocus, yWebsocket } from './stock';

/** Shared clock across processes (ms). */
export const now = (): number => performance.timeOrigin + performance.now();

/** Times (shared clock) a client went through while joining; for the join workload's phases. */
export interface Marks {
  start?: number;
  open?: number;
  hello?: number;
  snapshotFrame?: number;
  firstUpdate?: number;
  applied?: number;
  synced?: number;
}

export interface BenchClient {
  readonly doc: Y.Doc;
  readonly marks: Marks;
  /** resolves once the server's catch-up is applied */
  readonly synced: Promise<void>;
  /** problems seen (rejects, bad envelopes, gaps): a run with any is reported, not silently averaged */
  readonly problems: readonly string[];
  /** resolves once the server has stored (acknowledged) every local change so far */
  whenStored(): Promise<void>;
  close(): void;
}

/**
 * `--batch=MS`: dure-frames' batching window (OpenOptions.batchMs); absent: the engine's (DEFAULT_BATCH_MS).
 * `--batch=0` seals one envelope per keystroke, as the runs before the window did.
 */
export function parseBatchArg(argv: readonly string[]): number {
  const v = argv.find((x) => x.startsWith('--batch='))?.slice('--batch='.length);
  if (v === undefined) return DEFAULT_BATCH_MS;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error('--batch must be a whole number of ms ≥ 0');
  return n;
}

/** A document as a workload names it: `secret` is kind-specific (Dure: the edit link's fragment). */
export interface DocRef {
  readonly name: string;
  readonly secret: string;
}

export interface OpenOptions {
  readonly write: boolean;
  /** the first client of a new document registers it where the server needs that */
  readonly create?: boolean;
  /**
   * 'each': every client verifies and decrypts every envelope itself (what separate devices do);
   * 'process': the first client in this process to receive an envelope verifies and decrypts it and the
   * others reuse the plaintext (each still decodes the frame, checks seqs and applies to its own Y.Doc).
   * One core cannot verify Ed25519 for 200 clients × 50 updates/s (≈1.3 ms each), and on real devices that
   * work runs on 200 machines at once; the result of a verification is a pure function of the bytes.
   */
  readonly verify: 'each' | 'process';
  /**
   * dure-frames only: the batching window for local updates (default the engine's DEFAULT_BATCH_MS; 0 seals
   * one envelope per keystroke). The engine uses its own default; the stock providers have no such window.
   */
  readonly batchMs?: number;
}

export interface ClientKind {
  readonly name: string;
  newDoc(name: string): DocRef;
  open(url: string, ref: DocRef, opts: OpenOptions): BenchClient;
  /** Uploads the client's current document as a snapshot (Dure) or lets the server persist it; resolves when stored. */
  persist(client: BenchClient): Promise<void>;
  /** the kind that uploads fixtures for this one, when it cannot itself (same documents, same server) */
  readonly uploader?: string;
}

const keysByFragment = new Map<string, DocKeys>();

function keysOf(secret: string): DocKeys {
  let keys = keysByFragment.get(secret);
  if (!keys) {
    const cap = parseFragment(secret);
    if (!cap.ok) throw new Error(`not a Dure link fragment: ${cap.error}`);
    keys = deriveDocKeys(cap.value);
    keysByFragment.set(secret, keys);
  }
  return keys;
}

const verifiedPlaintext = new Map<string, Result<Uint8Array, OpenError>>();

/** openUpdate once per envelope per process (see OpenOptions.verify); keyed by the envelope's signature. */
const openUpdateOncePerProcess: OpenUpdateFn = (keys: DocKeys, env: UpdateEnvelope) => {
  const key = keys.docId + toB64url(env.bytes.subarray(env.bytes.length - 64));
  let r = verifiedPlaintext.get(key);
  if (!r) {
    if (verifiedPlaintext.size > 100_000) verifiedPlaintext.clear();
    r = openUpdate(keys, env);
    verifiedPlaintext.set(key, r);
  }
  return r;
};

/** Dure driven frame by frame (dure-frames.ts). */
export const dureFrames: ClientKind = {
  name: 'dure-frames',
  newDoc(name) {
    return { name, secret: formatFragment(newEditCapability()) };
  },
  open(url, ref, opts) {
    return new DureFramesClient({
      url,
      keys: keysOf(ref.secret),
      write: opts.write,
      create: opts.create,
      openUpdate: opts.verify === 'process' ? openUpdateOncePerProcess : openUpdate,
      ...(opts.batchMs === undefined ? {} : { batchMs: opts.batchMs }),
      now,
    });
  },
  async persist(client) {
    if (!(client instanceof DureFramesClient)) throw new Error('not a dure-frames client');
    await client.uploadSnapshot();
  },
};

/**
 * Dure's real engine (dure-engine.ts): every client verifies every envelope itself (OpenOptions.verify
 * does not apply), creates the document when it is unknown, and batches with its own window.
 */
export const dureEngine: ClientKind = {
  name: 'dure-engine',
  newDoc: dureFrames.newDoc,
  open(url, ref) {
    return new DureEngineClient(url, keysOf(ref.secret), now);
  },
  persist() {
    return Promise.reject(new Error('dure-engine uploads snapshots on its own schedule: use dure-frames'));
  },
  // the engine's snapshot plaintext is the same Yjs v2 state the frames client uploads
  uploader: 'dure-frames',
};

export const CLIENT_KINDS: Readonly<Record<string, ClientKind>> = {
  'dure-frames': dureFrames,
  'dure-engine': dureEngine,
  'y-websocket': yWebsocket,
  hocuspocus,
};
