/**
 * The Transport contract (shared/src/sync/types.ts), run against every implementation: the session relies
 * on exactly these behaviours (one close per connect, send refuses when not open, no frame after close).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { equalBytes } from '../../src/bytes';
import type { Transport, TransportClose } from '../../src/sync/types';

export interface TransportFixture {
  /** a transport to a live endpoint */
  make(): Transport;
  /** a transport whose connection attempt fails (nothing listens there) */
  makeUnreachable(): Transport;
  /** a frame the endpoint answers, and how to recognise the answer */
  readonly probe: { readonly request: Uint8Array; isAnswer(frame: Uint8Array): boolean };
  /** stops whatever the fixture started (an echo end, channels) */
  cleanup?(): void;
}

/** What serveEcho answers to `frame`: 0xee, then the frame. */
export function echoed(frame: Uint8Array): Uint8Array {
  const out = new Uint8Array(frame.length + 1);
  out[0] = 0xee;
  out.set(frame, 1);
  return out;
}

/** Keeps `t` connected (reconnecting after every close) and answers each frame with echoed(frame). */
export function serveEcho(t: Transport): () => void {
  let stopped = false;
  const go = (): void => {
    if (stopped) return;
    t.connect({
      open() {},
      frame(bytes) {
        t.send(echoed(bytes));
      },
      close() {
        setTimeout(go, 0);
      },
    });
  };
  go();
  return () => {
    stopped = true;
    t.disconnect();
  };
}

/** Guards against a hang only; nothing asserts on how long anything took. */
const WAIT_MS = 10_000;

interface Recorder {
  readonly events: string[];
  readonly frames: Uint8Array[];
  readonly closes: TransportClose[];
  readonly opened: Promise<void>;
  readonly closed: Promise<TransportClose>;
  frame(pred: (f: Uint8Array) => boolean): Promise<Uint8Array>;
}

function within<T>(p: Promise<T>, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), WAIT_MS);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e instanceof Error ? e : new Error(String(e)))),
    );
  });
}

function connect(t: Transport): Recorder {
  const events: string[] = [];
  const frames: Uint8Array[] = [];
  const closes: TransportClose[] = [];
  const waiters: { pred: (f: Uint8Array) => boolean; resolve: (f: Uint8Array) => void }[] = [];
  let onOpen!: () => void;
  let onClose!: (c: TransportClose) => void;
  const opened = new Promise<void>((r) => (onOpen = r));
  const closed = new Promise<TransportClose>((r) => (onClose = r));
  t.connect({
    open() {
      events.push('open');
      onOpen();
    },
    frame(bytes) {
      events.push('frame');
      frames.push(bytes);
      const i = waiters.findIndex((w) => w.pred(bytes));
      if (i >= 0) waiters.splice(i, 1)[0]!.resolve(bytes);
    },
    close(info) {
      events.push('close');
      closes.push(info);
      onClose(info);
    },
  });
  // A deadline nobody awaited (no open when nothing listens) must not surface later as an unhandled rejection.
  const openedIn = within(opened, 'open');
  const closedIn = within(closed, 'close');
  openedIn.catch(() => {});
  closedIn.catch(() => {});
  return {
    events,
    frames,
    closes,
    opened: openedIn,
    closed: closedIn,
    frame(pred) {
      const have = frames.find(pred);
      if (have) return Promise.resolve(have);
      return within(new Promise<Uint8Array>((resolve) => waiters.push({ pred, resolve })), 'a frame');
    },
  };
}

/** Lets queued events (a late close, a stray frame) arrive before asserting that they did not. */
const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 50));

/**
 * `echoes`: a peer transport whose far end answers every frame with `echoed(frame)` (serveEcho), so order
 * and bytes are checked end to end too. A relay answers only protocol frames, so the ws suite has no echo.
 */
export function runTransportContract(
  name: string,
  makeFixture: () => TransportFixture,
  opts: { echoes?: boolean } = {},
): void {
  describe(`Transport contract: ${name}`, () => {
    const made: TransportFixture[] = [];
    const fixture = (): TransportFixture => {
      const f = makeFixture();
      made.push(f);
      return f;
    };
    afterEach(() => {
      for (const f of made.splice(0)) f.cleanup?.();
    });

    const echoIt = opts.echoes ? it : undefined;
    echoIt?.('carries frames in order and byte for byte (the far end echoes)', async () => {
      const t = fixture().make();
      const rec = connect(t);
      await rec.opened;
      const sent: Uint8Array[] = [];
      for (let i = 0; i < 50; i++) {
        const frame = new Uint8Array(1 + ((i * 997) % 20_000));
        for (let j = 0; j < frame.length; j++) frame[j] = (i + j) & 0xff;
        sent.push(frame);
        expect(t.send(frame)).toBe(true);
      }
      // a large frame too (a snapshot of a big document travels as one)
      const big = new Uint8Array(1024 * 1024);
      for (let j = 0; j < big.length; j++) big[j] = (j * 7) & 0xff;
      sent.push(big);
      expect(t.send(big)).toBe(true);
      await rec.frame((b) => b.length === big.length + 1);
      const answers = rec.frames.filter((b) => b[0] === 0xee);
      expect(answers).toHaveLength(sent.length);
      // compared as bytes, not with toEqual (a deep diff of a megabyte takes tens of seconds)
      const wrong = answers.findIndex((a, i) => !equalBytes(a, echoed(sent[i]!)));
      expect(wrong).toBe(-1);
      t.disconnect();
      await rec.closed;
    });
    it('opens, carries a frame both ways, and reports exactly one close after disconnect', async () => {
      const f = fixture();
      const t = f.make();
      expect(typeof t.id).toBe('string');
      expect(t.id.length).toBeGreaterThan(0);
      const rec = connect(t);
      await rec.opened;
      expect(t.buffered).toBeGreaterThanOrEqual(0);
      expect(t.send(f.probe.request)).toBe(true);
      await rec.frame(f.probe.isAnswer);
      t.disconnect();
      await rec.closed;
      await settle();
      expect(rec.closes).toHaveLength(1);
      expect(rec.events.filter((e) => e === 'open')).toHaveLength(1);
      expect(rec.events.at(-1)).toBe('close');
      expect(t.send(f.probe.request)).toBe(false);
    });

    it('refuses to send before the connection is open and after it closed', async () => {
      const f = fixture();
      const t = f.make();
      expect(t.send(f.probe.request)).toBe(false);
      const rec = connect(t);
      await rec.opened;
      t.disconnect();
      await rec.closed;
      expect(t.send(f.probe.request)).toBe(false);
    });

    it('reports one close and no open when nothing listens', async () => {
      const t = fixture().makeUnreachable();
      const rec = connect(t);
      const info = await rec.closed;
      await settle();
      expect(rec.events).toEqual(['close']);
      expect(typeof info.code).toBe('number');
    });

    it('disconnect during the attempt still reports exactly one close', async () => {
      const t = fixture().make();
      const rec = connect(t);
      t.disconnect();
      t.disconnect();
      await rec.closed;
      await settle();
      expect(rec.closes).toHaveLength(1);
      expect(rec.events.filter((e) => e === 'frame')).toHaveLength(0);
    });

    it('connects again after a close (the session reconnects with the same transport)', async () => {
      const f = fixture();
      const t = f.make();
      for (let i = 0; i < 3; i++) {
        const rec = connect(t);
        await rec.opened;
        expect(t.send(f.probe.request)).toBe(true);
        await rec.frame(f.probe.isAnswer);
        t.disconnect();
        await rec.closed;
      }
    });

    it('throws on connect while an attempt is running (misuse)', async () => {
      const t = fixture().make();
      const rec = connect(t);
      expect(() => connect(t)).toThrow();
      t.disconnect();
      await rec.closed;
    });
  });
}
