/**
 * Sharing: the editor shows an edit link and a view link (automation contract: share-edit-link,
 * share-view-link) and a who-is-here list (peer-list). A link opens its document in a fresh browser
 * profile; the view link's secret grants reading only, and it derives the same document id.
 * (The document's content reaches another device only once sync exists: issue #4.)
 */
import { createDocument } from './app';
import { expect, test } from './fixtures';

test('share dialog: edit and view links open the same document, the view link read-only', async ({ page, browser }) => {
  const docId = await createDocument(page);
  await expect(page.getByTestId('peer-list')).toBeVisible();
  await page.getByTestId('share-document').click();
  const edit = await page.getByTestId('share-edit-link').inputValue();
  const view = await page.getByTestId('share-view-link').inputValue();
  expect(edit).toMatch(/#1e\.[A-Za-z0-9_-]{43}$/);
  expect(view).toMatch(/#1r\.[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]{43}$/);
  // The view link must not contain the edit secret.
  expect(view).not.toContain(edit.split('#1e.')[1]!);

  for (const [link, editable] of [
    [edit, true],
    [view, false],
  ] as const) {
    const ctx = await browser.newContext();
    const p = await ctx.newPage();
    await p.goto(link);
    await p.waitForFunction((id) => window.__dure?.docId === id, docId);
    expect(await p.evaluate(() => window.__dure!.editor.isEditable)).toBe(editable);
    await expect(p.getByTestId('readonly-notice')).toBeVisible({ visible: !editable });
    // A view-link holder is offered no edit link to pass on.
    await p.getByTestId('share-document').click();
    await expect(p.getByTestId('share-edit-link')).toHaveCount(editable ? 1 : 0);
    await expect(p.getByTestId('share-view-link')).toHaveValue(/#1r\./);
    await ctx.close();
  }
});
