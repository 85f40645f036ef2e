/**
 * A full disk, for real: Chromium's own quota (CDP Storage.overrideQuotaForOrigin, which only takes
 * effect in a persistent profile) makes IndexedDB refuse writes. The user sees a clear message, the
 * text stays on screen, nothing is lost, and saving resumes by itself once there is room again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium } from '@playwright/test';
import { createDocument, editorText, focusEnd, waitForEditor, waitForSaved } from './app';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { appUrl, expect, test } from './fixtures';

test('storage full: a clear message, nothing lost, saving resumes when there is room', async () => {
  const profile = mkdtempSync(path.join(tmpdir(), 'dure-e2e-quota-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    locale: 'en-US',
  });
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    const origin = new URL(appUrl()).origin;
    const cdp = await context.newCDPSession(page);
    // Chromium applies an override to the origin's storage bucket when it is created, so it is set
    // before the first visit: room for the app's records, not for a 300 KB paste.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin, quotaSize: 256 * 1024 });

    const docId = await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('before the disk filled.');
    await waitForSaved(page);

    // A large paste (what a user would do with a long report) does not fit.
    const line =
      'Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore. ';
    const big = Array.from({ length: 3000 }, (_, i) => `${i} ${line}`).join('\n');
    await page.keyboard.press('Enter');
    await page.evaluate((text) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', text);
      document
        .querySelector('[data-testid="editor"] .ProseMirror')!
        .dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, big);
    await expect(page.getByTestId('storage-error')).toBeVisible();
    await expect(page.getByTestId('sync-status')).toHaveAttribute('data-error', 'true');
    // Nothing is taken away from the screen.
    await expect(page.getByTestId('editor')).toContainText('2999 Lorem ipsum');
    await expect(page.getByTestId('editor')).toContainText('before the disk filled.');

    // Room again: the app retries on its own, no user action.
    await cdp.send('Storage.overrideQuotaForOrigin', { origin });
    await expect(page.getByTestId('storage-error')).toBeHidden({ timeout: 30_000 });
    await waitForSaved(page);
    await page.reload();
    await waitForEditor(page, docId);
    const text = await editorText(page);
    expect(text).toContain('before the disk filled.');
    expect(text).toContain('0 Lorem ipsum');
    expect(text).toContain('2999 Lorem ipsum');
  } finally {
    await context.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
