/**
 * The sync UI in real Chromium on the real core and the real sync engine: the settings decide where a
 * newly opened document syncs (or that it stays on this device), the sync-status tells which, the
 * who-is-here list follows the name setting, the share dialog draws a QR code per link and explains
 * that the link is the key, and a view link gets a read-only editor without a toolbar.
 * (No relay runs here: the relay end to end is in test/e2e/collab*.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../src/styles.css';
import { App } from '../src/app';
import { LocalCore } from '../src/core/local-core';
import { setLocale } from '../src/i18n/i18n';
import { syncEngine } from '../src/sync/engine';
import { syncConfig } from '../src/sync/config';
import { formatFragment, newEditCapability, viewCapabilityOf } from '@dure/shared';

const WAIT_MS = 10_000;
async function until<T>(f: () => T | undefined | null | false, what: string): Promise<T> {
  const end = performance.now() + WAIT_MS;
  for (;;) {
    const v = f();
    if (v) return v;
    if (performance.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const byId = <E extends Element = HTMLElement>(id: string): E | null =>
  document.querySelector<E>(`[data-testid="${id}"]`);

function deleteDb(): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase('dure');
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
  });
}

let app: App | undefined;
let core: LocalCore | undefined;
let root: HTMLElement;

async function startApp(hash = '#/'): Promise<void> {
  history.replaceState(null, '', hash);
  core = await LocalCore.open({ sync: { engine: syncEngine!, config: () => syncConfig() } });
  app = new App(root, core);
  app.start();
}

beforeEach(async () => {
  localStorage.clear();
  setLocale('en');
  await deleteDb();
  root = document.createElement('div');
  document.body.replaceChildren(root);
});

afterEach(async () => {
  for (const d of document.querySelectorAll('dialog')) d.close();
  await app?.stop();
  core?.close();
  app = undefined;
  core = undefined;
});

async function chooseSync(mode: 'default' | 'custom' | 'off', url?: string): Promise<void> {
  location.hash = '#/settings';
  const select = await until(() => byId<HTMLSelectElement>('settings-sync-mode'), 'the sync setting');
  select.value = mode;
  select.dispatchEvent(new Event('change'));
  if (url !== undefined) {
    const input = byId<HTMLInputElement>('settings-sync-url')!;
    input.value = url;
    input.dispatchEvent(new Event('change'));
  }
}

async function newDocument(): Promise<string> {
  location.hash = '#/';
  (await until(() => byId<HTMLButtonElement>('new-document'), 'new-document')).click();
  return (await until(() => window.__dure, 'the editor')).docId;
}

describe('sync settings and status', () => {
  it('"this device only" keeps a new document local; a relay address makes it connect', async () => {
    await startApp();
    await chooseSync('off');
    expect(byId('settings-sync-current')!.dataset.mode).toBe('off');
    await newDocument();
    const status = byId('sync-status')!;
    expect(status.dataset.state).toBe('local');
    expect(status.dataset.pending).toBe('0');
    expect(status.textContent).toBe('Saved on this device');
    expect(byId('sync-details')!.hidden).toBe(true);
    expect(window.__dure!.sync.role).toBe('off');

    // Nothing listens on port 9: the document never claims to be synced.
    await chooseSync('custom', '127.0.0.1:9');
    expect(byId<HTMLInputElement>('settings-sync-url')!.value).toBe('wss://127.0.0.1:9/sync');
    await chooseSync('custom', 'ws://127.0.0.1:9/sync');
    expect(byId('settings-sync-current')!.textContent).toContain('ws://127.0.0.1:9/sync');
    await newDocument();
    await until(() => window.__dure?.sync.role === 'leader', 'the session to start');
    const s = await until(() => {
      const el = byId('sync-status');
      return el && ['connecting', 'offline', 'error'].includes(el.dataset.state ?? '') ? el : null;
    }, 'a relay state');
    expect(s.textContent).not.toBe('Synced');
    window.__dure!.editor.commands.insertContent('오프라인에서 쓴 글');
    await until(() => Number(byId('sync-status')!.dataset.pending) > 0, 'the change to wait for a relay');
    expect(byId('sync-status')!.dataset.state).not.toBe('synced');
    expect(byId('sync-details')!.hidden).toBe(false);
  });

  it('refuses an address that is not a relay and keeps the previous setting', async () => {
    await startApp();
    await chooseSync('custom', 'ftp://example.org');
    expect(byId('settings-sync-url-error')!.textContent).not.toBe('');
    expect(byId('settings-sync-current')!.dataset.mode).toBe('default');
  });
});

describe('who is here, sharing, viewing', () => {
  it('the peer list shows this person by the name set in settings, marked as you', async () => {
    await startApp();
    await chooseSync('off');
    const name = await until(() => byId<HTMLInputElement>('settings-user-name'), 'the name field');
    name.value = '김 민지';
    name.dispatchEvent(new InputEvent('input'));
    await newDocument();
    const peers = [...byId('peer-list')!.querySelectorAll<HTMLElement>('[data-testid="peer"]')];
    expect(peers).toHaveLength(1);
    expect(peers[0]!.dataset.self).toBe('true');
    expect(peers[0]!.textContent).toContain('김 민지');
    expect(peers[0]!.textContent).toContain('(you)');
  });

  it('without a name a device is a numbered guest, in the UI language', async () => {
    setLocale('ko');
    await startApp();
    await chooseSync('off');
    await newDocument();
    expect(byId('peer-list')!.textContent).toMatch(/^손님 \d{4}\(나\)$/);
  });

  it('the share dialog explains the key and draws a QR code for each link', async () => {
    await startApp();
    await chooseSync('off');
    await newDocument();
    byId<HTMLButtonElement>('share-document')!.click();
    const dialog = await until(() => byId('share-dialog'), 'the share dialog');
    expect(byId('share-key-note')!.textContent).toMatch(/link is the key/);
    for (const id of ['share-edit-link-qr', 'share-view-link-qr']) {
      const svg = byId(id)!.querySelector('svg')!;
      expect(svg.getAttribute('role')).toBe('img');
      expect(svg.querySelector('path')!.getAttribute('d')!.length).toBeGreaterThan(1000);
    }
    // Renaming from the dialog reaches the list at once.
    const name = byId<HTMLInputElement>('share-user-name')!;
    name.value = 'Bora';
    name.dispatchEvent(new InputEvent('input'));
    await until(() => byId('peer-list')!.textContent?.includes('Bora'), 'the rename');
    dialog.querySelector<HTMLButtonElement>('button[type="submit"]')!.click();
  });

  it('a view link opens read-only: badge, no toolbar, title not editable, only the view link offered', async () => {
    await startApp();
    await chooseSync('off');
    const cap = newEditCapability();
    location.hash = '#' + formatFragment(viewCapabilityOf(cap));
    const handle = await until(() => window.__dure, 'the editor');
    expect(handle.editor.isEditable).toBe(false);
    expect(byId('view-only')!.hidden).toBe(false);
    expect(byId('view-only')!.textContent).toBe('View only');
    expect(byId('toolbar')).toBeNull();
    expect(byId<HTMLInputElement>('document-title')!.readOnly).toBe(true);
    byId<HTMLButtonElement>('share-document')!.click();
    await until(() => byId('share-dialog'), 'the share dialog');
    expect(byId('share-edit-link')).toBeNull();
    expect(byId('share-edit-link-qr')).toBeNull();
    expect(byId<HTMLInputElement>('share-view-link')!.value).toMatch(/#1r\./);
  });

  it('an edit link shows no view-only badge', async () => {
    await startApp();
    await chooseSync('off');
    await newDocument();
    expect(byId('view-only')!.hidden).toBe(true);
    expect(byId('toolbar')).not.toBeNull();
  });
});

describe('a remote update that cannot be applied', () => {
  it('closes the document, reopens it from this device with a new session and says so; nothing typed is lost', async () => {
    // The real engine; the test only takes hold of the session's 'reload-needed' signal, which a
    // relay-delivered update that throws inside Yjs would raise (shared/test covers when).
    const reloads: (() => void)[] = [];
    let started = 0;
    const engine = {
      startSession: async (opts: Parameters<NonNullable<typeof syncEngine>['startSession']>[0]) => {
        const session = await syncEngine!.startSession(opts);
        started++;
        const on = session.on.bind(session);
        session.on = ((event, cb) => {
          if (event === 'reload-needed') reloads.push(cb as () => void);
          return on(event, cb);
        }) as typeof session.on;
        return session;
      },
      createTransport: syncEngine!.createTransport,
    };
    history.replaceState(null, '', '#/');
    localStorage.setItem('dure.syncMode', 'custom');
    localStorage.setItem('dure.syncUrl', 'ws://127.0.0.1:9/sync');
    core = await LocalCore.open({ sync: { engine, config: () => syncConfig() } });
    app = new App(root, core);
    app.start();
    const docId = await newDocument();
    window.__dure!.editor.commands.insertContent('다시 열어도 남는 글');
    await until(() => reloads.length === 1, 'the session to listen');
    const firstEditor = window.__dure!.editor;

    reloads[0]!();
    await until(() => byId('document-reloaded'), 'the notice');
    const again = await until(
      () => (window.__dure?.editor !== firstEditor ? window.__dure : null),
      'the reopened editor',
    );
    expect(again.docId).toBe(docId);
    expect(again.editor.getText()).toBe('다시 열어도 남는 글');
    expect(firstEditor.isDestroyed).toBe(true);
    await until(() => started === 2, 'a new session');
  });
});
