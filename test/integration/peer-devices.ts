/** Devices (LocalDoc + session) whose transports the test chooses: relays, memory peer links, or both. */
import { randomBytes } from '@dure/shared/bytes';
import { LocalDoc } from '@dure/shared/local/localdoc';
import { MemoryStorage } from '@dure/shared/storage/memory';
import { startSession, type SessionOptions } from '@dure/shared/sync/session';
import type { Transport } from '@dure/shared/sync/types';
import * as Y from 'yjs';
import type { DocLink, Session } from './sessions';

export class PeerDevice {
  readonly storage = new MemoryStorage();
  readonly docKey = randomBytes(32);
  ydoc = new Y.Doc();
  local: LocalDoc | undefined;
  session: Session | undefined;

  constructor(
    readonly name: string,
    readonly link: DocLink,
    private readonly extra: Partial<SessionOptions> = {},
  ) {}

  /** Opens the Y.Doc from storage (as the app does) and starts a session over `transports`. */
  async start(transports: readonly Transport[], opts: Partial<SessionOptions> = {}): Promise<Session> {
    this.ydoc = new Y.Doc();
    const { keys, capability } = this.link;
    const secrets = { docId: keys.docId, docKey: this.docKey, capability, keys };
    const opened = await LocalDoc.open(this.storage, secrets, this.ydoc, { coalesceMs: 10 });
    if (!opened.ok) throw new Error(`LocalDoc did not open: ${opened.error}`);
    const local = opened.value;
    this.local = local;
    this.session = await startSession({
      ydoc: this.ydoc,
      keys,
      storage: this.storage,
      docKey: this.docKey,
      transports,
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

  type(s: string): void {
    const t = this.ydoc.getText('t');
    t.insert(t.length, s);
  }

  /** The session stops dead (nothing more written); LocalDoc had stored the Y.Doc. */
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
