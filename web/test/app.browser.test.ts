/**
 * The app in real Chromium, on the real core and IndexedDB: what a user sees for the list, the
 * toolbar, damaged records and a full disk. (The built app end to end is in test/e2e.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '../src/styles.css';
import { App } from '../src/app';
import { LocalCore } from '../src/core/local-core';
import { setLocale } from '../src/i18n/i18n';
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

const q = <E extends Element = HTMLElement>(sel: string): E | null => document.querySelector<E>(sel);
const byId = <E extends Element = HTMLElement>(id: string): E | null => q<E>(`[data-testid="${id}"]`);

function deleteDb(): Promise<void> {
  return new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase('dure');
    r.onsuccess = () => resolve();
    r.onerror = () => reject(r.error);
    // 'blocked' only means a connection is still closing (close() is asynchronous); the deletion
    // proceeds once it has closed, so keep waiting for success.
  });
}

/** Flips one byte near the end of every record under `prefix`, as a failing disk might. */
async function damage(prefix: string): Promise<string[]> {
  const db = await new Promise<IDBDatabase>((res, rej) => {
    const r = indexedDB.open('dure');
    r.onsuccess = () => res(r.result);
    r.onerror = () => rej(r.error);
  });
  try {
    const tx = db.transaction('records', 'readwrite');
    const st = tx.objectStore('records');
    const keys = await new Promise<IDBValidKey[]>((r) => {
      const g = st.getAllKeys(IDBKeyRange.bound(prefix, prefix + '\uffff'));
      g.onsuccess = () => r(g.result);
    });
    for (const k of keys) {
      const v = await new Promise<Uint8Array>((r) => {
        const g = st.get(k);
        g.onsuccess = () => r(g.result as Uint8Array);
      });
      const c = v.slice();
      c[c.length - 3]! ^= 1;
      st.put(c, k);
    }
    await new Promise((r) => (tx.oncomplete = r));
    return keys.map(String);
  } finally {
    db.close();
  }
}

let app: App | undefined;
let core: LocalCore | undefined;
let root: HTMLElement;

async function startApp(hash = '#/'): Promise<void> {
  history.replaceState(null, '', hash);
  core = await LocalCore.open();
  app = new App(root, core);
  app.start();
}

async function stopApp(): Promise<void> {
  await app?.stop();
  core?.close();
  app = undefined;
  core = undefined;
}

beforeEach(async () => {
  localStorage.clear();
  setLocale('en');
  await deleteDb();
  root = document.createElement('div');
  document.body.replaceChildren(root);
  await startApp();
});

afterEach(async () => {
  await stopApp();
});

async function newDocument(title: string, body: string): Promise<string> {
  location.hash = '#/';
  (await until(() => byId<HTMLButtonElement>('new-document'), 'new-document')).click();
  const handle = await until(() => window.__dure, 'the editor');
  const input = await until(() => byId<HTMLInputElement>('document-title'), 'title');
  input.value = title;
  input.dispatchEvent(new Event('input'));
  handle.editor.commands.insertContent(body);
  await until(() => byId('sync-status')?.dataset.saving === 'false', 'saved');
  return handle.docId;
}

const listTitles = (): string[] =>
  [...document.querySelectorAll('[data-testid="document-item"] .doc-title')].map((e) => e.textContent ?? '');

describe('document list', () => {
  it('shows a new document with its title and finds it by a Hangul search', async () => {
    await newDocument('회의록 초안', '오늘 회의');
    await newDocument('Budget', 'numbers');
    location.hash = '#/';
    await until(() => listTitles().length === 2 && listTitles(), 'two items');
    expect(listTitles()).toEqual(['Budget', '회의록 초안']);
    const search = byId<HTMLInputElement>('document-search')!;
    search.value = '회의';
    search.dispatchEvent(new Event('input'));
    expect(listTitles()).toEqual(['회의록 초안']);
  });

  it('lists a document whose list record is damaged as unreadable, still deletable', async () => {
    const broken = await newDocument('Broken', 'x');
    await newDocument('Fine', 'y');
    await stopApp();
    expect(await damage(`meta/${broken}`)).toHaveLength(1);
    await startApp('#/');
    const item = await until(
      () => q<HTMLElement>(`[data-testid="document-item"][data-doc-id="${broken}"]`),
      'the damaged item',
    );
    expect(item.dataset.problem).toBe('corrupt');
    expect(item.textContent).toContain('Unreadable document');
    expect(listTitles()).toContain('Fine');
    item.querySelector<HTMLButtonElement>('[data-testid="delete-document"]')!.click();
    (await until(() => byId<HTMLButtonElement>('delete-dialog-confirm'), 'confirm')).click();
    await until(() => !q(`[data-doc-id="${broken}"]`) && listTitles().length === 1, 'the item to go');
    expect(listTitles()).toEqual(['Fine']);
  });
});

describe('editor page', () => {
  it('shows pressed toolbar toggles and the local save state', async () => {
    await newDocument('Marks', 'plain');
    const editor = window.__dure!.editor;
    const bold = q<HTMLButtonElement>('[data-command="bold"]')!;
    expect(bold.getAttribute('aria-pressed')).toBe('false');
    bold.click();
    expect(editor.isActive('bold')).toBe(true);
    expect(bold.getAttribute('aria-pressed')).toBe('true');
    const status = byId('sync-status')!;
    expect(status.dataset.state).toBe('local');
    expect(status.dataset.pending).toBe('0');
    expect(status.textContent).toBe('Saved on this device');
  });

  it('a damaged update record is set aside with a notice; the title is not wiped from the list', async () => {
    const id = await newDocument('Keep this title', 'text');
    await stopApp();
    expect((await damage(`doc/${id}/`)).length).toBeGreaterThan(0);
    await startApp(`#/d/${id}`);
    await until(() => byId('quarantine-notice'), 'the quarantine notice');
    await stopApp();
    await startApp('#/');
    await until(() => listTitles().length === 1, 'the list');
    expect(listTitles()).toEqual(['Keep this title']);
  });

  it('a full disk shows a banner, keeps the edit in memory and saves it once space is back', async () => {
    const id = await newDocument('Full', 'before');
    const put = IDBObjectStore.prototype.put;
    let full = true;
    IDBObjectStore.prototype.put = function (this: IDBObjectStore, ...a: Parameters<IDBObjectStore['put']>) {
      if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      return put.apply(this, a);
    };
    try {
      window.__dure!.editor.commands.insertContent(' after');
      await until(() => byId('storage-error'), 'the storage banner');
      expect(byId('sync-status')!.dataset.error).toBe('true');
      // Leaving the page does not drop the edit, nor hide the problem.
      location.hash = '#/';
      await until(() => byId('document-list'), 'the list');
      expect(byId('storage-error')).not.toBeNull();
      full = false;
      await until(() => !byId('storage-error'), 'recovery');
    } finally {
      IDBObjectStore.prototype.put = put;
    }
    await stopApp();
    await startApp(`#/d/${id}`);
    const handle = await until(() => window.__dure?.docId === id && window.__dure, 'reopened');
    expect(handle.editor.getText()).toContain('before after');
  });
});

describe('lock', () => {
  it('locking closes open dialogs and clears the tab title: no title stays visible', async () => {
    await newDocument('Secret statement', 'text');
    // The browser's history database keeps page titles in plaintext: a document title never goes there.
    expect(document.title).not.toContain('Secret');
    location.hash = '#/';
    (await until(() => byId<HTMLButtonElement>('delete-document'), 'delete button')).click();
    const dialog = await until(() => byId<HTMLDialogElement>('delete-dialog'), 'dialog');
    expect(dialog.textContent).toContain('Secret statement');
    const r = await core!.lock.enable('correct horse battery');
    expect(r.ok).toBe(true);
    core!.lock.lock();
    await until(() => byId('lock-screen'), 'the lock screen');
    expect(document.querySelector('dialog[open]')).toBeNull();
    expect(document.title).not.toContain('Secret');
    expect(document.body.textContent).not.toContain('Secret statement');
  });
});

describe('erase this device', () => {
  it('asks for the confirmation word, then removes the whole database and the preferences', async () => {
    await newDocument('To be erased', 'gone');
    localStorage.setItem('dure.theme', 'dark');
    location.hash = '#/settings';
    (await until(() => byId<HTMLButtonElement>('erase-device'), 'erase button')).click();
    const input = await until(() => byId<HTMLInputElement>('erase-dialog-input'), 'confirmation input');
    input.value = 'erase please';
    byId<HTMLButtonElement>('erase-dialog-confirm')!.click();
    expect(byId('erase-dialog')).not.toBeNull(); // the wrong word keeps the dialog open
    input.value = 'ERASE';
    byId<HTMLButtonElement>('erase-dialog-confirm')!.click();
    await until(() => byId('erased'), 'the erased screen');
    const names = (await indexedDB.databases()).map((d) => d.name);
    expect(names).not.toContain('dure');
    expect(localStorage.getItem('dure.theme')).toBeNull();
  });
});

describe('read-only documents', () => {
  it('a document written by a newer schema opens read-only with a message, and stays unchanged', async () => {
    const id = await newDocument('Future', 'from the future');
    const ydoc = window.__dure!.ydoc;
    ydoc.getMap('meta').set('schemaVersion', 99);
    await until(() => byId('sync-status')?.dataset.saving === 'false', 'saved');
    await stopApp();
    await startApp(`#/d/${id}`);
    const handle = await until(() => window.__dure?.docId === id && window.__dure, 'reopened');
    const notice = await until(() => byId<HTMLElement>('readonly-notice'), 'notice');
    expect(notice.hidden).toBe(false);
    expect(notice.textContent).toContain('newer version');
    expect(handle.editor.isEditable).toBe(false);
    expect(byId<HTMLInputElement>('document-title')!.readOnly).toBe(true);
    expect(handle.editor.getText()).toContain('from the future');
  });

  it('a view link opens read-only; the secret leaves the address bar', async () => {
    const fragment = formatFragment(viewCapabilityOf(newEditCapability()));
    location.hash = `#${fragment}`;
    const handle = await until(() => window.__dure, 'the editor');
    expect(location.hash).toBe(`#/d/${handle.docId}`);
    expect(location.href).not.toContain(fragment.slice(3, 20));
    expect(handle.editor.isEditable).toBe(false);
    expect(byId('readonly-notice')!.textContent).toContain('view link');
  });
});

describe('interface language', () => {
  it('switches to Korean and keeps <html lang> in sync', async () => {
    location.hash = '#/settings';
    const select = await until(() => byId<HTMLSelectElement>('settings-language'), 'language select');
    select.value = 'ko';
    select.dispatchEvent(new Event('change'));
    await until(() => document.documentElement.lang === 'ko', 'lang=ko');
    await until(() => byId('nav-documents')?.textContent === '문서', 'Korean navigation');
    expect(localStorage.getItem('dure.lang')).toBe('ko');
  });
});
