/** Devices running real sessions against the real relay, for the integration tests. */
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession, type SessionOptions } from '@dure/shared/sync/session';
import type { Transport, TransportHandler } from '@dure/shared/sync/types';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import WebSocket from 'ws';
import * as Y from 'yjs';

export type Session = Awaited<ReturnType<typeof startSession>>;

export function newDocKeys(): { edit: DocKeys; view: DocKeys } {
  const cap = newEditCapability();
  return { edit: deriveDocKeys(cap), view: deriveDocKeys(viewCapabilityOf(cap)) };
}

/**
 * A transport that can be cut like a network cable: while cut, connection attempts fail at once and
 * nothing is sent. The real WebSocket transport underneath.
 */
export class CuttableTransport implements Transport {
  readonly kind = 'relay' as const;
  private readonly inner: Transport;
  private cut = false;
  private handler: TransportHandler | undefined;
  constructor(url: string, id?: string) {
    this.inner = createWebSocketTransport({ url, WebSocket, ...(id ? { id } : {}) });
    this.id = this.inner.id;
  }
  readonly id: string;
  get buffered(): number {
    return this.inner.buffered;
  }
  connect(handler: TransportHandler): void {
    if (this.cut) {
      queueMicrotask(() => handler.close({ code: 1006, reason: 'cable cut' }));
      return;
    }
    this.handler = handler;
    this.inner.connect({
      open: () => handler.open(),
      frame: (b) => {
        if (!this.cut) handler.frame(b);
      },
      close: (info) => {
        this.handler = undefined;
        handler.close(info);
      },
    });
  }
  send(frame: Uint8Array): boolean {
    return this.cut ? false : this.inner.send(frame);
  }
  disconnect(): void {
    this.inner.disconnect();
  }
  setCut(cut: boolean): void {
    this.cut = cut;
    if (cut && this.handler) this.inner.disconnect();
  }
}

/** One device: its storage and docKey survive session restarts. */
export class Device {
  readonly storage = new MemoryStorage();
  readonly docKey = randomBytes(32);
  ydoc = new Y.Doc();
  session: Session | undefined;
  transport: CuttableTransport | undefined;

  constructor(
    readonly url: string,
    readonly keys: DocKeys,
    private readonly extra: Partial<SessionOptions> = {},
  ) {}

  async start(opts: Partial<SessionOptions> = {}): Promise<Session> {
    this.transport = new CuttableTransport(this.url);
    this.session = await startSession({
      ydoc: this.ydoc,
      keys: this.keys,
      storage: this.storage,
      docKey: this.docKey,
      transports: [this.transport],
      saveDelayMs: 20,
      ...this.extra,
      ...opts,
    });
    return this.session;
  }

  get text(): string {
    return this.ydoc.getText('t').toString();
  }

  async close(): Promise<void> {
    await this.session?.close();
    this.session = undefined;
  }
}

/** Guards against a hang only; nothing asserts on how long anything took. */
const WAIT_MS = 20_000;

export async function until(pred: () => boolean, what: string, ms = WAIT_MS): Promise<void> {
  const stop = Date.now() + ms;
  for (;;) {
    if (pred()) return;
    if (Date.now() > stop) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
