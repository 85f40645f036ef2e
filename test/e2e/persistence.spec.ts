/** Local-first persistence: reload, offline, several tabs, delete, bounded storage. */
import {
  createDocument,
  dumpRecords,
  gotoList,
  editorText,
  focusEnd,
  openDocument,
  waitForEditor,
  waitForSaved,
} from './app';
import { expect, test } from './fixtures';

const PNG_1PX = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==';

test('typed text survives a reload', async ({ page }) => {
  const docId = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('Minutes of the meeting');
  await waitForSaved(page);
  await page.reload();
  await waitForEditor(page, docId);
  await expect(page.getByTestId('editor')).toContainText('Minutes of the meeting');
  expect(await editorText(page)).toBe('Minutes of the meeting');
});

test('offline: the app and the document open from the service worker, and editing works', async ({ page, context }) => {
  const docId = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('written online');
  await waitForSaved(page);
  // The worker must be active (precache done) before the network goes away.
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });

  await context.setOffline(true);
  await page.reload();
  await waitForEditor(page, docId);
  await expect(page.getByTestId('editor')).toContainText('written online');
  expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);

  await focusEnd(page);
  await page.keyboard.type(' and offline');
  await waitForSaved(page);
  await page.reload();
  await waitForEditor(page, docId);
  expect(await editorText(page)).toBe('written online and offline');

  // The list opens offline too, and a new document can be made without the network.
  await gotoList(page);
  await page.getByTestId('new-document').click();
  const second = await waitForEditor(page);
  expect(second).not.toBe(docId);
  await context.setOffline(false);
});

test('two tabs editing one document see each other and lose nothing', async ({ page, context }) => {
  const docId = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('first tab.');
  await waitForSaved(page);

  const other = await context.newPage();
  await openDocument(other, docId);
  await expect(other.getByTestId('editor')).toContainText('first tab.');

  await focusEnd(other);
  await other.keyboard.press('Enter');
  await other.keyboard.type('second tab.');
  await expect(page.getByTestId('editor')).toContainText('second tab.');

  await focusEnd(page);
  await page.keyboard.press('Enter');
  await page.keyboard.type('first again.');
  await expect(other.getByTestId('editor')).toContainText('first again.');

  // Interleaved typing in both tabs, then both reload: every edit is still there.
  await focusEnd(other);
  await other.keyboard.type(' B1');
  await focusEnd(page);
  await page.keyboard.type(' A1');
  await expect(other.getByTestId('editor')).toContainText('A1');
  await expect(page.getByTestId('editor')).toContainText('B1');
  await waitForSaved(page);
  await waitForSaved(other);

  await other.close();
  await page.reload();
  await waitForEditor(page, docId);
  const text = await editorText(page);
  for (const part of ['first tab.', 'second tab.', 'first again.', 'A1', 'B1']) expect(text).toContain(part);

  const fresh = await context.newPage();
  await openDocument(fresh, docId);
  expect(await editorText(fresh)).toBe(text);
});

test('deleting a document leaves no record of it in IndexedDB', async ({ page }) => {
  const keep = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('keep me');
  await waitForSaved(page);
  const docId = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('delete me');
  // An image too: its encrypted blob lives beside the document and must go with it.
  const chooser = page.waitForEvent('filechooser');
  await page.getByTestId('toolbar').locator('[data-command="image"]').click();
  await (await chooser).setFiles({ name: 'dot.png', mimeType: 'image/png', buffer: Buffer.from(PNG_1PX, 'base64') });
  await expect(page.getByTestId('editor').locator('img[src^="blob:"]')).toHaveCount(1);
  await waitForSaved(page);
  const before = await dumpRecords(page);
  expect(before.filter((r) => r.key.includes(docId)).length).toBeGreaterThan(1);
  expect(before.some((r) => r.key.startsWith('blob/') && r.key.includes(docId))).toBe(true);

  await gotoList(page);
  const item = page.locator(`[data-testid="document-item"][data-doc-id="${docId}"]`);
  await expect(item).toBeVisible();
  await item.getByTestId('delete-document').click();
  await page.getByTestId('delete-dialog-confirm').click();
  await expect(item).toHaveCount(0);
  await expect(page.locator(`[data-testid="document-item"][data-doc-id="${keep}"]`)).toBeVisible();

  await expect.poll(async () => (await dumpRecords(page)).filter((r) => r.key.includes(docId))).toEqual([]);
  // The other document is untouched.
  await openDocument(page, keep);
  expect(await editorText(page)).toBe('keep me');
});

test('storage stays bounded over 50 open/edit/close cycles', async ({ page }) => {
  test.setTimeout(240_000);
  const docId = await createDocument(page);
  const usage = async (): Promise<{ records: number; bytes: number }> => {
    const mine = (await dumpRecords(page)).filter((r) => r.key.startsWith(`doc/${docId}/`));
    return { records: mine.length, bytes: mine.reduce((n, r) => n + r.size, 0) };
  };
  const typed: string[] = [];
  let worst = { records: 0, bytes: 0 };
  for (let i = 0; i < 50; i++) {
    await openDocument(page, docId);
    await focusEnd(page);
    const word = ` w${String(i).padStart(2, '0')}`;
    typed.push(word);
    await page.keyboard.type(word);
    await waitForSaved(page);
    await gotoList(page);
    // Every cycle also loads the app afresh: y-indexeddb grows on every load (FEATURES.md P5).
    await page.reload();
    await expect(page.getByTestId('document-list')).toBeVisible();
    const u = await usage();
    worst = { records: Math.max(worst.records, u.records), bytes: Math.max(worst.bytes, u.bytes) };
  }
  await openDocument(page, docId);
  expect(await editorText(page)).toBe(typed.join(''));
  await waitForSaved(page);
  const final = await usage();
  test.info().annotations.push({
    type: 'storage',
    description: `final ${final.records} records / ${final.bytes} bytes; worst ${worst.records} records / ${worst.bytes} bytes`,
  });
  // 200 characters of text. Appending the whole state on every open (y-indexeddb) would need 50+
  // records and tens of KB; compaction keeps at most maxRecords (32) updates plus a snapshot, at
  // every point of the run, not only at the end.
  for (const u of [worst, final]) {
    expect(u.records).toBeLessThanOrEqual(40);
    expect(u.bytes).toBeLessThanOrEqual(8 * 1024);
  }
});
