/**
 * Encrypted presence (awareness) for one document: the local client's awareness state goes out sealed
 * in presence envelopes (PROTOCOL.md, kind 3), and what comes in is opened, replay-filtered, rate-limited
 * and sanitized before it reaches the shared Awareness (E2EE 4.8 #13, #14; RELIABILITY K10, B13).
 *
 * Anyone holding the read secret can send presence (viewers show cursors too), so presence is only as
 * trustworthy as the least careful link holder: a message may carry any JSON for any client id. Nothing
 * from the wire is applied as it arrives. Entries are decoded here, rebuilt from whitelisted fields of
 * checked shapes, re-encoded and only then handed to y-protocols.
 */
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { applyAwarenessUpdate, encodeAwarenessUpdate, type Awareness } from 'y-protocols/awareness';
import type { DocKeys } from '../local/api';
import { decodeEnvelope, newId, openPresence, sealPresence } from '../protocol/envelope';
import { PresenceSeen } from '../protocol/replay';
import { err, ok, type Result } from '../result';

export type PresenceError = 'decrypt' | 'malformed' | 'replay' | 'invalid' | 'rate-limited';

/** Origin passed to applyAwarenessUpdate, so listeners can tell remote presence from local changes. */
export const REMOTE_PRESENCE_ORIGIN = 'remote';

export const PRESENCE_LIMITS = {
  /** decrypted awareness payload; a cursor and a name need a few hundred bytes */
  maxPayloadBytes: 16 * 1024,
  /** remote client states kept in the Awareness; new clients beyond it are dropped */
  maxRemoteClients: 256,
  /** client ids one sender session may speak for (a channel sends only its own) */
  maxClientsPerSession: 4,
  maxNameLength: 64,
  /** per sender session: a token bucket */
  perSessionPerSecond: 20,
  perSessionBurst: 40,
  /** over all senders: new session ids cost nothing, so they share one bucket too */
  totalPerSecond: 200,
  totalBurst: 400,
  /** sender sessions remembered for rate limits (like PresenceSeen's bound) */
  maxTrackedSessions: 1024,
  /** y-protocols drops states not renewed within 30 s */
  heartbeatMs: 15_000,
} as const;

export interface PresenceChannelOptions {
  readonly keys: DocKeys;
  readonly awareness: Awareness;
  readonly epoch?: number;
  readonly now?: () => number;
  /** at most one message per this many ms; the trailing send carries the latest state (default 100) */
  readonly minIntervalMs?: number;
  readonly send: (envelopeBytes: Uint8Array) => void;
}

// ---- sanitizing -------------------------------------------------------------------------------------

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface RelPosJson {
  type?: { client: number; clock: number };
  tname?: string;
  item?: { client: number; clock: number };
  assoc?: number;
}

export interface SanitizedState {
  user?: { name: string; color: string };
  cursor?: { anchor: RelPosJson; head: RelPosJson } | null;
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const isUint = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

const COLOR = /^#[0-9a-fA-F]{6}$/;
// C0/C1 controls and bidi embeddings/overrides/isolates: a name must not reorder or hide the text around it.
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** Trimmed, without control characters, at most 64 UTF-16 units, never ending in half a surrogate pair. */
export function sanitizeName(v: unknown): string {
  if (typeof v !== 'string') return '';
  // Cut before cleaning too: a 10 MB name must not cost a 10 MB regex pass.
  let s = v
    .slice(0, PRESENCE_LIMITS.maxNameLength * 4)
    .replace(UNSAFE_NAME_CHARS, '')
    .trim();
  if (s.length > PRESENCE_LIMITS.maxNameLength) {
    s = s.slice(0, PRESENCE_LIMITS.maxNameLength);
    const last = s.charCodeAt(s.length - 1);
    if (last >= 0xd800 && last <= 0xdbff) s = s.slice(0, -1);
    s = s.trimEnd();
  }
  return s;
}

/** A stable, readable colour for a client that sent none (or an unusable one). */
export function colorForClient(clientId: number): string {
  const hue = (clientId * 137.508) % 360; // golden angle: neighbouring ids get distant hues
  const s = 0.65;
  const l = 0.45;
  const f = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const c = l - s * Math.min(l, 1 - l) * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(c * 255)
      .toString(16)
      .padStart(2, '0');
  };
  return `#${f(0)}${f(8)}${f(4)}`;
}

function sanitizeId(v: unknown): { client: number; clock: number } | undefined {
  if (!isRecord(v) || !isUint(v.client) || !isUint(v.clock)) return undefined;
  return { client: v.client, clock: v.clock };
}

/**
 * The shape Y.createRelativePositionFromJSON reads. y-tiptap's caret resolves it against the Y.Doc on
 * every render: a position naming no anchor at all throws there, and `tname` makes Y.Doc.get create
 * a root type, so `tname` must name a type the document already has.
 */
function sanitizeRelPos(v: unknown, rootNames: ReadonlySet<string>): RelPosJson | undefined {
  if (!isRecord(v)) return undefined;
  const out: RelPosJson = {};
  if (v.type !== undefined && v.type !== null) {
    const t = sanitizeId(v.type);
    if (!t) return undefined;
    out.type = t;
  }
  if (v.tname !== undefined && v.tname !== null) {
    if (typeof v.tname !== 'string' || !rootNames.has(v.tname)) return undefined;
    out.tname = v.tname;
  }
  if (v.item !== undefined && v.item !== null) {
    const i = sanitizeId(v.item);
    if (!i) return undefined;
    out.item = i;
  }
  if (v.assoc !== undefined && v.assoc !== null) {
    if (typeof v.assoc !== 'number' || !Number.isInteger(v.assoc) || Math.abs(v.assoc) > 0x7fffffff) return undefined;
    out.assoc = v.assoc;
  }
  if (!out.type && out.tname === undefined && !out.item) return undefined;
  return out;
}

/** Keeps `user` {name, color} and `cursor` {anchor, head}; rebuilds both; drops every other field. */
export function sanitizeState(state: unknown, clientId: number, rootNames: ReadonlySet<string>): SanitizedState {
  const out: SanitizedState = {};
  if (!isRecord(state)) return out;
  if (isRecord(state.user)) {
    const color = state.user.color;
    out.user = {
      name: sanitizeName(state.user.name),
      color: typeof color === 'string' && COLOR.test(color) ? color : colorForClient(clientId),
    };
  }
  if (state.cursor === null) out.cursor = null;
  else if (isRecord(state.cursor)) {
    const anchor = sanitizeRelPos(state.cursor.anchor, rootNames);
    const head = sanitizeRelPos(state.cursor.head, rootNames);
    if (anchor && head) out.cursor = { anchor, head };
  }
  return out;
}

interface Entry {
  clientId: number;
  clock: number;
  state: Json;
}

/** The y-protocols awareness update layout: varuint count, then (clientID, clock, JSON string) each. */
function decodeEntries(payload: Uint8Array): Entry[] | undefined {
  try {
    const d = decoding.createDecoder(payload);
    const count = decoding.readVarUint(d);
    // Each entry takes at least 3 bytes: a count above that is a lie told to make us loop.
    if (count > payload.length / 3) return undefined;
    const entries: Entry[] = [];
    for (let i = 0; i < count; i++) {
      const clientId = decoding.readVarUint(d);
      const clock = decoding.readVarUint(d);
      const state = JSON.parse(decoding.readVarString(d)) as Json;
      if (!isUint(clientId) || clientId > 0xffffffff || !isUint(clock)) return undefined;
      entries.push({ clientId, clock, state });
    }
    if (decoding.hasContent(d)) return undefined;
    return entries;
  } catch {
    return undefined;
  }
}

function encodeEntries(entries: readonly Entry[]): Uint8Array {
  const e = encoding.createEncoder();
  encoding.writeVarUint(e, entries.length);
  for (const x of entries) {
    encoding.writeVarUint(e, x.clientId);
    encoding.writeVarUint(e, x.clock);
    encoding.writeVarString(e, JSON.stringify(x.state));
  }
  return encoding.toUint8Array(e);
}

// ---- rate limiting ----------------------------------------------------------------------------------

class Bucket {
  private tokens: number;
  private at: number;
  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.at = now;
  }
  take(now: number): boolean {
    // A clock that goes backwards refills nothing rather than draining or overflowing the bucket.
    const elapsed = Math.max(0, now - this.at);
    this.at = Math.max(this.at, now);
    this.tokens = Math.min(this.burst, this.tokens + (elapsed * this.perSecond) / 1000);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

// ---- the channel --------------------------------------------------------------------------------------

type AwarenessChanges = { added: number[]; updated: number[]; removed: number[] };

export class PresenceChannel {
  private readonly keys: DocKeys;
  private readonly awareness: Awareness;
  private readonly epoch: number;
  private readonly now: () => number;
  private readonly minIntervalMs: number;
  private readonly sendBytes: (envelopeBytes: Uint8Array) => void;

  private readonly sessionId = newId();
  private counter = 0;
  private lastSentAt = -Infinity;
  private trailing: ReturnType<typeof setTimeout> | undefined;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private destroyed = false;

  private readonly seen = new PresenceSeen();
  private readonly buckets = new Map<string, Bucket>();
  private readonly total: Bucket;
  /** which sender session speaks for a remote client id; another session may not overwrite it */
  private readonly owner = new Map<number, string>();

  constructor(opts: PresenceChannelOptions) {
    this.keys = opts.keys;
    this.awareness = opts.awareness;
    this.epoch = opts.epoch ?? 0;
    this.now = opts.now ?? Date.now;
    this.minIntervalMs = opts.minIntervalMs ?? 100;
    this.sendBytes = opts.send;
    this.total = new Bucket(PRESENCE_LIMITS.totalPerSecond, PRESENCE_LIMITS.totalBurst, this.now());
    this.awareness.on('update', this.onUpdate);
    // Renewing the local clock is what keeps our state alive on the other side (30 s timeout).
    this.heartbeat = setInterval(() => {
      if (this.now() - this.lastSentAt >= PRESENCE_LIMITS.heartbeatMs) this.announce();
    }, PRESENCE_LIMITS.heartbeatMs);
  }

  /** Sends the full local state now, with a renewed clock so receivers that saw it before accept it again. */
  announce(): void {
    if (this.destroyed) return;
    this.renewing = true;
    try {
      this.awareness.setLocalState(this.awareness.getLocalState());
    } finally {
      this.renewing = false;
    }
    this.sendNow();
  }

  receive(envelopeBytes: Uint8Array): Result<void, PresenceError> {
    if (this.destroyed) return err('invalid', 'destroyed');
    const decoded = decodeEnvelope(envelopeBytes);
    if (!decoded.ok) return err('malformed', decoded.error);
    if (decoded.value.kind !== 'presence') return err('malformed', 'not a presence envelope');
    // An envelope from another epoch opens under that epoch's key, which a removed member still holds.
    if (decoded.value.epoch !== this.epoch) return err('decrypt', 'wrong-epoch');
    const opened = openPresence(this.keys, decoded.value);
    if (!opened.ok) return err(opened.error === 'malformed' ? 'malformed' : 'decrypt', opened.error);
    const { sessionId, counter, payload } = opened.value;
    if (sessionId === this.sessionId) return err('replay', 'own message');
    if (!this.seen.fresh(sessionId, counter)) return err('replay');
    if (!this.take(sessionId)) return err('rate-limited');
    if (payload.length > PRESENCE_LIMITS.maxPayloadBytes) return err('invalid', 'too-large');
    const entries = decodeEntries(payload);
    if (!entries) return err('malformed', 'awareness payload');
    return this.apply(sessionId, entries);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    clearInterval(this.heartbeat);
    if (this.trailing !== undefined) clearTimeout(this.trailing);
    this.awareness.off('update', this.onUpdate);
    const id = this.awareness.clientID;
    const meta = this.awareness.meta.get(id);
    if (!meta || this.awareness.getLocalState() === null) return;
    // Receivers drop a state only for a clock above the one they hold. Recording that clock here means
    // a later channel on this Awareness announces above the removal instead of being ignored.
    const clock = meta.clock + 1;
    this.awareness.meta.set(id, { clock, lastUpdated: meta.lastUpdated });
    try {
      this.seal(encodeEntries([{ clientId: id, clock, state: null }]));
    } catch {
      // best effort: the connection may already be gone; the receivers' 30 s timeout covers us
    }
  }

  // ---- sending ----

  private renewing = false;

  private readonly onUpdate = (changes: AwarenessChanges, origin: unknown): void => {
    if (this.renewing || origin === REMOTE_PRESENCE_ORIGIN) return;
    const id = this.awareness.clientID;
    // A goodbye (local state set to null, e.g. on pagehide) goes out at once: a page that is closing
    // has no 100 ms left for a throttled send, and nothing can follow a removal that it would batch.
    if (changes.removed.includes(id) && this.awareness.getLocalState() === null) this.sendNow();
    else if (changes.added.includes(id) || changes.updated.includes(id) || changes.removed.includes(id)) {
      this.schedule();
    }
    if (origin !== 'local') this.forget(changes.removed);
  };

  private schedule(): void {
    if (this.destroyed || this.trailing !== undefined) return;
    const wait = this.lastSentAt + this.minIntervalMs - this.now();
    if (wait <= 0) {
      this.sendNow();
      return;
    }
    this.trailing = setTimeout(() => {
      this.trailing = undefined;
      this.sendNow();
    }, wait);
  }

  private sendNow(): void {
    if (this.destroyed) return;
    if (this.trailing !== undefined) {
      clearTimeout(this.trailing);
      this.trailing = undefined;
    }
    const id = this.awareness.clientID;
    if (!this.awareness.meta.has(id)) return;
    this.seal(encodeAwarenessUpdate(this.awareness, [id]));
  }

  private seal(payload: Uint8Array): void {
    this.counter += 1;
    const env = sealPresence(
      this.keys,
      { epoch: this.epoch, sessionId: this.sessionId, counter: this.counter },
      payload,
    );
    this.lastSentAt = this.now();
    this.sendBytes(env.bytes);
  }

  // ---- receiving ----

  private take(sessionId: string): boolean {
    const now = this.now();
    let b = this.buckets.get(sessionId);
    if (!b) {
      b = new Bucket(PRESENCE_LIMITS.perSessionPerSecond, PRESENCE_LIMITS.perSessionBurst, now);
      this.buckets.set(sessionId, b);
      if (this.buckets.size > PRESENCE_LIMITS.maxTrackedSessions)
        this.buckets.delete(this.buckets.keys().next().value!);
    }
    // Per-session first: one noisy sender must not spend everyone's shared budget.
    return b.take(now) && this.total.take(now);
  }

  private remoteCount(): number {
    const aw = this.awareness;
    return aw.states.size - (aw.states.has(aw.clientID) ? 1 : 0);
  }

  private apply(sessionId: string, entries: readonly Entry[]): Result<void, PresenceError> {
    const aw = this.awareness;
    const rootNames = new Set(aw.doc.share.keys());
    let owned = 0;
    for (const [, s] of this.owner) if (s === sessionId) owned++;
    const kept: Entry[] = [];
    const claimed = new Set<number>();
    let count = this.remoteCount();
    let refused: string | undefined;
    for (const e of entries) {
      if (e.clientId === aw.clientID) {
        refused = 'local-client';
        continue;
      }
      if (claimed.has(e.clientId)) continue; // the first entry for a client in a message wins
      const present = aw.states.has(e.clientId);
      const holder = this.owner.get(e.clientId);
      if (present && holder !== undefined && holder !== sessionId) {
        refused = 'other-session';
        continue;
      }
      if (e.state === null) {
        // Removing a client we do not show would only grow Awareness.meta.
        if (!present) continue;
        claimed.add(e.clientId);
        kept.push(e);
        continue;
      }
      if (!present || holder !== sessionId) {
        if (!present && count >= PRESENCE_LIMITS.maxRemoteClients) {
          refused = 'too-many-clients';
          continue;
        }
        if (owned >= PRESENCE_LIMITS.maxClientsPerSession) {
          refused = 'too-many-clients';
          continue;
        }
        owned++;
        if (!present) count++;
      }
      claimed.add(e.clientId);
      this.owner.set(e.clientId, sessionId);
      kept.push({
        clientId: e.clientId,
        clock: e.clock,
        state: sanitizeState(e.state, e.clientId, rootNames) as unknown as Json,
      });
    }
    if (kept.length > 0) applyAwarenessUpdate(aw, encodeEntries(kept), REMOTE_PRESENCE_ORIGIN);
    // Removed clients, and claims y-protocols ignored (a clock not above the one it holds), own nothing.
    this.forget(kept.map((e) => e.clientId));
    if (kept.length === 0 && refused !== undefined) return err('invalid', refused);
    return ok(undefined);
  }

  /** A remote client that left: free its id and its Awareness.meta entry, which y-protocols never prunes. */
  private forget(ids: readonly number[]): void {
    for (const id of ids) {
      if (id === this.awareness.clientID || this.awareness.states.has(id)) continue;
      this.owner.delete(id);
      this.awareness.meta.delete(id);
    }
  }
}
