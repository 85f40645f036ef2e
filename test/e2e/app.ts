/**
 * Driving the app only through the automation contract (README): data-testids and the read-only
 * debugging handle window.__dure = { editor, ydoc, docId } on the editor page.
 */
import type { Editor } from '@tiptap/core';
import type { Page } from '@playwright/test';
import { appUrl, expect } from './fixtures';

/** The slice of window.__dure the tests read (TipTap Editor and Y.Doc, typed loosely on purpose). */
export interface DureHandle {
  editor: {
    getText(): string;
    getHTML(): string;
    isEditable: boolean;
    commands: {
      focus(pos?: unknown): boolean;
      setTextSelection(pos: number): boolean;
      insertContent(value: unknown): boolean;
    };
    state: {
      doc: {
        content: { size: number };
        childCount: number;
        child(i: number): { nodeSize: number; content: { size: number } };
      };
      selection: { from: number; to: number };
    };
  };
  ydoc: {
    getXmlFragment(name?: string): { toString(): string };
    getMap(name: string): { get(key: string): unknown; set(key: string, value: unknown): void };
  };
  docId: string;
  /** the page's SyncView (issue #4): which tab runs the session */
  sync?: { role: 'off' | 'waiting' | 'follower' | 'leader' };
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
export async function gotoList(page: Page, base: string = appUrl()): Promise<void> {
  if (page.url().startsWith(base)) await page.evaluate(() => (location.hash = '#/'));
  else await page.goto(base);
  await expect(page.getByTestId('document-list')).toBeVisible();
}

/** `base`: the app's address when it is not the shared webServer's (a private server, a proxy). */
export async function createDocument(page: Page, base: string = appUrl()): Promise<string> {
  await gotoList(page, base);
  await page.getByTestId('new-document').click();
  return waitForEditor(page);
}

export async function openDocument(page: Page, docId: string, base: string = appUrl()): Promise<void> {
  await page.goto(`${base}#/d/${docId}`);
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
  // Any state: with a relay configured (issue #4) it is connecting/synced/offline, not 'local'.
  await expect(status).toHaveAttribute('data-state', /^(local|offline|connecting|synced|error)$/);
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

// ---- collaboration (issue #4) ------------------------------------------------------------------------

/**
 * Bounds for waiting on the network: the engine's reconnect backoff grows to 30 s (with jitter), so a
 * reconnect after an outage may take that long before the catch-up. A bound against hangs, not a timing.
 */
export const SYNC_TIMEOUT = 60_000;

export const syncStatus = (page: Page) => page.getByTestId('sync-status');

/** data-state and data-pending of sync-status, read together (they change independently). */
export function readSyncStatus(page: Page): Promise<{ state: string | null; pending: number }> {
  return syncStatus(page).evaluate((el) => ({
    state: el.getAttribute('data-state'),
    pending: Number(el.getAttribute('data-pending')),
  }));
}

/** The page's status says: a relay delivered its catch-up and acknowledged every local change. */
export async function waitForSynced(page: Page, timeout = SYNC_TIMEOUT): Promise<void> {
  await expect
    .poll(() => readSyncStatus(page), { timeout, message: 'sync-status data-state=synced data-pending=0' })
    .toEqual({ state: 'synced', pending: 0 });
}

/** The edit and view links from the share dialog (edit is null for a view capability). */
export async function shareLinks(page: Page): Promise<{ edit: string | null; view: string }> {
  await page.getByTestId('share-document').click();
  const dialog = page.getByTestId('share-dialog');
  await expect(dialog).toBeVisible();
  const view = await page.getByTestId('share-view-link').inputValue();
  const editField = page.getByTestId('share-edit-link');
  const edit = (await editField.count()) > 0 ? await editField.inputValue() : null;
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  return { edit, view };
}

/** The same link on another server address (a profile that reaches the server another way). */
export function linkOn(link: string, baseUrl: string): string {
  const i = link.indexOf('#');
  if (i < 0) throw new Error(`not a link with a fragment: ${link}`);
  return new URL(baseUrl).origin + '/' + link.slice(i);
}

/** Opens an edit or view link in this page and waits for its document's editor (editable or not). */
export async function openLink(page: Page, link: string): Promise<string> {
  await page.goto(link);
  await expect(page.getByTestId('editor')).toBeVisible();
  await page.waitForFunction(() => !!window.__dure?.editor && !!window.__dure.docId);
  return page.evaluate(() => window.__dure!.docId);
}

/** Puts the caret at the start or end of the i-th top-level block (a paragraph) and focuses the editor. */
export async function caretIn(page: Page, block: number, where: 'start' | 'end'): Promise<void> {
  await editorContent(page).click();
  // ProseMirror reads the click's DOM selection on 'selectionchange', which can fire after click() has
  // returned and then overrides a selection set here: set it, let two frames pass, and check it stayed
  // at the start/end of that block (checked structurally: a collaborator's typing shifts positions).
  await page.evaluate(
    async ([i, at]) => {
      const ed = window.__dure!.editor as unknown as Editor;
      const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
      for (let attempt = 0; attempt < 10; attempt++) {
        const doc = ed.state.doc;
        if (i >= doc.childCount) throw new Error(`no block ${i}: the document has ${doc.childCount}`);
        let pos = 0;
        for (let k = 0; k < i; k++) pos += doc.child(k).nodeSize;
        pos += 1 + (at === 'end' ? doc.child(i).content.size : 0);
        ed.commands.setTextSelection(pos);
        ed.commands.focus();
        await frame();
        await frame();
        const $from = ed.state.selection.$from;
        const inBlock = $from.depth >= 1 && $from.index(0) === i;
        const atEdge = at === 'end' ? $from.parentOffset === $from.parent.content.size : $from.parentOffset === 0;
        if (ed.state.selection.empty && inBlock && atEdge && ed.view.hasFocus()) return;
      }
      throw new Error(`the caret did not stay at the ${at} of block ${i}`);
    },
    [block, where] as const,
  );
}

/** Waits until both pages show the same document text, and returns it. */
export async function waitForSameText(a: Page, b: Page, timeout = SYNC_TIMEOUT): Promise<string> {
  let text = '';
  await expect
    .poll(
      async () => {
        const [ta, tb] = await Promise.all([editorText(a), editorText(b)]);
        text = ta;
        // On failure the message shows both texts.
        return ta === tb ? 'same' : `A: ${JSON.stringify(ta)} B: ${JSON.stringify(tb)}`;
      },
      { timeout, message: 'both profiles show the same text' },
    )
    .toBe('same');
  return text;
}

/** The names in the who-is-here list (peer items), in order. */
export const peerNames = (page: Page): Promise<string[]> =>
  page.getByTestId('peer-list').getByTestId('peer').allInnerTexts();

/** Which role this tab plays for its document's sync session (window.__dure.sync.role). */
export const syncRole = (page: Page): Promise<string | undefined> => page.evaluate(() => window.__dure?.sync?.role);
