import { fromUtf8, utf8 } from '../bytes';
import { openRecord, sealUpdateRecord } from '../local/records';
import { decodeEnvelope, type UpdateEnvelope } from '../protocol/index';
import type { Storage, StorageOp } from '../storage/types';

/**
 * What a session keeps on the device, per document, under `sync/<docId>/` (every value sealed with the
 * document's docKey, its own key as associated data, like LocalDoc's records):
 *
 *   sync/<docId>/device                  this device's id for the document (random, kept forever)
 *   sync/<docId>/seq                     the next sequence number to seal (never reused)
 *   sync/<docId>/covered                 Y.encodeSnapshotV2 of the document right after the last seal
 *   sync/<docId>/out/<deviceId>/<seq:10> a sealed update envelope not yet acknowledged by every relay
 *   sync/<docId>/recv                    JSON: per device the highest seq applied, per transport its position
 *   sync/<docId>/quarantine/<n:10>       raw bytes of an envelope that failed to open or decode (bounded)
 */
export const syncPrefix = (docId: string): string => `sync/${docId}/`;
export const deviceKey = (docId: string): string => `sync/${docId}/device`;
export const seqKey = (docId: string): string => `sync/${docId}/seq`;
export const coveredKey = (docId: string): string => `sync/${docId}/covered`;
export const recvKey = (docId: string): string => `sync/${docId}/recv`;
export const outboxPrefix = (docId: string): string => `sync/${docId}/out/`;
export const outboxKey = (docId: string, deviceId: string, seq: number): string =>
  `${outboxPrefix(docId)}${deviceId}/${String(seq).padStart(10, '0')}`;
export const syncQuarantinePrefix = (docId: string): string => `sync/${docId}/quarantine/`;

/** Quarantined envelopes kept per document; older ones are dropped first (a hostile relay could send many). */
export const MAX_QUARANTINE = 64;

/** One relay's position, as of a moment when everything it had delivered was applied to the Y.Doc. */
export interface TransportRecord {
  /** highest relaySeq delivered and applied: the next hello's sinceRelaySeq */
  relaySeq: number;
  /** the relay's snapshot this device applied or made last, with its proof (b64url) and coverage */
  snap: {
    snapId: string;
    proof: string;
    covers: Record<string, number>;
    /** its parent (proof b64url), told to peers for fork detection; absent in records saved before peers */
    parent?: { snapId: string; proof: string } | null;
  } | null;
  /** snapshot ids seen before `snap` (newest last, bounded): a relay serving one of them is rolling back */
  older: string[];
  /** per device, the highest seq this relay confirmed holding (acks, deliveries, snapshot coverage) */
  held: Record<string, number>;
  /** updates and their bytes this relay held since its last snapshot (compaction trigger) */
  sinceSnap: { count: number; bytes: number };
  /**
   * per own (older) device, seqs this relay will never hold because it lost them (its data was deleted)
   * and a full-state update under a new device id replaced them: not sent, not claimed in snapshots
   */
  superseded: Record<string, number>;
}

export interface RecvRecord {
  /** per device, the highest seq applied to the Y.Doc (snapshot coverage included) */
  seqs: Record<string, number>;
  transports: Record<string, TransportRecord>;
}

export const emptyTransportRecord = (): TransportRecord => ({
  relaySeq: 0,
  snap: null,
  older: [],
  held: {},
  sinceSnap: { count: 0, bytes: 0 },
  superseded: {},
});

export interface OutboxEntry {
  readonly key: string;
  readonly env: UpdateEnvelope;
}

export interface LoadedSyncState {
  deviceId: string | undefined;
  nextSeq: number | undefined;
  covered: Uint8Array | undefined;
  outbox: OutboxEntry[];
  recv: RecvRecord;
  /** keys of records that did not open (left in place, reported) */
  unreadable: string[];
  quarantined: string[];
}

export class SyncStore {
  constructor(
    readonly storage: Storage,
    private readonly docKey: Uint8Array,
    readonly docId: string,
  ) {}

  put(key: string, value: Uint8Array): StorageOp {
    return { type: 'put', key, value: sealUpdateRecord(this.docKey, key, value) };
  }

  putJson(key: string, value: unknown): StorageOp {
    return this.put(key, utf8(JSON.stringify(value)));
  }

  private open(key: string, value: Uint8Array | undefined): Uint8Array | undefined {
    if (!value) return undefined;
    const r = openRecord(this.docKey, key, value);
    return r.ok ? r.value : undefined;
  }

  async load(): Promise<LoadedSyncState> {
    const { storage, docId } = this;
    const unreadable: string[] = [];
    const read = async (key: string): Promise<Uint8Array | undefined> => {
      const raw = await storage.get(key);
      const v = this.open(key, raw);
      if (raw && !v) unreadable.push(key);
      return v;
    };
    const json = <T>(b: Uint8Array | undefined): T | undefined => {
      if (!b) return undefined;
      try {
        return JSON.parse(fromUtf8(b)) as T;
      } catch {
        return undefined;
      }
    };
    const deviceBytes = await read(deviceKey(docId));
    const seqValue = json<number>(await read(seqKey(docId)));
    const covered = await read(coveredKey(docId));
    const recv = sanitizeRecv(json<RecvRecord>(await read(recvKey(docId))));
    const outbox: OutboxEntry[] = [];
    for (const { key, value } of await storage.list(outboxPrefix(docId))) {
      const plain = this.open(key, value);
      const env = plain ? decodeEnvelope(plain) : undefined;
      if (!env?.ok || env.value.kind !== 'update' || env.value.docId !== docId) {
        unreadable.push(key);
        continue;
      }
      outbox.push({ key, env: env.value });
    }
    const quarantined = await storage.keys(syncQuarantinePrefix(docId));
    return {
      deviceId: deviceBytes ? fromUtf8(deviceBytes) : undefined,
      nextSeq: typeof seqValue === 'number' && Number.isSafeInteger(seqValue) && seqValue >= 1 ? seqValue : undefined,
      covered,
      outbox,
      recv,
      unreadable,
      quarantined,
    };
  }
}

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;

function counts(o: unknown): Record<string, number> {
  const out: Record<string, number> = {};
  if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) if (isCount(v)) out[k] = v;
  }
  return out;
}

/** Our own record, but read defensively: a damaged one means "start from zero", which is always safe. */
function sanitizeRecv(r: RecvRecord | undefined): RecvRecord {
  const out: RecvRecord = { seqs: counts(r?.seqs), transports: {} };
  const ts = r?.transports;
  if (ts && typeof ts === 'object') {
    for (const [id, t] of Object.entries(ts)) {
      if (!t || typeof t !== 'object' || !isCount(t.relaySeq)) continue;
      const snap =
        t.snap && typeof t.snap.snapId === 'string' && typeof t.snap.proof === 'string'
          ? { snapId: t.snap.snapId, proof: t.snap.proof, covers: counts(t.snap.covers) }
          : null;
      out.transports[id] = {
        relaySeq: t.relaySeq,
        snap,
        older: Array.isArray(t.older) ? t.older.filter((s): s is string => typeof s === 'string').slice(-32) : [],
        held: counts(t.held),
        sinceSnap: {
          count: isCount(t.sinceSnap?.count) ? t.sinceSnap.count : 0,
          bytes: isCount(t.sinceSnap?.bytes) ? t.sinceSnap.bytes : 0,
        },
        superseded: counts(t.superseded),
      };
    }
  }
  return out;
}
