/**
 * Proves: one device with two tabs on a document still collaborates through one session. Only one tab
 * runs the sync session (Web Lock); the other tab's edits reach the relay through it, and its status
 * reports the leader's truthfully. When the leading tab closes, the other takes over: its edits keep
 * reaching the other profile, and its own status ends synced with nothing pending.
 */
import {
  caretIn,
  createDocument,
  linkOn,
  openDocument,
  openLink,
  shareLinks,
  syncRole,
  waitForSameText,
  waitForSynced,
} from './app';
import { appUrl, expect, test } from './fixtures';

test('two tabs of one profile and another profile: the follower tab syncs, and takes over when the leader closes', async ({
  page: a1,
  context,
  browser,
}) => {
  test.setTimeout(120_000);
  const docId = await createDocument(a1);
  await caretIn(a1, 0, 'start');
  await a1.keyboard.type('From tab one.');
  await waitForSynced(a1);
  const { edit } = await shareLinks(a1);

  const a2 = await context.newPage();
  await openDocument(a2, docId);
  await expect(a2.getByTestId('editor')).toContainText('From tab one.');
  await expect.poll(() => syncRole(a1)).toBe('leader');
  await expect.poll(() => syncRole(a2)).toBe('follower');

  const ctxB = await browser.newContext();
  try {
    const b = await ctxB.newPage();
    expect(await openLink(b, linkOn(edit!, appUrl()))).toBe(docId);
    await waitForSynced(b);

    // The tab that does not run the session: its edit reaches the other profile through the leader.
    await caretIn(a2, 0, 'end');
    await a2.keyboard.type(' From tab two.');
    await expect(b.getByTestId('editor')).toContainText('From tab two.', { timeout: 30_000 });
    await waitForSynced(a2);

    // The other profile's edit reaches both tabs.
    await caretIn(b, 0, 'start');
    await b.keyboard.type('From B. ');
    await expect(a2.getByTestId('editor')).toContainText('From B.', { timeout: 30_000 });
    await expect(a1.getByTestId('editor')).toContainText('From B.', { timeout: 30_000 });

    // The leader goes; the remaining tab carries on alone.
    await a1.close();
    await expect.poll(() => syncRole(a2), { timeout: 30_000 }).toBe('leader');
    await caretIn(a2, 0, 'end');
    await a2.keyboard.type(' After tab one closed.');
    await expect(b.getByTestId('editor')).toContainText('After tab one closed.', { timeout: 45_000 });
    await waitForSynced(a2);
    await waitForSynced(b);
    expect(await waitForSameText(a2, b)).toBe('From B. From tab one. From tab two. After tab one closed.');
  } finally {
    await ctxB.close();
  }
});
