import type { ChangeNotifier, LeaderElection } from './api';

/**
 * One leader per document across the tabs of a browser profile: the tab holding the Web Lock compacts.
 * The lock is held until release() or until the tab dies, when the browser hands it to the next waiter.
 */
export class WebLocksLeaderElection implements LeaderElection {
  constructor(private readonly locks: LockManager = navigator.locks) {}

  acquire(name: string, onLeader: () => void): { release(): void } {
    let release: () => void = () => {};
    let released = false;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    this.locks
      .request(`dure:${name}`, () => {
        if (released) return undefined;
        onLeader();
        return held;
      })
      .catch(() => undefined);
    return {
      release() {
        released = true;
        release();
      },
    };
  }
}

interface Notice {
  readonly t: 'dure-records';
  readonly docId: string;
  readonly keys: readonly string[];
}

function isNotice(d: unknown): d is Notice {
  if (typeof d !== 'object' || d === null) return false;
  const n = d as Partial<Notice>;
  return (
    n.t === 'dure-records' &&
    typeof n.docId === 'string' &&
    Array.isArray(n.keys) &&
    n.keys.length <= 10_000 &&
    n.keys.every((k) => typeof k === 'string')
  );
}

/**
 * "These records changed" between tabs. Messages carry the document id and storage keys only, never
 * content or keys: the receiving tab reads and decrypts the records from storage itself.
 */
export class BroadcastChannelNotifier implements ChangeNotifier {
  private readonly channel: BroadcastChannel;
  constructor(name = 'dure-storage') {
    this.channel = new BroadcastChannel(name);
  }

  announce(docId: string, keys: readonly string[]): void {
    const msg: Notice = { t: 'dure-records', docId, keys: [...keys] };
    this.channel.postMessage(msg);
  }

  subscribe(cb: (docId: string, keys: readonly string[]) => void): () => void {
    const h = (e: MessageEvent): void => {
      if (isNotice(e.data)) cb(e.data.docId, e.data.keys);
    };
    this.channel.addEventListener('message', h);
    return () => this.channel.removeEventListener('message', h);
  }

  close(): void {
    this.channel.close();
  }
}
