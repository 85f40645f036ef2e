/**
 * Proves: two browser profiles (separate contexts, so separate IndexedDB and no BroadcastChannel between
 * them) edit one document through the edit link and the real relay, typing at the same time in the same
 * paragraph and in different paragraphs, and end with the same text holding every keystroke of both.
 */
import {
  caretIn,
  createDocument,
  editorText,
  linkOn,
  openLink,
  shareLinks,
  waitForSameText,
  waitForSynced,
} from './app';
import { appUrl, expect, test } from './fixtures';

test('two profiles edit one document through the edit link and converge', async ({ page: a, browser }) => {
  test.setTimeout(120_000);
  const docId = await createDocument(a);
  await caretIn(a, 0, 'start');
  await a.keyboard.type('First paragraph.');
  await a.keyboard.press('Enter');
  await a.keyboard.type('Second paragraph.');
  await waitForSynced(a);
  const { edit } = await shareLinks(a);
  expect(edit).toMatch(/#1e\./);

  const ctxB = await browser.newContext();
  try {
    const b = await ctxB.newPage();
    // Opened from its link alone, in a profile that has never seen the document.
    expect(await openLink(b, linkOn(edit!, appUrl()))).toBe(docId);
    await expect(b.getByTestId('editor')).toContainText('Second paragraph.');
    await waitForSynced(b);
    expect(await editorText(b)).toBe('First paragraph.\n\nSecond paragraph.');

    // Same paragraph, at the same time: A appends, B prepends.
    await Promise.all([
      (async () => {
        await caretIn(a, 0, 'end');
        await a.keyboard.type(' [A1 alpha]', { delay: 15 });
      })(),
      (async () => {
        await caretIn(b, 0, 'start');
        await b.keyboard.type('[B1 두레] ', { delay: 15 });
      })(),
    ]);
    await waitForSameText(a, b);

    // Different paragraphs, at the same time.
    await Promise.all([
      (async () => {
        await caretIn(a, 0, 'end');
        await a.keyboard.type(' [A2 beta]', { delay: 15 });
      })(),
      (async () => {
        await caretIn(b, 1, 'end');
        await b.keyboard.type(' [B2 gamma]', { delay: 15 });
      })(),
    ]);

    const expected = '[B1 두레] First paragraph. [A1 alpha] [A2 beta]\n\nSecond paragraph. [B2 gamma]';
    await expect.poll(() => editorText(a), { timeout: 30_000 }).toBe(expected);
    await expect.poll(() => editorText(b), { timeout: 30_000 }).toBe(expected);
    // And both say so truthfully: nothing of theirs waits for the relay.
    await waitForSynced(a);
    await waitForSynced(b);
  } finally {
    await ctxB.close();
  }
});
