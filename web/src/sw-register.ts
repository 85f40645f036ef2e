/**
 * Registers the offline service worker and surfaces updates. A new worker waits until the user
 * accepts the "update available" banner; only then is it told to take over, and the page reloads
 * once it controls the page. Secure contexts only (browsers refuse workers elsewhere anyway); elsewhere
 * a note says that offline start needs the installed app or an https address.
 */
import type { Banners } from './ui/banners';
import { t } from './i18n/i18n';

export function registerServiceWorker(banners: Banners): void {
  if (!import.meta.env.PROD) return;
  // A plain-http LAN address (a meeting): no worker can be registered, so the page cannot open offline.
  // Say so once per load; everything else works there (pure-JS crypto, IndexedDB, the relay).
  if (!window.isSecureContext) {
    banners.show('insecure-origin', {
      kind: 'info',
      testid: 'insecure-origin-note',
      text: t('update.insecureOrigin'),
      dismissLabel: t('common.dismiss'),
    });
    return;
  }
  if (!('serviceWorker' in navigator)) return;
  let accepted = false;
  const offer = (worker: ServiceWorker): void => {
    banners.show('update', {
      kind: 'info',
      testid: 'update-available',
      text: t('update.available'),
      action: {
        label: t('update.accept'),
        run: () => {
          accepted = true;
          worker.postMessage('skip-waiting');
        },
      },
      dismissLabel: t('update.later'),
    });
  };
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // The first install also claims the page; reload only for an update the user accepted.
    if (accepted) location.reload();
  });
  void navigator.serviceWorker
    .register('./sw.js', { scope: './' })
    .then((reg) => {
      const track = (w: ServiceWorker | null): void => {
        if (!w) return;
        const check = (): void => {
          if (w.state === 'installed' && navigator.serviceWorker.controller) offer(w);
        };
        w.addEventListener('statechange', check);
        check();
      };
      // An update found before this script ran (the browser checks on navigation) may still be
      // installing, or already waiting from an earlier visit.
      track(reg.waiting);
      track(reg.installing);
      reg.addEventListener('updatefound', () => track(reg.installing));
    })
    .catch((e: unknown) => console.warn('service worker registration failed', e));
}
