/**
 * Durability: Chromium is killed with SIGKILL (not a reload, not a clean close) 1.5 s after typing,
 * then relaunched on the same profile; the text must be there. The browser is launched here as a child
 * process with its own user-data-dir and connected over CDP, so the test owns the PID it kills.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createDocument, editorText, focusEnd, gotoList, openDocument } from './app';
import { launchChromium as launch, type Launched } from './chromium';
import { expect, test } from './fixtures';

function sigkill(l: Launched): Promise<void> {
  process.kill(-l.child.pid!, 'SIGKILL');
  return l.exited;
}

// Playwright's trace and screenshot collection would reach into the browser this test kills, and at
// teardown intermittently failed with "Target page, context or browser has been closed" although every
// assertion had passed. This test owns its browsers; it needs neither.
test.use({ trace: 'off', screenshot: 'off', video: 'off' });

test('edits older than 1 s survive SIGKILL of the browser', async () => {
  test.setTimeout(90_000);
  const profile = mkdtempSync(path.join(tmpdir(), 'dure-e2e-profile-'));
  let current: Launched | undefined;
  try {
    current = await launch(profile);
    const ctx = current.browser.contexts()[0]!;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const docId = await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('survives a crash 두레');
    // The durability promise: everything older than one second is committed.
    await page.waitForTimeout(1_500);
    await sigkill(current);
    current = undefined;

    current = await launch(profile);
    const ctx2 = current.browser.contexts()[0]!;
    const page2 = ctx2.pages()[0] ?? (await ctx2.newPage());
    await gotoList(page2);
    await openDocument(page2, docId);
    expect(await editorText(page2)).toBe('survives a crash 두레');
  } finally {
    if (current) await sigkill(current).catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
});
