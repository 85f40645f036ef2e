import type { UpdateEnvelope } from '../protocol/index';

/**
 * Verified update envelopes this session holds, per device a contiguous run of seqs, so it can give a
 * peer what the peer lacks (and forward what peers taught it to relays). Memory only and bounded: the
 * oldest entries go first past `maxBytes`/`maxEntries`. What it lost (a restart, an eviction) an edit
 * session replaces with a freshly sealed snapshot (PROTOCOL.md, "Peer frames").
 */
export interface LoggedEnvelope {
  readonly env: UpdateEnvelope;
  /** learnt from a peer: relays may not have it yet */
  readonly viaPeer: boolean;
}

export class EnvelopeLog {
  /** per device, entries in seq order with no hole */
  private readonly runs = new Map<string, LoggedEnvelope[]>();
  /** insertion order, for eviction */
  private readonly order: { deviceId: string; seq: number }[] = [];
  private orderHead = 0;
  private bytes = 0;
  private count = 0;

  constructor(
    private readonly maxBytes = 16 * 1024 * 1024,
    private readonly maxEntries = 20_000,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Keeps env if it continues its device's run; one after a hole starts the run again from it. */
  add(env: UpdateEnvelope, viaPeer: boolean): void {
    const { deviceId, seq } = env;
    let run = this.runs.get(deviceId);
    const hi = run?.at(-1)?.env.seq;
    if (hi !== undefined && seq <= hi) return;
    if (!run || hi === undefined || seq !== hi + 1) {
      if (run) this.drop(deviceId, run.length);
      run = [];
      this.runs.set(deviceId, run);
    }
    run.push({ env, viaPeer });
    this.order.push({ deviceId, seq });
    this.bytes += env.bytes.length;
    this.count++;
    this.evict();
  }

  /** Entries of deviceId after seq `after`, or undefined when the run does not reach back to after + 1. */
  after(deviceId: string, after: number): readonly LoggedEnvelope[] | undefined {
    const run = this.runs.get(deviceId);
    if (!run || run.length === 0) return undefined;
    const lo = run[0]!.env.seq;
    const hi = run.at(-1)!.env.seq;
    if (after >= hi) return [];
    if (lo > after + 1) return undefined;
    return run.slice(after + 1 - lo);
  }

  /** the highest seq held for deviceId (0 when none) */
  highest(deviceId: string): number {
    return this.runs.get(deviceId)?.at(-1)?.env.seq ?? 0;
  }

  devices(): string[] {
    return [...this.runs.keys()];
  }

  private drop(deviceId: string, n: number): void {
    const run = this.runs.get(deviceId);
    if (!run) return;
    for (const e of run.splice(0, n)) {
      this.bytes -= e.env.bytes.length;
      this.count--;
    }
    if (run.length === 0) this.runs.delete(deviceId);
  }

  private evict(): void {
    while ((this.bytes > this.maxBytes || this.count > this.maxEntries) && this.orderHead < this.order.length) {
      const { deviceId, seq } = this.order[this.orderHead++]!;
      const run = this.runs.get(deviceId);
      // Entries before it in its run are older still; a restarted run may have dropped it already.
      const i = run ? run.findIndex((e) => e.env.seq === seq) : -1;
      if (i >= 0) this.drop(deviceId, i + 1);
    }
    if (this.orderHead > 1024 && this.orderHead * 2 > this.order.length) {
      this.order.splice(0, this.orderHead);
      this.orderHead = 0;
    }
  }
}
