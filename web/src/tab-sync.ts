/**
 * Keeps the tabs of one browser in step about the app lock. "Lock now" locks every tab (a seized
 * laptop must not keep one unlocked tab open). When the lock is turned on or off, or its passphrase
 * changes, every key record is re-wrapped: other tabs still hold the old key-encryption key and
 * would wrap new documents with it, so they close their documents and reload.
 * Messages carry no secret, only what happened.
 */
type TabMessage = { readonly t: 'dure-locked' } | { readonly t: 'dure-lock-config' };

const isTabMessage = (d: unknown): d is TabMessage =>
  typeof d === 'object' &&
  d !== null &&
  ((d as TabMessage).t === 'dure-locked' || (d as TabMessage).t === 'dure-lock-config');

export class TabSync {
  private readonly channel: BroadcastChannel | undefined =
    typeof BroadcastChannel === 'undefined' ? undefined : new BroadcastChannel('dure-app');

  announceLocked(): void {
    this.channel?.postMessage({ t: 'dure-locked' } satisfies TabMessage);
  }

  announceLockConfig(): void {
    this.channel?.postMessage({ t: 'dure-lock-config' } satisfies TabMessage);
  }

  close(): void {
    this.channel?.close();
  }

  subscribe(handlers: { locked(): void; lockConfig(): void }): void {
    this.channel?.addEventListener('message', (e: MessageEvent) => {
      if (!isTabMessage(e.data)) return;
      if (e.data.t === 'dure-locked') handlers.locked();
      else handlers.lockConfig();
    });
  }
}
