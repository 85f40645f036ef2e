/**
 * Proves: the relay dying mid-session loses nothing. With two profiles editing, the server process is
 * killed with SIGKILL (no shutdown, no close frames) and later restarted on the SAME port and data folder.
 * Meanwhile both profiles say they are not synced (offline / connecting / error) and keep editing; after
 * the restart both say synced with nothing pending, show the same text holding every edit, and a profile
 * that opens the link afterwards gets all of it from the relay (acknowledged edits survived the kill).
 */
import {
  caretIn,
  createDocument,
  editorText,
  linkOn,
  openLink,
  readSyncStatus,
  shareLinks,
  waitForSameText,
  waitForSynced,
} from './app';
import { expect, test } from './fixtures';
import { startPrivateServer, type PrivateServer } from './server';

let server: PrivateServer;
test.beforeEach(async () => {
  server = await startPrivateServer();
});
test.afterEach(async () => {
  await server.stop();
});

test('server SIGKILL and restart on the same port and data: both profiles reconnect and converge', async ({
  browser,
}) => {
  test.setTimeout(180_000);
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const ctxC = await browser.newContext();
  try {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const docId = await createDocument(a, server.url);
    await caretIn(a, 0, 'start');
    await a.keyboard.type('Acknowledged before the kill.');
    await a.keyboard.press('Enter');
    await a.keyboard.type('Second.');
    await waitForSynced(a);
    const { edit } = await shareLinks(a);
    expect(await openLink(b, linkOn(edit!, server.url))).toBe(docId);
    await expect(b.getByTestId('editor')).toContainText('Second.');
    await waitForSynced(b);
    await caretIn(b, 1, 'end');
    await b.keyboard.type(' B before.');
    await waitForSynced(b);

    await server.kill();
    for (const p of [a, b]) {
      await expect
        .poll(async () => (await readSyncStatus(p)).state, { message: 'the status stops saying synced' })
        .toMatch(/^(offline|connecting|error)$/);
    }

    // Edits during the outage: each side keeps them and counts them as waiting.
    await caretIn(a, 0, 'end');
    await a.keyboard.type(' A during.');
    await caretIn(b, 1, 'end');
    await b.keyboard.type(' B during.');
    for (const p of [a, b]) {
      await expect
        .poll(async () => (await readSyncStatus(p)).pending, { message: 'changes waiting' })
        .toBeGreaterThan(0);
      expect((await readSyncStatus(p)).state).not.toBe('synced');
    }

    await server.restart();
    await waitForSynced(a);
    await waitForSynced(b);
    const expected = 'Acknowledged before the kill. A during.\n\nSecond. B before. B during.';
    expect(await waitForSameText(a, b)).toBe(expected);

    const c = await ctxC.newPage();
    expect(await openLink(c, linkOn(edit!, server.url))).toBe(docId);
    await waitForSynced(c);
    await expect.poll(() => editorText(c), { timeout: 30_000 }).toBe(expected);
  } finally {
    await ctxA.close();
    await ctxB.close();
    await ctxC.close();
  }
});
