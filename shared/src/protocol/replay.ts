/**
 * Per-device sequence tracking on the receiving side (E2EE 4.8 #3–#5). An envelope's (deviceId, seq)
 * is signed, so a relay can replay, hold back or reorder envelopes but cannot renumber them.
 */
export type SeqVerdict = 'next' | 'replay' | 'gap';

export class DeviceSeqs {
  private readonly last = new Map<string, number>();

  /** What applying this envelope now would mean; does not record anything. */
  check(deviceId: string, seq: number): SeqVerdict {
    const last = this.last.get(deviceId) ?? 0;
    if (seq <= last) return 'replay';
    return seq === last + 1 ? 'next' : 'gap';
  }

  /** Records an applied envelope; only the next seq may be recorded (apply in order, buffer the rest). */
  accept(deviceId: string, seq: number): void {
    if (this.check(deviceId, seq) !== 'next') throw new RangeError(`seq ${seq} is not next for this device`);
    this.last.set(deviceId, seq);
  }

  /** A snapshot folds in everything up to `through`: later envelopes continue from there. */
  advance(deviceId: string, through: number): void {
    if (through > (this.last.get(deviceId) ?? 0)) this.last.set(deviceId, through);
  }

  lastSeq(deviceId: string): number {
    return this.last.get(deviceId) ?? 0;
  }
}

/**
 * Presence replay filter (E2EE 4.8 #13): per session, only a counter higher than the last one seen is
 * fresh. Sessions are forgotten oldest-first beyond `maxSessions`, so a flood of session ids cannot grow
 * memory; a forgotten session's old messages would then pass once, which costs only a stale cursor.
 */
export class PresenceSeen {
  private readonly last = new Map<string, number>();
  constructor(private readonly maxSessions = 1024) {}

  /** True (and recorded) when the message is fresh; false for a replay or an old message. */
  fresh(sessionId: string, counter: number): boolean {
    const last = this.last.get(sessionId);
    if (last !== undefined && counter <= last) return false;
    this.last.delete(sessionId); // re-insert: Map order is then least recently updated first
    this.last.set(sessionId, counter);
    if (this.last.size > this.maxSessions) this.last.delete(this.last.keys().next().value!);
    return true;
  }
}
