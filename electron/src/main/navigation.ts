/**
 * A window shows the app and nothing else: navigation away from app://dure/ is blocked, new windows
 * are never opened, <webview> never attaches. An https link the user clicks may open in the system
 * browser, but only after they confirm, because a document's link can come from anyone who shares it.
 */
import type { OpenExternalResult } from '../shared-api';
import { isAppUrl } from './ipc';

export interface ExternalDeps {
  /** Ask the user; true when they chose to open it (a dialog via electron-api in main.ts). */
  readonly confirm: (url: string) => Promise<boolean>;
  /** shell.openExternal. */
  readonly open: (url: string) => Promise<void>;
}

/** Only https, no credentials in the URL, a sane length. */
export function externalUrl(url: string): string | null {
  if (url.length > 4096) return null;
  try {
    const u = new URL(url);
    if (u.protocol !== 'https:' || u.username !== '' || u.password !== '' || u.hostname === '') return null;
    return u.href;
  } catch {
    return null;
  }
}

export async function openExternal(url: string, deps: ExternalDeps): Promise<OpenExternalResult> {
  const safe = externalUrl(url);
  if (safe === null) return 'refused';
  if (!(await deps.confirm(safe))) return 'declined';
  await deps.open(safe);
  return 'opened';
}

/** The parts of Electron's WebContents this module touches. */
export interface GuardedContents {
  on(
    event: 'will-navigate' | 'will-redirect' | 'will-frame-navigate',
    listener: (event: { preventDefault(): void; url?: string; isMainFrame?: boolean }, url?: string) => void,
  ): unknown;
  on(event: 'will-attach-webview', listener: (event: { preventDefault(): void }) => void): unknown;
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void;
}

/** For app.on('web-contents-created'): every webContents, ours or not, gets the same rules. */
export function guardContents(contents: GuardedContents, deps: ExternalDeps): void {
  const block = (event: { preventDefault(): void; url?: string }, url?: string) => {
    const target = event.url ?? url ?? '';
    if (isAppUrl(target)) return;
    event.preventDefault();
    // A plain link click on an https URL navigates the window; offer it to the system browser instead.
    void openExternal(target, deps).catch(() => undefined);
  };
  contents.on('will-navigate', block);
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(event.url ?? url ?? '')) event.preventDefault();
  });
  contents.on('will-frame-navigate', (event, url) => {
    // Subframes too: the app has none, so any frame leaving app://dure/ is someone else's doing.
    if (!isAppUrl(event.url ?? url ?? '')) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    void openExternal(url, deps).catch(() => undefined);
    return { action: 'deny' };
  });
}
