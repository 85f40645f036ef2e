/**
 * One document on one relay, for a command that runs once: a sync session with in-memory storage
 * (nothing is kept on this machine) and the WebSocket transport over the `ws` package. Expected
 * failures (unreachable, refused, timeout) come back as values the CLI turns into a message.
 */
import WebSocket from 'ws';
import * as Y from 'yjs';
import { randomBytes } from '../src/bytes';
import { deriveDocKeys } from '../src/crypto/capability';
import type { Capability } from '../src/local/api';
import { err, ok, type Result } from '../src/result';
import { MemoryStorage } from '../src/storage/memory';
import { startSession } from '../src/sync/session';
import type { DocSession, SyncProblem, Transport, TransportClose, TransportHandler } from '../src/sync/types';
import { createWebSocketTransport } from '../src/sync/ws-transport';

export type RemoteError =
  /** the first connection attempt failed before it opened */
  | 'unreachable'
  | 'timeout'
  | 'invite-required'
  /** the document is not on this relay (a view link cannot create it) */
  | 'unknown-doc'
  /** the relay refused us for another reason (detail: its reject reason or close code) */
  | 'refused';

export interface RemoteDoc {
  readonly ydoc: Y.Doc;
  readonly session: DocSession;
  /** waits for `what` or the first failure, whichever comes first */
  until(what: (signal: AbortSignal) => Promise<void>): Promise<Result<void, RemoteError>>;
  close(): Promise<void>;
}

export interface RemoteOptions {
  readonly wsUrl: string;
  readonly capability: Capability;
  readonly inviteToken?: Uint8Array;
  /** an overall deadline for the whole command */
  readonly signal: AbortSignal;
  /** content to hold before the session starts (import): it is sealed as the first local change */
  readonly fill?: (ydoc: Y.Doc) => void;
}

/** Reports through `onFailure` when the very first attempt closes before it ever opened. */
function watchedTransport(inner: Transport, onFailure: (info: TransportClose) => void): Transport {
  let everOpen = false;
  return {
    id: inner.id,
    kind: inner.kind,
    get buffered() {
      return inner.buffered;
    },
    connect(handler: TransportHandler) {
      inner.connect({
        open: () => {
          everOpen = true;
          handler.open();
        },
        frame: (b) => handler.frame(b),
        close: (info) => {
          if (!everOpen || info.fatal) onFailure(info);
          handler.close(info);
        },
      });
    },
    send: (f) => inner.send(f),
    disconnect: () => inner.disconnect(),
  };
}

const FATAL_REJECTS = new Set(['bad-signature', 'too-many-devices', 'too-large', 'wrong-epoch', 'malformed']);

function problemError(p: SyncProblem): { error: RemoteError; detail?: string } | undefined {
  if (p.kind === 'unknown-doc') return { error: 'unknown-doc' };
  if (p.kind === 'rejected' && p.detail === 'invite-required') return { error: 'invite-required' };
  if (p.kind === 'rejected' && p.detail !== undefined && FATAL_REJECTS.has(p.detail))
    return { error: 'refused', detail: p.detail };
  return undefined;
}

export async function openRemote(opts: RemoteOptions): Promise<RemoteDoc> {
  const ydoc = new Y.Doc();
  opts.fill?.(ydoc);
  let failed: ((e: { error: RemoteError; detail?: string }) => void) | undefined;
  const failure = new Promise<{ error: RemoteError; detail?: string }>((resolve) => (failed = resolve));
  const transport = watchedTransport(createWebSocketTransport({ url: opts.wsUrl, WebSocket }), (info) =>
    failed!(
      info.fatal
        ? { error: 'refused', detail: `closed ${info.code}` }
        : { error: 'unreachable', detail: info.reason || `closed ${info.code}` },
    ),
  );
  const session = await startSession({
    ydoc,
    keys: deriveDocKeys(opts.capability),
    storage: new MemoryStorage(),
    docKey: randomBytes(32),
    transports: [transport],
    ...(opts.inviteToken ? { inviteToken: opts.inviteToken } : {}),
  });
  const offProblem = session.on('problem', (p) => {
    const e = problemError(p);
    if (e) failed!(e);
  });
  const timedOut = new Promise<{ error: RemoteError }>((resolve) => {
    if (opts.signal.aborted) resolve({ error: 'timeout' });
    else opts.signal.addEventListener('abort', () => resolve({ error: 'timeout' }), { once: true });
  });
  return {
    ydoc,
    session,
    async until(what) {
      const stop = new AbortController();
      const done = what(AbortSignal.any([stop.signal, opts.signal])).then(
        () => ok(undefined),
        // an abort of `what` is reported by `timedOut` or `failure`, whichever caused it
        () => new Promise<never>(() => {}),
      );
      const r = await Promise.race([
        done,
        failure.then((f) => err(f.error, f.detail)),
        timedOut.then((t) => err(t.error)),
      ]);
      stop.abort();
      return r;
    },
    async close() {
      offProblem();
      await session.close();
      ydoc.destroy();
    },
  };
}
