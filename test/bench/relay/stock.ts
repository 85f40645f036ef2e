/**
 * The stock stacks' own providers as benchmark clients (issue #5): y-websocket's WebsocketProvider against
 * @y/websocket-server, @hocuspocus/provider against @hocuspocus/server. Each client is one provider with
 * its own WebSocket (the `ws` package) and its own Y.Doc, with the providers' defaults (awareness on, no
 * client-side batching). Nothing is encrypted or signed: that is what these stacks do.
 */
import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { BenchClient, ClientKind, DocRef, Marks } from './clients';

const WAIT_MS = 60_000;

// y-websocket adds a process 'exit' listener per provider (to clear its awareness state); a generator holds
// hundreds of providers, which is intended here
process.setMaxListeners(0);
/**
 * For the join's phases: the first message this large is taken as the server's reply carrying the
 * document (sync step 2; the automerge-paper state is ≈ 160 KiB); the small ones before it are the
 * server's own sync step 1 and awareness.
 */
const DOCUMENT_MESSAGE_BYTES = 4096;

/** A `ws` client class that notes when it opened and when the first large message arrived. */
function timedSocketClass(
  marks: Marks,
  now: () => number,
): new (url: string, protocols?: string | string[]) => WebSocket {
  return class TimedWebSocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
      this.on('open', () => {
        // both providers send their sync step 1 (the "hello") from their open handler
        marks.open ??= now();
        marks.hello ??= marks.open;
      });
      // a Buffer, or an ArrayBuffer once the provider sets binaryType = 'arraybuffer' (y-websocket does)
      this.on('message', (data: { byteLength: number }) => {
        if (data.byteLength >= DOCUMENT_MESSAGE_BYTES) marks.snapshotFrame ??= now();
      });
    }
  };
}

function until(what: string, ready: () => boolean, subscribe: (check: () => void) => () => void): Promise<void> {
  if (ready()) return Promise.resolve();
  return new Promise((res, rej) => {
    const timer = setTimeout(() => {
      off();
      rej(new Error(`${what}: not within ${WAIT_MS} ms`));
    }, WAIT_MS);
    const off = subscribe(() => {
      if (!ready()) return;
      clearTimeout(timer);
      off();
      res();
    });
  });
}

abstract class StockClient implements BenchClient {
  readonly doc = new Y.Doc();
  readonly marks: Marks = {};
  readonly problems: string[] = [];
  abstract readonly synced: Promise<void>;

  constructor(protected readonly now: () => number) {
    this.marks.start = now();
    this.doc.on('afterTransaction', (tr: Y.Transaction) => {
      if (!tr.local) this.marks.applied = now();
    });
  }

  abstract whenStored(): Promise<void>;
  abstract close(): void;
}

// ---- y-websocket ------------------------------------------------------------------------------------

class YWebsocketClient extends StockClient {
  readonly synced: Promise<void>;
  readonly provider: WebsocketProvider;

  constructor(
    readonly url: string,
    readonly room: string,
    now: () => number,
  ) {
    super(now);
    this.provider = new WebsocketProvider(url, room, this.doc, {
      WebSocketPolyfill: timedSocketClass(this.marks, now) as unknown as typeof globalThis.WebSocket,
      disableBc: true,
      // a lost connection is a failed run, not something to ride out
      maxBackoffTime: 60_000,
    });
    this.provider.on('connection-error', () => this.problems.push('connection error'));
    this.synced = until(
      `y-websocket ${room} synced`,
      () => this.provider.synced,
      (check) => {
        const f = (): void => {
          if (this.provider.synced) this.marks.synced ??= now();
          check();
        };
        this.provider.on('sync', f);
        return () => this.provider.off('sync', f);
      },
    );
    this.synced.catch(() => {});
  }

  /**
   * The y-websocket server acknowledges nothing, so: a fresh provider in this process syncs from the server
   * until its state vector covers this client's (at most WAIT_MS). The server then holds every local change.
   */
  async whenStored(): Promise<void> {
    const want = Y.encodeStateVector(this.doc);
    const mine = Y.decodeStateVector(want);
    const deadline = this.now() + WAIT_MS;
    while (this.now() < deadline) {
      const probe = new YWebsocketClient(this.url, this.room, this.now);
      try {
        await probe.synced;
        const theirs = Y.decodeStateVector(Y.encodeStateVector(probe.doc));
        if ([...mine].every(([c, clock]) => (theirs.get(c) ?? 0) >= clock)) return;
      } finally {
        probe.close();
        probe.doc.destroy();
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`y-websocket ${this.room}: the server did not get this client's changes`);
  }

  close(): void {
    this.provider.destroy();
  }
}

export const yWebsocket: ClientKind = {
  name: 'y-websocket',
  newDoc(name: string): DocRef {
    return { name: `${name}-${Math.random().toString(36).slice(2, 10)}`, secret: '' };
  },
  open(url, ref) {
    return new YWebsocketClient(url, ref.name, performanceNow);
  },
  persist(client) {
    return client.whenStored();
  },
};

// ---- Hocuspocus ---------------------------------------------------------------------------------------

class HocuspocusClient extends StockClient {
  readonly synced: Promise<void>;
  readonly provider: HocuspocusProvider;
  private readonly socket: HocuspocusProviderWebsocket;

  constructor(url: string, room: string, now: () => number) {
    super(now);
    // one socket per client, as the provider makes when given only a url; built here to pass the timed class
    this.socket = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: timedSocketClass(this.marks, now) });
    this.provider = new HocuspocusProvider({ websocketProvider: this.socket, name: room, document: this.doc });
    this.provider.attach();
    this.provider.on('authenticationFailed', () => this.problems.push('authentication failed'));
    this.synced = until(
      `hocuspocus ${room} synced`,
      () => this.provider.synced,
      (check) => {
        const f = (): void => {
          if (this.provider.synced) this.marks.synced ??= now();
          check();
        };
        this.provider.on('synced', f);
        return () => this.provider.off('synced', f);
      },
    );
    this.synced.catch(() => {});
  }

  /** Hocuspocus answers every update with a sync-status message once applied: wait for none outstanding. */
  whenStored(): Promise<void> {
    return until(
      'hocuspocus unsynced changes',
      () => !this.provider.hasUnsyncedChanges,
      (check) => {
        this.provider.on('unsyncedChanges', check);
        return () => this.provider.off('unsyncedChanges', check);
      },
    );
  }

  close(): void {
    this.provider.destroy();
    this.socket.destroy();
  }
}

export const hocuspocus: ClientKind = {
  name: 'hocuspocus',
  newDoc: yWebsocket.newDoc,
  open(url, ref) {
    return new HocuspocusClient(url, ref.name, performanceNow);
  },
  persist(client) {
    return client.whenStored();
  },
};

function performanceNow(): number {
  return performance.timeOrigin + performance.now();
}
