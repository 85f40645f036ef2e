/**
 * One running copy per user: two copies would open the same IndexedDB profile and fight over it. A second
 * start hands its command line (which may carry a dure:// link) to the first and quits.
 */
import { linkFromArgv, type LinkInbox } from './deep-link';

/** The parts of Electron's `app` this module uses. */
export interface SingleInstanceApp {
  requestSingleInstanceLock(): boolean;
  on(event: 'second-instance', listener: (event: unknown, argv: string[], cwd: string) => void): unknown;
  quit(): void;
}

/**
 * Returns false when another copy holds the lock: this one has already asked to quit and must not open
 * a window. Otherwise later starts focus the window (`focus`) and forward their link to `inbox`.
 */
export function claimSingleInstance(app: SingleInstanceApp, inbox: LinkInbox, focus: () => void): boolean {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return false;
  }
  app.on('second-instance', (_event, argv) => {
    focus();
    const link = linkFromArgv(argv);
    if (link) inbox.push(link);
  });
  return true;
}

/** Brings a window forward, restoring it first if it was minimized. */
export function focusWindow(
  win: { isDestroyed(): boolean; isMinimized(): boolean; restore(): void; show(): void; focus(): void } | undefined,
): void {
  if (!win || win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
