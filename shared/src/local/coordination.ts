import type { ChangeNotifier, LeaderElection } from './api';

/** One context only (Node, Electron main, tests): this context is always the leader. */
export const alwaysLeader: LeaderElection = {
  acquire(_name, onLeader) {
    let released = false;
    queueMicrotask(() => {
      if (!released) onLeader();
    });
    return {
      release() {
        released = true;
      },
    };
  },
};

/** No other contexts to tell. */
export const noNotifier: ChangeNotifier = {
  announce() {},
  subscribe() {
    return () => {};
  },
};

/**
 * In-process stand-ins for Web Locks and BroadcastChannel, so tests can run several LocalDoc "tabs" on one
 * storage. Like BroadcastChannel, a notice reaches every other subscriber, never the sender, and later
 * (a macrotask), not synchronously.
 */
export class MemoryNotifierHub {
  private readonly subs = new Set<{ owner: object; cb: (docId: string, keys: readonly string[]) => void }>();
  /** Notices not yet delivered; tests can drain them deterministically with deliverAll(). */
  private readonly queue: (() => void)[] = [];
  constructor(private readonly auto = true) {}

  notifier(): ChangeNotifier {
    const owner = {};
    return {
      announce: (docId, keys) => {
        const copy = [...keys];
        for (const s of [...this.subs]) {
          if (s.owner === owner) continue;
          this.queue.push(() => {
            if (this.subs.has(s)) s.cb(docId, copy);
          });
        }
        if (this.auto) setTimeout(() => this.deliverAll(), 0);
      },
      subscribe: (cb) => {
        const s = { owner, cb };
        this.subs.add(s);
        return () => this.subs.delete(s);
      },
    };
  }

  get pending(): number {
    return this.queue.length;
  }

  deliverAll(): void {
    for (let n = this.queue.length; n > 0 && this.queue.length > 0; n--) this.queue.shift()!();
  }
}

/**
 * First come, first led: the next waiter becomes leader when the current one releases, as with
 * navigator.locks.request(name, ...) held for the lifetime of a document.
 */
export class MemoryLeaderElection implements LeaderElection {
  private readonly holders = new Map<string, { id: number; onLeader: () => void }[]>();
  private next = 0;

  acquire(name: string, onLeader: () => void): { release(): void } {
    const q = this.holders.get(name) ?? [];
    this.holders.set(name, q);
    const me = { id: this.next++, onLeader };
    q.push(me);
    if (q.length === 1) queueMicrotask(() => q[0] === me && onLeader());
    return {
      release: () => {
        const i = q.indexOf(me);
        if (i < 0) return;
        q.splice(i, 1);
        if (i === 0 && q.length > 0) {
          const head = q[0]!;
          queueMicrotask(() => q[0] === head && head.onLeader());
        }
      },
    };
  }
}
