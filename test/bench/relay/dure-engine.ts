/**
 * Dure's real client engine as a benchmark client: startSession (shared/src/sync/session.ts) over the
 * WebSocket transport, with in-memory storage for its outbox and receive positions (as the CLI runs it in
 * Node: no LocalDoc). Its defaults are kept, batching window included (40 ms while synced), so a keystroke's
 * latency includes the wait for its window. A thin wrapper around the transport notes when the hello left
 * and the first snapshot / update frame arrived, for the join workload's phases.
 */
import { randomBytes } from '@dure/shared/bytes';
import type { DocKeys } from '@dure/shared/local/api';
import { FRAME_TYPE } from '@dure/shared/protocol/index';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession, SYNC_ORIGIN } from '@dure/shared/sync/session';
import type { Transport, TransportHandler } from '@dure/shared/sync/types';
import { createWebSocketTransport, type WebSocketClass } from '@dure/shared/sync/ws-transport';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { BenchClient, Marks } from './clients';

type Session = Awaited<ReturnType<typeof startSession>>;

function timedTransport(url: string, marks: Marks, now: () => number): Transport {
  const inner = createWebSocketTransport({ url, WebSocket: WebSocket as unknown as WebSocketClass });
  return {
    id: inner.id,
    kind: inner.kind,
    get buffered() {
      return inner.buffered;
    },
    connect(handler: TransportHandler) {
      inner.connect({
        open() {
          marks.open ??= now();
          handler.open();
        },
        frame(bytes) {
          const t = now();
          if (bytes[1] === FRAME_TYPE.snapshot) marks.snapshotFrame ??= t;
          else if (bytes[1] === FRAME_TYPE.update) marks.firstUpdate ??= t;
          handler.frame(bytes);
        },
        close(info) {
          handler.close(info);
        },
      });
    },
    send(frame) {
      if (frame[1] === FRAME_TYPE.hello) marks.hello ??= now();
      return inner.send(frame);
    },
    disconnect() {
      inner.disconnect();
    },
  };
}

export class DureEngineClient implements BenchClient {
  readonly doc = new Y.Doc();
  readonly marks: Marks = {};
  readonly synced: Promise<void>;
  readonly problems: string[] = [];
  private readonly session: Promise<Session>;

  constructor(url: string, keys: DocKeys, now: () => number) {
    this.marks.start = now();
    this.doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (tr.origin === SYNC_ORIGIN) this.marks.applied = now();
    });
    this.session = startSession({
      ydoc: this.doc,
      keys,
      storage: new MemoryStorage(),
      docKey: randomBytes(32),
      transports: [timedTransport(url, this.marks, now)],
    });
    this.session.then(
      (s) => s.on('problem', (p) => this.problems.push(`${p.kind}${p.detail ? `: ${p.detail}` : ''}`)),
      () => {},
    );
    this.synced = this.session.then(async (s) => {
      await s.whenSynced();
      this.marks.synced ??= now();
    });
    this.synced.catch(() => {});
  }

  async whenStored(): Promise<void> {
    await (await this.session).whenAcknowledged();
  }

  close(): void {
    void this.session.then((s) => s.close());
  }
}
