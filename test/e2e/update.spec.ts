/**
 * App updates need the user's consent (BRIEF threat model: the server that serves the app can serve
 * different code). After the first visit the service worker serves the installed build; a new build
 * on the server installs beside it and waits. What the page runs changes only when the user accepts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { editorText, focusEnd, waitForEditor, waitForSaved } from './app';
import { expect, test } from './fixtures';
import { startPrivateServer, type PrivateServer } from './server';

let server: PrivateServer;
test.beforeEach(async () => {
  server = await startPrivateServer();
});
test.afterEach(async () => {
  await server.stop();
});

const MARK = '<meta name="dure-test-build" content="v2">';
const runsNewBuild = (page: Page): Promise<boolean> =>
  page.evaluate(() => document.querySelector('meta[name="dure-test-build"]') !== null);

/** Rewrites the served build: a changed index.html, and a new sw.js carrying a new build id. */
function publishNewBuild(webDir: string): void {
  const indexFile = path.join(webDir, 'index.html');
  writeFileSync(indexFile, readFileSync(indexFile, 'utf8').replace('<head>', `<head>${MARK}`));
  const swFile = path.join(webDir, 'sw.js');
  let sw = readFileSync(swFile, 'utf8');
  const before = sw;
  sw = sw.replace(/"hash":"[0-9a-f]+"/, '"hash":"0badbeef"');
  if (sw === before) throw new Error('no build hash found in sw.js');
  writeFileSync(swFile, sw);
}

async function installAndEdit(page: Page): Promise<string> {
  await page.goto(server.url);
  await page.waitForFunction(() => navigator.serviceWorker?.controller !== null);
  await page.getByTestId('new-document').click();
  const docId = await waitForEditor(page);
  await focusEnd(page);
  await page.keyboard.type('written in the first build');
  await waitForSaved(page);
  return docId;
}

async function expectOldBuildUntilAccepted(page: Page, docId: string): Promise<void> {
  // The browser checks sw.js on navigation; the new worker installs and waits.
  await page.reload();
  await expect(page.getByTestId('update-available')).toBeVisible();
  expect(await runsNewBuild(page)).toBe(false);
  // Still the old build on every load until the user says yes.
  await page.reload();
  await waitForEditor(page, docId);
  expect(await runsNewBuild(page)).toBe(false);
  await expect(page.getByTestId('update-available')).toBeVisible();

  await page.getByTestId('update-available').getByRole('button').first().click();
  await expect.poll(() => runsNewBuild(page).catch(() => false)).toBe(true);
  await waitForEditor(page, docId);
  expect(await editorText(page)).toBe('written in the first build');
}

test('a new build waits for the user before it runs', async ({ page }) => {
  const docId = await installAndEdit(page);
  publishNewBuild(server.webDir);
  await expectOldBuildUntilAccepted(page, docId);
});
