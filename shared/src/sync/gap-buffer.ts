/**
 * Verified updates that arrived ahead of their device's next seq (a relay delivering out of order, or a
 * hole it has not filled yet). Bounded: beyond `maxEntries` the newest are dropped, and the hole is then
 * reported like any other (they are fetched again on the next catch-up).
 */
export class GapBuffer<T = Uint8Array> {
  private readonly byDevice = new Map<string, Map<number, T>>();
  private count = 0;

  constructor(private readonly maxEntries = 10_000) {}

  get size(): number {
    return this.count;
  }

  /** false when full (the update was not kept) */
  add(deviceId: string, seq: number, update: T): boolean {
    let m = this.byDevice.get(deviceId);
    if (m?.has(seq)) return true;
    if (this.count >= this.maxEntries) return false;
    if (!m) this.byDevice.set(deviceId, (m = new Map()));
    m.set(seq, update);
    this.count++;
    return true;
  }

  /** Removes and returns the update for (deviceId, seq) if held. */
  take(deviceId: string, seq: number): T | undefined {
    const m = this.byDevice.get(deviceId);
    const u = m?.get(seq);
    if (!m || u === undefined) return undefined;
    m.delete(seq);
    this.count--;
    if (m.size === 0) this.byDevice.delete(deviceId);
    return u;
  }

  /** Forgets every entry of deviceId with seq ≤ through (now covered by a snapshot). */
  dropThrough(deviceId: string, through: number): void {
    const m = this.byDevice.get(deviceId);
    if (!m) return;
    for (const seq of [...m.keys()]) {
      if (seq <= through) {
        m.delete(seq);
        this.count--;
      }
    }
    if (m.size === 0) this.byDevice.delete(deviceId);
  }

  devices(): string[] {
    return [...this.byDevice.keys()];
  }

  clear(): void {
    this.byDevice.clear();
    this.count = 0;
  }
}
