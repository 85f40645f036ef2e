/**
 * A fixed one-second window counter. Coarser than a token bucket, but O(1) state per connection and
 * enough to stop a flood: the worst case is twice the limit across a window boundary.
 */
export class WindowCounter {
  private windowStart = 0;
  private count = 0;
  constructor(
    private readonly perSecond: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Counts one event; false when this window already had `perSecond` of them. */
  take(): boolean {
    const t = this.now();
    if (t - this.windowStart >= 1000) {
      this.windowStart = t;
      this.count = 0;
    }
    this.count++;
    return this.count <= this.perSecond;
  }
}
