/**
 * dure:// links. Only two shapes open anything: `dure://open#<fragment>` and the web app's
 * `https://<host>/#<fragment>`, where the fragment is an edit (`1e.`) or view (`1r.`) link as
 * shared/src/crypto/capability.ts parses it. Everything else is refused, because a link can arrive from any
 * web page or program on the machine.
 */
import { parseFragment } from '@dure/shared/crypto/capability';
import { err, ok, type Result } from '@dure/shared/result';
import { CHANNELS } from '../shared-api';
import { v, type Ipc } from './ipc';

export const DEEP_LINK_SCHEME = 'dure';

export interface DeepLink {
  /** the capability fragment without '#', e.g. `1e.<43 chars>`: what the renderer's "open link" path takes */
  readonly fragment: string;
  readonly kind: 'edit' | 'view';
}

export type DeepLinkError = 'not-a-link' | 'malformed';

/** Far above the longest valid link (a view link on a long host name), far below anything worth parsing. */
const MAX_LINK_CHARS = 600;

export function parseDeepLink(raw: string): Result<DeepLink, DeepLinkError> {
  if (typeof raw !== 'string' || raw.length > MAX_LINK_CHARS) return err('not-a-link');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return err('not-a-link');
  }
  if (url.username !== '' || url.password !== '' || url.search !== '') return err('not-a-link');
  if (url.protocol === `${DEEP_LINK_SCHEME}:`) {
    if (url.host !== 'open' || (url.pathname !== '' && url.pathname !== '/')) return err('not-a-link');
  } else if (url.protocol === 'https:') {
    if (url.pathname !== '/') return err('not-a-link');
  } else {
    return err('not-a-link');
  }
  const fragment = url.hash.slice(1);
  if (fragment === '') return err('not-a-link');
  const cap = parseFragment(fragment);
  if (!cap.ok) return err('malformed');
  return ok({ fragment, kind: cap.value.kind });
}

/**
 * The link in a command line (Windows and Linux start the app, or a second instance, with the URL as an
 * argument). Only `dure://` arguments count: an https URL on the command line is not ours to open.
 */
export function linkFromArgv(argv: readonly string[]): DeepLink | undefined {
  for (const a of argv) {
    if (!a.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}://`)) continue;
    const r = parseDeepLink(a);
    if (r.ok) return r.value;
  }
  return undefined;
}

/**
 * Holds links that arrive before the window can take them (a cold start by a link), then hands each to
 * the renderer exactly once.
 */
export class LinkInbox {
  private pending: DeepLink[] = [];
  private deliver: ((l: DeepLink) => void) | undefined;

  push(link: DeepLink): void {
    if (this.deliver) this.deliver(link);
    // Only the newest link matters if several arrive before the window is ready; keep a few, not a flood.
    else this.pending = [...this.pending.slice(-3), link];
  }

  /** Called once the renderer listens; returns a detach for when the window closes. */
  attach(deliver: (l: DeepLink) => void): () => void {
    this.deliver = deliver;
    const queued = this.pending;
    this.pending = [];
    queued.forEach(deliver);
    return () => {
      if (this.deliver === deliver) this.deliver = undefined;
    };
  }
}

/** The parts of Electron's `app` this module uses. */
export interface DeepLinkApp {
  setAsDefaultProtocolClient(protocol: string, path?: string, args?: string[]): boolean;
  on(event: 'open-url', listener: (event: { preventDefault(): void }, url: string) => void): unknown;
}

/**
 * Registers dure:// with the system and routes macOS 'open-url' events. Windows and Linux deliver the link
 * on the command line instead: the first start reads `argv`, later ones arrive through second-instance
 * (single-instance.ts). `devEntry` is the script path of an unpackaged run (`electron .`), which the
 * system must pass to the Electron binary.
 */
export function registerDeepLinks(
  app: DeepLinkApp,
  inbox: LinkInbox,
  opts: { argv: readonly string[]; execPath: string; devEntry?: string },
): void {
  if (opts.devEntry) app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, opts.execPath, [opts.devEntry]);
  else app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    const r = parseDeepLink(url);
    if (r.ok) inbox.push(r.value);
  });
  const first = linkFromArgv(opts.argv);
  if (first) inbox.push(first);
}

/**
 * When a window's renderer says it listens (linksReady), queued and later links go to that window;
 * `send` delivers one fragment to the webContents with this id (EVENTS.openLink).
 */
export function registerLinkIpc(
  ipc: Ipc,
  inbox: LinkInbox,
  send: (contentsId: number, fragment: string) => void,
): void {
  let detach: (() => void) | undefined;
  ipc.handle(CHANNELS.linksReady, v.args(), (_args, event) => {
    detach?.();
    const id = event.sender.id;
    detach = inbox.attach((link) => send(id, link.fragment));
  });
}
