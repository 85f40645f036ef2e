/**
 * The app lock: with it on, a reload shows only the lock screen; a wrong passphrase shows an error and
 * reveals nothing; the right one brings the documents back. IndexedDB never holds a title or a word of
 * text in plaintext, with or without the lock.
 */
import { createDocument, findPlaintext, focusEnd, gotoList, openDocument, editorText, waitForSaved } from './app';
import { appUrl, expect, test } from './fixtures';

const TITLE = 'Campaign plan 성명서';
const BODY = 'Marigoldsecret 두레모임';
const WORDS = ['Campaign', '성명서', 'Marigoldsecret', '두레모임'];
const PASS = 'correct horse battery 정원';

test('lock on: lock screen after reload, wrong passphrase refused, right one opens; nothing in plaintext', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const docId = await createDocument(page);
  await page.getByTestId('document-title').fill(TITLE);
  await page.getByTestId('document-title').press('Enter');
  await focusEnd(page);
  await page.keyboard.type(BODY);
  await waitForSaved(page);
  await gotoList(page);
  await expect(page.getByTestId('document-list')).toContainText(TITLE);
  // Encrypted at rest even without the lock (device key).
  expect(await findPlaintext(page, WORDS)).toEqual([]);

  await page.goto(`${appUrl()}#/settings`);
  await page.getByTestId('lock-new-passphrase').fill(PASS);
  await page.getByTestId('lock-confirm-passphrase').fill(PASS);
  await page.getByTestId('lock-enable-submit').click();
  await expect(page.getByTestId('lock-state')).toHaveAttribute('data-enabled', 'true');

  await page.reload();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.getByTestId('document-list')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText('Campaign');
  expect(await findPlaintext(page, WORDS)).toEqual([]);

  await page.getByTestId('unlock-passphrase').fill('wrong passphrase');
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('unlock-error')).not.toBeEmpty();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.locator('body')).not.toContainText('Campaign');

  await page.getByTestId('unlock-passphrase').fill(PASS);
  await page.getByTestId('unlock-submit').click();
  await expect(page.getByTestId('lock-screen')).toHaveCount(0, { timeout: 30_000 });
  await gotoList(page);
  await expect(page.getByTestId('document-list')).toContainText(TITLE);
  await openDocument(page, docId);
  expect(await editorText(page)).toBe(BODY);
  expect(await findPlaintext(page, WORDS)).toEqual([]);

  // "Lock now" with the document open: the editor goes away with its keys; nothing stays on screen.
  await page.getByTestId('lock-now').click();
  await expect(page.getByTestId('lock-screen')).toBeVisible();
  await expect(page.getByTestId('editor')).toHaveCount(0);
  expect(await page.evaluate(() => window.__dure === undefined)).toBe(true);
  await expect(page.locator('body')).not.toContainText('Marigoldsecret');
  await expect(page.locator('body')).not.toContainText('Campaign');
});
