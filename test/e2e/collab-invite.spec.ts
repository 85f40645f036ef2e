/**
 * Proves: a relay that stores new documents only for holders of its invite token is explained, not
 * hidden. Without the token, a new document's status says error, keeps its changes as waiting, and the
 * sync details say that an invite token is needed; after the token is entered in settings the document
 * syncs, and a colleague without any token opens the link (the token guards creating, not joining).
 */
import {
  caretIn,
  createDocument,
  editorText,
  gotoList,
  linkOn,
  openDocument,
  openLink,
  readSyncStatus,
  shareLinks,
  waitForSynced,
} from './app';
import { expect, test } from './fixtures';
import { startPrivateServer, type PrivateServer } from './server';

const TOKEN = 'meeting-2026';

let server: PrivateServer;
test.beforeEach(async () => {
  server = await startPrivateServer({ args: ['--invite-token', TOKEN] });
});
test.afterEach(async () => {
  await server.stop();
});

test('invite-only relay: an error that says what to do, then sync once the token is set', async ({
  page: a,
  browser,
}) => {
  test.setTimeout(120_000);
  const docId = await createDocument(a, server.url);
  await caretIn(a, 0, 'start');
  await a.keyboard.type('Needs an invite.');
  await expect
    .poll(() => readSyncStatus(a), { timeout: 30_000, message: 'error, with the change still waiting' })
    .toMatchObject({ state: 'error' });
  expect((await readSyncStatus(a)).pending).toBeGreaterThan(0);
  await a.getByTestId('sync-details').click();
  await expect(a.getByTestId('sync-details-dialog')).toContainText(/invite token/i);
  await a.keyboard.press('Escape');

  await gotoList(a, server.url);
  await a.evaluate(() => (location.hash = '#/settings'));
  await a.getByTestId('settings-invite-token').fill(TOKEN);
  await a.getByTestId('settings-invite-token').press('Tab');
  await openDocument(a, docId, server.url);
  await waitForSynced(a);
  expect(await editorText(a)).toBe('Needs an invite.');

  const { edit } = await shareLinks(a);
  const ctxB = await browser.newContext();
  try {
    const b = await ctxB.newPage();
    expect(await openLink(b, linkOn(edit!, server.url))).toBe(docId);
    await waitForSynced(b);
    await expect.poll(() => editorText(b), { timeout: 30_000 }).toBe('Needs an invite.');
  } finally {
    await ctxB.close();
  }
});
