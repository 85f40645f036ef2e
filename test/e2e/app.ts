/**
 * Driving the app only through the automation contract (README): data-testids and the read-only
 * debugging handle window.__dure = { editor, ydoc, docId } on the editor page.
 */
import type { Page } from '@playwright/test';
import { appUrl, expect } from './fixtures';

/** The slice of window.__dure the tests read (TipTap Editor and Y.Doc, typed loosely on purpose). */
export interface DureHandle {
  editor: {
    getText(): string;
    getHTML(): string;
    isEditable: boolean;
    commands: { focus(pos?: unknown): boolean; setTextSelection(pos: number): boolean };
    state: { doc: { content: { size: number } }; selection: { from: number; to: number } };
  };
  ydoc: { getXmlFragment(name?: string): { toString(): string } };
  docId: string;
}

declare global {
  interface Window {
    __dure?: DureHandle;
    __pwned?: unknown;
  }
}

export const editorContent = (page: Page) => page.locator('[data-testid="editor"] .ProseMirror');

/** Waits until the editor page shows document `docId` (or any document) and is editable. */
export async function waitForEditor(page: Page, docId?: string): Promise<string> {
  await expect(page.getByTestId('editor')).toBeVisible();
  await page.waitForFunction((id) => {
    const d = window.__dure;
    return !!d && !!d.editor && d.editor.isEditable && (id === undefined || d.docId === id);
  }, docId);
  return page.evaluate(() => window.__dure!.docId);
}

/** From the list: create a document and land in its editor. Returns the document id. */
/**
 * To the document list the way a user goes there: inside the app through the fragment route (the
 * open document is closed by the app), or by loading the app when the page is elsewhere.
 */
export async function gotoList(page: Page): Promise<void> {
  if (page.url().startsWith(appUrl())) await page.evaluate(() => (location.hash = '#/'));
  else await page.goto(appUrl());
  await expect(page.getByTestId('document-list')).toBeVisible();
}

export async function createDocument(page: Page): Promise<string> {
  await gotoList(page);
  await page.getByTestId('new-document').click();
  return waitForEditor(page);
}

export async function openDocument(page: Page, docId: string): Promise<void> {
  await page.goto(`${appUrl()}#/d/${docId}`);
  await waitForEditor(page, docId);
}

export const editorText = (page: Page): Promise<string> => page.evaluate(() => window.__dure!.editor.getText());
export const editorHtml = (page: Page): Promise<string> => page.evaluate(() => window.__dure!.editor.getHTML());
/** The Yjs side of the binding: what is stored and synced, not just what is shown. */
export const yXml = (page: Page): Promise<string> =>
  page.evaluate(() => window.__dure!.ydoc.getXmlFragment('default').toString());

/** Click into the editor and put the caret at the end of the document. */
export async function focusEnd(page: Page): Promise<void> {
  await editorContent(page).click();
  await page.evaluate(() => window.__dure!.editor.commands.focus('end'));
}

/**
 * Waits until the document's edits are committed to IndexedDB: the sync-status element stops showing
 * unsaved work. (data-saving is the app's local-save flag; data-pending counts relay acks.)
 */
export async function waitForSaved(page: Page): Promise<void> {
  const status = page.getByTestId('sync-status');
  await expect(status).toHaveAttribute('data-state', 'local');
  await expect(status).not.toHaveAttribute('data-saving', 'true');
}

export interface RecordInfo {
  key: string;
  size: number;
}

/** Every record key and value size in the app's IndexedDB database, read from the page. */
export function dumpRecords(page: Page): Promise<RecordInfo[]> {
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dure');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      if (!db.objectStoreNames.contains('records')) return [];
      const tx = db.transaction('records', 'readonly');
      const store = tx.objectStore('records');
      const out: { key: string; size: number }[] = [];
      await new Promise<void>((resolve, reject) => {
        const req = store.openCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (!c) return resolve();
          const v = c.value as unknown;
          const size = v instanceof Uint8Array ? v.byteLength : v instanceof ArrayBuffer ? v.byteLength : -1;
          out.push({ key: String(c.key), size });
          c.continue();
        };
        req.onerror = () => reject(req.error);
      });
      return out;
    } finally {
      db.close();
    }
  });
}

/**
 * Scans every record (keys and values, both object stores) for the UTF-8 bytes of each word.
 * Returns the words found, with where.
 */
export function findPlaintext(page: Page, words: readonly string[]): Promise<string[]> {
  return page.evaluate(async (needles) => {
    const enc = new TextEncoder();
    const pats = needles.map((w) => ({ w, b: enc.encode(w) }));
    const contains = (hay: Uint8Array, pat: Uint8Array): boolean => {
      outer: for (let i = 0; i + pat.length <= hay.length; i++) {
        for (let j = 0; j < pat.length; j++) if (hay[i + j] !== pat[j]) continue outer;
        return true;
      }
      return false;
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dure');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const found: string[] = [];
    try {
      for (const name of Array.from(db.objectStoreNames)) {
        const tx = db.transaction(name, 'readonly');
        const store = tx.objectStore(name);
        await new Promise<void>((resolve, reject) => {
          const req = store.openCursor();
          req.onsuccess = () => {
            const c = req.result;
            if (!c) return resolve();
            const key = String(c.key);
            const v = c.value as unknown;
            const bytes =
              v instanceof Uint8Array
                ? v
                : v instanceof ArrayBuffer
                  ? new Uint8Array(v)
                  : enc.encode(JSON.stringify(v) ?? '');
            for (const p of pats) {
              if (key.includes(p.w)) found.push(`${p.w} in key ${name}/${key}`);
              if (contains(bytes, p.b)) found.push(`${p.w} in value ${name}/${key}`);
            }
            c.continue();
          };
          req.onerror = () => reject(req.error);
        });
      }
      // Nor may the app's small preferences in localStorage.
      for (let i = 0; i < localStorage.length; i++) {
        const k = localStorage.key(i) ?? '';
        const v = localStorage.getItem(k) ?? '';
        for (const p of pats) if (k.includes(p.w) || v.includes(p.w)) found.push(`${p.w} in localStorage ${k}`);
      }
      return found;
    } finally {
      db.close();
    }
  }, words);
}
