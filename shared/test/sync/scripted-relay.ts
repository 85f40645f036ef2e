/**
 * A Transport whose other end is the test: it records the frames a session sends and lets the test play
 * the relay (honest or not) frame by frame. For unit tests of what the session does with what it receives;
 * the real relay is exercised in test/integration.
 */
import { decodeFrame, encodeFrame, type Frame } from '../../src/protocol/index';
import type { Transport, TransportHandler } from '../../src/sync/types';

export class ScriptedRelay implements Transport {
  readonly kind = 'relay' as const;
  readonly buffered = 0;
  readonly sent: Frame[] = [];
  private handler: TransportHandler | undefined;
  /** whether the next connect() opens (true) or fails (false) */
  reachable = true;
  connects = 0;

  constructor(readonly id = 'scripted') {}

  connect(handler: TransportHandler): void {
    this.connects++;
    if (!this.reachable) {
      queueMicrotask(() => handler.close({ code: 1006, reason: 'unreachable' }));
      return;
    }
    this.handler = handler;
    queueMicrotask(() => handler.open());
  }

  send(frame: Uint8Array): boolean {
    if (!this.handler) return false;
    const f = decodeFrame(frame);
    if (!f.ok) throw new Error(`session sent an undecodable frame: ${f.error}`);
    this.sent.push(f.value);
    return true;
  }

  disconnect(): void {
    const h = this.handler;
    this.handler = undefined;
    h?.close({ code: 1000, reason: 'disconnect' });
  }

  /** The relay closes the connection. */
  drop(code = 1006): void {
    const h = this.handler;
    this.handler = undefined;
    h?.close({ code, reason: 'dropped' });
  }

  get open(): boolean {
    return this.handler !== undefined;
  }

  deliver(f: Frame): void {
    this.deliverRaw(encodeFrame(f));
  }

  deliverRaw(bytes: Uint8Array): void {
    if (!this.handler) throw new Error('not connected');
    this.handler.frame(bytes);
  }

  take<T extends Frame['type']>(type: T): Extract<Frame, { type: T }>[] {
    return this.sent.filter((f) => f.type === type) as Extract<Frame, { type: T }>[];
  }
}

/** Lets queued microtasks and already-due timers run. */
export const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
