/**
 * Errors and bad input (issue #2): IndexedDB unavailable, a corrupt record, a key that no longer
 * decrypts. The user sees a clear message, the other documents still open, nothing stored is
 * overwritten, and a corrupt record is quarantined, not dropped.
 */
import type { Page } from '@playwright/test';
import { createDocument, dumpRecords, editorText, focusEnd, gotoList, openDocument, waitForSaved } from './app';
import { expect, test } from './fixtures';

/** Flips one byte in the middle of every record whose key starts with `prefix` (disk corruption). */
function corrupt(page: Page, prefix: string): Promise<number> {
  return page.evaluate(async (p) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open('dure');
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    try {
      const tx = db.transaction('records', 'readwrite');
      const store = tx.objectStore('records');
      let n = 0;
      await new Promise<void>((resolve, reject) => {
        const req = store.openCursor(IDBKeyRange.bound(p, p + '\uffff'));
        req.onsuccess = () => {
          const c = req.result;
          if (!c) return resolve();
          const v = new Uint8Array(c.value as Uint8Array);
          const mid = v.length >> 1;
          v[mid] = (v[mid] ?? 0) ^ 0x5a;
          c.update(v);
          n++;
          c.continue();
        };
        req.onerror = () => reject(req.error);
      });
      await new Promise<void>((resolve, reject) => {
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error);
      });
      return n;
    } finally {
      db.close();
    }
  }, prefix);
}

test('no IndexedDB at all (some private modes): a clear full-page message', async ({ page }) => {
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  await page.goto('/');
  await expect(page.getByTestId('fatal-error')).toBeVisible();
  await expect(page.getByTestId('fatal-error')).not.toBeEmpty();
  await expect(page.getByTestId('document-list')).toHaveCount(0);
});

test('corrupt document records are quarantined, reported, and the other documents still open', async ({ page }) => {
  const good = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('the healthy one');
  await waitForSaved(page);
  const bad = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('about to rot');
  await waitForSaved(page);
  await gotoList(page);

  const damaged = await corrupt(page, `doc/${bad}/`);
  expect(damaged).toBeGreaterThan(0);
  const sizes = (await dumpRecords(page)).filter((r) => r.key.startsWith(`doc/${bad}/`)).map((r) => r.size);

  await page.reload();
  await openDocument(page, bad);
  await expect(page.getByTestId('quarantine-notice')).toBeVisible();
  // Nothing dropped: every damaged record was moved aside byte for byte.
  const quarantined = (await dumpRecords(page)).filter((r) => r.key.startsWith('quarantine/') && r.key.includes(bad));
  expect(quarantined.map((r) => r.size).sort()).toEqual([...sizes].sort());

  await openDocument(page, good);
  expect(await editorText(page)).toBe('the healthy one');
});

test('a document whose key no longer decrypts is listed as unreadable, and can still be deleted', async ({ page }) => {
  const good = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('still fine');
  await waitForSaved(page);
  const bad = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('key will break');
  await waitForSaved(page);
  await gotoList(page);
  expect(await corrupt(page, `key/${bad}`)).toBe(1);
  const keyBefore = (await dumpRecords(page)).find((r) => r.key === `key/${bad}`);

  await page.reload();
  const item = page.locator(`[data-testid="document-item"][data-doc-id="${bad}"]`);
  await expect(item).toHaveAttribute('data-problem', 'corrupt');
  await expect(page.locator(`[data-testid="document-item"][data-doc-id="${good}"]`)).toBeVisible();
  // Listing did not "repair" anything by overwriting it.
  expect((await dumpRecords(page)).find((r) => r.key === `key/${bad}`)).toEqual(keyBefore);

  await openDocument(page, good);
  expect(await editorText(page)).toBe('still fine');

  await gotoList(page);
  await item.getByTestId('delete-document').click();
  await page.getByTestId('delete-dialog-confirm').click();
  await expect(item).toHaveCount(0);
  await expect.poll(async () => (await dumpRecords(page)).filter((r) => r.key.includes(bad))).toEqual([]);
});
