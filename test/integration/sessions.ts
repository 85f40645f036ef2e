/** Devices running real sessions against the real relay, for the integration tests. */
import { randomBytes } from '@dure/shared/bytes';
import { deriveDocKeys, newEditCapability, viewCapabilityOf } from '@dure/shared/crypto/capability';
import type { Capability, DocKeys } from '@dure/shared/local/api';
import { LocalDoc } from '@dure/shared/local/localdoc';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession, type SessionOptions } from '@dure/shared/sync/session';
import type { Transport, TransportHandler } from '@dure/shared/sync/types';
import { createWebSocketTransport } from '@dure/shared/sync/ws-transport';
import WebSocket from 'ws';
import * as Y from 'yjs';

export type Session = Awaited<ReturnType<typeof startSession>>;

export interface DocLink {
  readonly capability: Capability;
  readonly keys: DocKeys;
}

export function newDocKeys(): { edit: DocLink; view: DocLink } {
  const cap = newEditCapability();
  const view = viewCapabilityOf(cap);
  return { edit: { capability: cap, keys: deriveDocKeys(cap) }, view: { capability: view, keys: deriveDocKeys(view) } };
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

/**
 * One device as the app runs it: LocalDoc keeps the Y.Doc in the device's storage, the session syncs it.
 * Storage and docKey survive restarts; every start opens a fresh Y.Doc from storage.
 */
export class Device {
  readonly storage = new MemoryStorage();
  readonly docKey = randomBytes(32);
  ydoc = new Y.Doc();
  local: LocalDoc | undefined;
  session: Session | undefined;
  transport: CuttableTransport | undefined;
  readonly keys: DocKeys;

  constructor(
    readonly url: string,
    readonly link: DocLink,
    private readonly extra: Partial<SessionOptions> = {},
  ) {
    this.keys = link.keys;
  }

  async start(opts: Partial<SessionOptions> = {}): Promise<Session> {
    this.ydoc = new Y.Doc();
    const secrets = { docId: this.keys.docId, docKey: this.docKey, capability: this.link.capability, keys: this.keys };
    const opened = await LocalDoc.open(this.storage, secrets, this.ydoc, { coalesceMs: 10 });
    if (!opened.ok) throw new Error(`LocalDoc did not open: ${opened.error}`);
    const local = opened.value;
    this.local = local;
    this.transport = new CuttableTransport(this.url);
    this.session = await startSession({
      ydoc: this.ydoc,
      keys: this.keys,
      storage: this.storage,
      docKey: this.docKey,
      transports: [this.transport],
      saveDelayMs: 20,
      durable: () => local.flush(),
      ...this.extra,
      ...opts,
    });
    return this.session;
  }

  get text(): string {
    return this.ydoc.getText('t').toString();
  }

  /** The session stops dead (nothing written, timers gone); LocalDoc had stored the Y.Doc, as it does within its window. */
  async crash(): Promise<void> {
    await this.local?.flush();
    this.session?.abandon();
    await this.local?.close();
    this.session = undefined;
    this.local = undefined;
  }

  async close(): Promise<void> {
    await this.session?.close();
    await this.local?.close();
    this.session = undefined;
    this.local = undefined;
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
