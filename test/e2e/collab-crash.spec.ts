/**
 * Proves: an edit that never reached the relay survives the browser being killed. A writes while its
 * connection is cut (so the edit is only on the device), Chromium is killed with SIGKILL (the browser is
 * launched here as a child process with its own profile and driven over CDP, so the test owns the PID),
 * then relaunched on the same profile with the network back: the edit reaches B, and A's status ends
 * synced with nothing pending. The proxy (server.ts) keeps A's origin, so the same IndexedDB opens again.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import {
  caretIn,
  createDocument,
  editorText,
  linkOn,
  openLink,
  readSyncStatus,
  shareLinks,
  waitForEditor,
  waitForSameText,
  waitForSaved,
  waitForSynced,
} from './app';
import { launchChromium as launch, type Launched } from './chromium';
import { appUrl, expect, test } from './fixtures';
import { startProxy } from './server';

function sigkill(l: Launched): Promise<void> {
  process.kill(-l.child.pid!, 'SIGKILL');
  return l.exited;
}

async function firstPage(l: Launched): Promise<Page> {
  const ctx = l.browser.contexts()[0]!;
  return ctx.pages()[0] ?? (await ctx.newPage());
}

// Trace and screenshot collection would reach into the browser this test kills (see sigkill.spec.ts).
test.use({ trace: 'off', screenshot: 'off', video: 'off' });

test('an edit made offline survives SIGKILL of the browser and reaches the other profile', async ({ browser }) => {
  test.setTimeout(150_000);
  const proxy = await startProxy(Number(new URL(appUrl()).port));
  const profile = mkdtempSync(path.join(tmpdir(), 'dure-e2e-profile-'));
  const ctxB = await browser.newContext();
  let current: Launched | undefined;
  try {
    current = await launch(profile);
    const a = await firstPage(current);
    const docId = await createDocument(a, proxy.url);
    await caretIn(a, 0, 'start');
    await a.keyboard.type('Before the crash.');
    await waitForSynced(a);
    const { edit } = await shareLinks(a);
    const b = await ctxB.newPage();
    expect(await openLink(b, linkOn(edit!, appUrl()))).toBe(docId);
    await waitForSynced(b);

    proxy.cut();
    await expect.poll(async () => (await readSyncStatus(a)).state).not.toBe('synced');
    await caretIn(a, 0, 'end');
    await a.keyboard.type(' Never sent before the kill.');
    await waitForSaved(a);
    expect((await readSyncStatus(a)).pending).toBeGreaterThan(0);
    await sigkill(current);
    current = undefined;

    proxy.restore();
    current = await launch(profile);
    const a2 = await firstPage(current);
    await a2.goto(`${proxy.url}#/d/${docId}`);
    await waitForEditor(a2, docId);
    expect(await editorText(a2)).toBe('Before the crash. Never sent before the kill.');
    await waitForSynced(a2);
    await expect(b.getByTestId('editor')).toContainText('Never sent before the kill.', { timeout: 30_000 });
    expect(await waitForSameText(a2, b)).toBe('Before the crash. Never sent before the kill.');
  } finally {
    if (current) await sigkill(current).catch(() => undefined);
    await ctxB.close();
    await proxy.close();
    rmSync(profile, { recursive: true, force: true });
  }
});
