/**
 * Retention: documents nobody touched for `days` days are deleted (store.sweepExpired), once at start and
 * then hourly. The timer is unref'd so it never keeps a stopping process alive. A failed sweep (disk full)
 * is logged and retried at the next tick: it only delays deletion.
 */
import type { Logger } from './log';
import type { RelayStore } from './store/index';

export const SWEEP_INTERVAL_MS = 60 * 60 * 1000;

export interface RetentionSweep {
  /** the sweep at start has finished (main waits for it before listening, so expired documents are never served) */
  readonly first: Promise<void>;
  stop(): void;
}

export function startRetentionSweep(
  store: Pick<RelayStore, 'sweepExpired'>,
  days: number,
  logger: Logger,
  intervalMs: number = SWEEP_INTERVAL_MS,
): RetentionSweep {
  let running = false;
  const sweep = async (): Promise<void> => {
    // A slow sweep must not overlap the next one.
    if (running) return;
    running = true;
    try {
      const r = await store.sweepExpired(days);
      if (r.ok) logger.log('info', 'retention sweep', { days, deleted: r.value });
      else logger.log('warn', 'retention sweep failed', { days, error: r.error });
    } catch (e) {
      // A closed store during shutdown; never crash the process over a sweep.
      logger.log('warn', 'retention sweep failed', { days, error: e instanceof Error ? e.name : 'unknown' });
    } finally {
      running = false;
    }
  };
  const first = sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return { first, stop: () => clearInterval(timer) };
}
