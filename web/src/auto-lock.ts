/**
 * Locks the app after a stretch without keyboard or pointer activity, when the app lock is on: a
 * laptop left open in a meeting room should not stay unlocked. The delay is a device preference.
 */

/** Choices offered in settings, in minutes; 0 = never. */
export const AUTO_LOCK_CHOICES = [0, 5, 15, 60] as const;
const KEY = 'dure.autoLockMinutes';
/** How often idleness is checked; the lock may come up to this late. */
const TICK_MS = 15_000;

export function loadAutoLockMinutes(): number {
  try {
    const v = Number(localStorage.getItem(KEY));
    return (AUTO_LOCK_CHOICES as readonly number[]).includes(v) ? v : 0;
  } catch {
    return 0;
  }
}

export function saveAutoLockMinutes(minutes: number): void {
  try {
    localStorage.setItem(KEY, String(minutes));
  } catch {
    // A preference that cannot be saved only lasts for this page.
  }
}

/** Starts watching; `lock` is called once the configured idle time has passed. Returns a stop function. */
export function watchIdle(lock: () => void, opts: { now?: () => number; tickMs?: number } = {}): () => void {
  const now = opts.now ?? Date.now;
  let last = now();
  const touch = (): void => {
    last = now();
  };
  const events = ['keydown', 'pointerdown', 'wheel', 'touchstart'] as const;
  for (const e of events) window.addEventListener(e, touch, { passive: true, capture: true });
  const timer = setInterval(() => {
    const minutes = loadAutoLockMinutes();
    if (minutes > 0 && now() - last >= minutes * 60_000) {
      last = now();
      lock();
    }
  }, opts.tickMs ?? TICK_MS);
  return () => {
    clearInterval(timer);
    for (const e of events) window.removeEventListener(e, touch, { capture: true });
  };
}
