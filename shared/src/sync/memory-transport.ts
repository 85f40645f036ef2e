import type { Transport, TransportClose, TransportHandler } from './types';

/**
 * Two ends of an in-process link (tests, seeded fuzz). A connection opens once BOTH ends have called
 * connect() while the wire is up; frames are copied and delivered through `schedule` (default: a
 * microtask each, so in order); either end's disconnect() or `cut()` closes both ends. While the wire
 * is cut, connect() fails at once (one close, no open), as an unreachable address does.
 */
export interface MemoryLink {
  readonly a: Transport;
  readonly b: Transport;
  /** true while the wire is up */
  readonly up: boolean;
  /** Partitions the two ends: the open connection (if any) closes on both sides with 1006. */
  cut(): void;
  /** Lets connections through again (the sessions reconnect on their own backoff, or retryNow()). */
  heal(): void;
}

export interface MemoryTransportOptions {
  /** transport ids of the two ends (default `memory:a`/`memory:b`; use the remote's name in a mesh) */
  readonly ids?: readonly [string, string];
  /** default 'peer' */
  readonly kind?: 'relay' | 'peer';
  /** runs delivery callbacks; pass a seeded scheduler for reproducible interleavings */
  readonly schedule?: (fn: () => void) => void;
}

const ABNORMAL = 1006;

interface End {
  handler: TransportHandler | undefined;
  /** the current attempt has seen open() */
  opened: boolean;
  /** ends the current attempt exactly once */
  finish: ((info: TransportClose) => void) | undefined;
}

export function createMemoryTransportPair(opts: MemoryTransportOptions = {}): MemoryLink {
  const schedule = opts.schedule ?? queueMicrotask;
  const kind = opts.kind ?? 'peer';
  const [idA, idB] = opts.ids ?? ['memory:a', 'memory:b'];
  let up = true;
  /** bumps on every connection, so frames of an old one are never delivered to a new one */
  let generation = 0;
  let open = false;
  const ends: [End, End] = [
    { handler: undefined, opened: false, finish: undefined },
    { handler: undefined, opened: false, finish: undefined },
  ];

  const closeBoth = (mine: number, info: TransportClose, theirs: TransportClose): void => {
    open = false;
    generation++;
    const [m, o] = [ends[mine]!, ends[1 - mine]!];
    o.finish?.(theirs);
    m.finish?.(info);
  };

  const tryOpen = (): void => {
    if (!up || open || !ends[0].finish || !ends[1].finish) return;
    open = true;
    const gen = ++generation;
    for (const e of ends) {
      schedule(() => {
        if (generation !== gen || !e.handler || e.opened) return;
        e.opened = true;
        e.handler.open();
      });
    }
  };

  const makeEnd = (i: 0 | 1, id: string): Transport => {
    const end = ends[i];
    return {
      id,
      kind,
      get buffered(): number {
        return 0;
      },
      connect(handler: TransportHandler): void {
        if (end.finish) throw new Error('transport already connecting or open: disconnect first');
        let done = false;
        end.handler = handler;
        end.opened = false;
        const finish = (info: TransportClose): void => {
          if (done) return;
          done = true;
          if (end.finish === finish) {
            end.finish = undefined;
            end.handler = undefined;
          }
          schedule(() => handler.close(info));
        };
        end.finish = finish;
        if (!up) {
          finish({ code: ABNORMAL, reason: 'unreachable' });
          return;
        }
        tryOpen();
      },
      send(frame: Uint8Array): boolean {
        if (!open || !end.finish || !end.opened) return false;
        const gen = generation;
        const other = ends[1 - i]!;
        const copy = frame.slice();
        schedule(() => {
          if (generation !== gen || !other.handler) return;
          // A scheduler may run this before the other end's open: open comes first all the same.
          if (!other.opened) {
            other.opened = true;
            other.handler.open();
          }
          other.handler.frame(copy);
        });
        return true;
      },
      disconnect(code = 1000, reason = 'disconnect'): void {
        if (!end.finish) return;
        if (open) closeBoth(i, { code: 1000, reason: 'disconnect' }, { code, reason });
        else end.finish({ code: 1000, reason: 'disconnect' });
      },
    };
  };

  return {
    a: makeEnd(0, idA),
    b: makeEnd(1, idB),
    get up(): boolean {
      return up;
    },
    cut(): void {
      up = false;
      if (open) closeBoth(0, { code: ABNORMAL, reason: 'cut' }, { code: ABNORMAL, reason: 'cut' });
    },
    heal(): void {
      up = true;
      tryOpen();
    },
  };
}
