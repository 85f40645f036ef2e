/**
 * Keeps the tabs of one browser in step about the app lock. "Lock now" locks every tab (a seized
 * laptop must not keep one unlocked tab open). When the lock is turned on or off, or its passphrase
 * changes, every key record is re-wrapped: other tabs still hold the old key-encryption key and
 * would wrap new documents with it, so they close their documents and reload. A document deleted in
 * one tab is closed in the others, which then sweep whatever they wrote while closing.
 * Messages carry no secret, only what happened.
 */
type TabMessage =
  | { readonly t: 'dure-locked' }
  | { readonly t: 'dure-lock-config' }
  | { readonly t: 'dure-deleted'; readonly docId: string }
  | { readonly t: 'dure-erase' };

function isTabMessage(d: unknown): d is TabMessage {
  if (typeof d !== 'object' || d === null) return false;
  const m = d as Partial<{ t: unknown; docId: unknown }>;
  if (m.t === 'dure-deleted') return typeof m.docId === 'string' && m.docId.length <= 128;
  return m.t === 'dure-locked' || m.t === 'dure-lock-config' || m.t === 'dure-erase';
}

export class TabSync {
  private readonly channel: BroadcastChannel | undefined =
    typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('dure-app');

  announceLocked(): void {
    this.channel?.postMessage({ t: 'dure-locked' } satisfies TabMessage);
  }

  announceLockConfig(): void {
    this.channel?.postMessage({ t: 'dure-lock-config' } satisfies TabMessage);
  }

  /** A document was deleted here: a tab that still has it open must not keep writing its records. */
  announceDeleted(docId: string): void {
    this.channel?.postMessage({ t: 'dure-deleted', docId } satisfies TabMessage);
  }

  /** Everything on this device is being erased: other tabs stop using storage at once. */
  announceErase(): void {
    this.channel?.postMessage({ t: 'dure-erase' } satisfies TabMessage);
  }

  close(): void {
    this.channel?.close();
  }

  subscribe(handlers: { locked(): void; lockConfig(): void; deleted(docId: string): void; erase(): void }): void {
    this.channel?.addEventListener('message', (e: MessageEvent) => {
      if (!isTabMessage(e.data)) return;
      if (e.data.t === 'dure-locked') handlers.locked();
      else if (e.data.t === 'dure-deleted') handlers.deleted(e.data.docId);
      else if (e.data.t === 'dure-erase') handlers.erase();
      else handlers.lockConfig();
    });
  }
}
