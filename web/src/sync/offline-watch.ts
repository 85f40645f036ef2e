/**
 * When the browser says it went offline, end the relay connections at once. A socket that is not
 * closed (Chromium's offline mode, a dropped Wi-Fi, a dead NAT mapping) otherwise stays "open" with
 * nothing getting through, and the status would keep saying synced while changes pile up. Closing it
 * hands the session its ordinary reconnect path: offline, then connecting, then synced again.
 */
import type { Transport, TransportHandler } from '@dure/shared/sync/types';

const live = new Set<Transport>();
let listening = false;

function listen(): void {
  if (listening || typeof window === 'undefined') return;
  listening = true;
  window.addEventListener('offline', () => {
    for (const t of [...live]) t.disconnect();
  });
}

/** The same transport, disconnected whenever the window's 'offline' event fires. */
export function disconnectWhenOffline(inner: Transport): Transport {
  listen();
  const outer: Transport = {
    id: inner.id,
    kind: inner.kind,
    get buffered(): number {
      return inner.buffered;
    },
    connect(handler: TransportHandler): void {
      live.add(outer);
      inner.connect({
        open: () => handler.open(),
        frame: (b) => handler.frame(b),
        close: (info) => {
          live.delete(outer);
          handler.close(info);
        },
      });
    },
    send: (frame) => inner.send(frame),
    disconnect: () => inner.disconnect(),
  };
  return outer;
}
