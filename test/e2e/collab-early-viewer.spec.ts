/**
 * Proves: a reader who opens a view link before anyone with the edit link has been online is told why
 * nothing arrives (status error, "not on the server", and the details say someone with the edit link has
 * to open it while connected), and once the editor opens the edit link and writes, the reader's status
 * turns synced and the text appears without a reload.
 */
import { formatFragment, newEditCapability } from '@dure/shared';
import { viewCapabilityOf } from '@dure/shared/crypto/capability';
import { caretIn, openLink, readSyncStatus, waitForSynced } from './app';
import { appUrl, expect, test } from './fixtures';

test('a view link opened before the document reaches the relay explains itself, then syncs', async ({
  page: reader,
  browser,
}) => {
  test.setTimeout(120_000);
  const cap = newEditCapability();
  const docId = await openLink(reader, `${appUrl()}#${formatFragment(viewCapabilityOf(cap))}`);
  await expect
    .poll(() => readSyncStatus(reader), { timeout: 30_000, message: 'the reader is told the relay lacks it' })
    .toMatchObject({ state: 'error' });
  await reader.getByTestId('sync-details').click();
  await expect(reader.getByTestId('sync-details-dialog')).toContainText('edit link');
  await reader.keyboard.press('Escape');

  const ctxE = await browser.newContext();
  try {
    const editor = await ctxE.newPage();
    expect(await openLink(editor, `${appUrl()}#${formatFragment(cap)}`)).toBe(docId);
    await caretIn(editor, 0, 'start');
    await editor.keyboard.type('Hello, early reader.');
    await waitForSynced(editor);

    await expect(reader.getByTestId('editor')).toContainText('Hello, early reader.', { timeout: 60_000 });
    await waitForSynced(reader);
  } finally {
    await ctxE.close();
  }
});
