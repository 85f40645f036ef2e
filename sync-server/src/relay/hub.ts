/**
 * Who is subscribed to which document on this relay process. Fan-out encodes a frame once and hands
 * the same bytes to every other subscriber, so a busy document costs one encode per update.
 */
export interface Subscriber {
  readonly connectionId: string;
  /** Queue a pre-encoded frame for this document (the subscriber buffers it while catching up). */
  deliver(docId: string, relaySeq: number, frame: Uint8Array): void;
  /** The document is gone (deleted by its editors): drop local state for it. */
  docDeleted(docId: string): void;
}

export class Hub {
  private readonly docs = new Map<string, Set<Subscriber>>();
  /** docId → WebRTC peer id → the subscriber that signals as it (at most one per subscriber and document) */
  private readonly peers = new Map<string, Map<string, Subscriber>>();

  subscribe(docId: string, s: Subscriber): void {
    let set = this.docs.get(docId);
    if (!set) this.docs.set(docId, (set = new Set()));
    set.add(s);
  }

  unsubscribe(docId: string, s: Subscriber): void {
    const set = this.docs.get(docId);
    if (!set) return;
    set.delete(s);
    if (set.size === 0) this.docs.delete(docId);
    const peers = this.peers.get(docId);
    if (!peers) return;
    for (const [id, holder] of peers) if (holder === s) peers.delete(id);
    if (peers.size === 0) this.peers.delete(docId);
  }

  /** Binds a peer id to a subscriber of docId; false when another subscriber holds it (or s is not subscribed). */
  claimPeer(docId: string, peerId: string, s: Subscriber): boolean {
    if (!this.docs.get(docId)?.has(s)) return false;
    let peers = this.peers.get(docId);
    if (!peers) this.peers.set(docId, (peers = new Map()));
    const holder = peers.get(peerId);
    if (holder && holder !== s) return false;
    peers.set(peerId, s);
    return true;
  }

  /** To the one subscriber of docId that claimed peerId, unless that is `from`; nothing when none did. */
  sendToPeer(docId: string, peerId: string, from: Subscriber, frame: Uint8Array): void {
    const to = this.peers.get(docId)?.get(peerId);
    if (to && to !== from && this.docs.get(docId)?.has(to)) to.deliver(docId, 0, frame);
  }

  /** To every subscriber of docId except `from`. relaySeq 0: not a stored item (presence). */
  fanOut(docId: string, from: Subscriber, relaySeq: number, frame: Uint8Array): void {
    const set = this.docs.get(docId);
    if (!set) return;
    for (const s of set) if (s !== from) s.deliver(docId, relaySeq, frame);
  }

  deleted(docId: string, from: Subscriber): void {
    const set = this.docs.get(docId);
    if (!set) return;
    this.docs.delete(docId);
    this.peers.delete(docId);
    for (const s of set) if (s !== from) s.docDeleted(docId);
  }

  /** Documents with at least one subscriber (for metrics; never their ids). */
  get size(): number {
    return this.docs.size;
  }
}
