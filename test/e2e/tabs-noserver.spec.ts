/**
 * Proves (issue #6, "two tabs of the same document in one browser update each other instantly, with no
 * server"): two tabs of one profile, typing in turn, each see all of the other's text, including Hangul
 * typed through the IME path, while no relay is reachable. Two ways to be without a server:
 * - sync set to "this device only" (sync-status `local`): no session runs at all;
 * - the relay that served the page is killed (SIGKILL) before anyone types: the leader tab's session
 *   keeps failing to connect, and nothing runs on the relay's port.
 * The tabs share their edits through the document's encrypted records in IndexedDB and a
 * BroadcastChannel notice (ARCHITECTURE.md, "Tabs without a server"), not through any relay.
 */
import type { CDPSession, Page } from '@playwright/test';
import { caretIn, createDocument, editorText, openDocument, readSyncStatus, waitForSameText, yXml } from './app';
import { appUrl, expect, test } from './fixtures';
import { startPrivateServer } from './server';

/** Jamo-by-jamo composition steps of each syllable typed here, as a 2-set Korean IME reports them. */
const SYLLABLES: Readonly<Record<string, readonly string[]>> = {
  두: ['ㄷ', '두'],
  레: ['ㄹ', '레'],
  회: ['ㅎ', '호', '회'],
  의: ['ㅇ', '으', '의'],
  록: ['ㄹ', '로', '록'],
};

/** Composes and commits each syllable of `word` (CDP, one composition per syllable, as an IME does). */
async function compose(cdp: CDPSession, word: string): Promise<void> {
  for (const ch of word) {
    if (ch === ' ') {
      await cdp.send('Input.insertText', { text: ' ' });
      continue;
    }
    const steps = SYLLABLES[ch];
    if (!steps) throw new Error(`no composition steps for ${ch}`);
    for (const s of steps)
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    await cdp.send('Input.insertText', { text: steps.at(-1)! });
  }
}

const LINES = ['First from tab one.', 'Then tab two.', '두레 회의록', 'Tab one again.'];
const EXPECTED = LINES.join('\n\n');

/** Tab one, tab two, tab one (Korean through the IME), tab two: each line lands in the other tab at once. */
async function typeInTurns(one: Page, two: Page): Promise<void> {
  await caretIn(one, 0, 'start');
  await one.keyboard.type(LINES[0]!);
  await expect(two.getByTestId('editor')).toContainText(LINES[0]!);

  await caretIn(two, 0, 'end');
  await two.keyboard.press('Enter');
  await two.keyboard.type(LINES[1]!);
  await expect(one.getByTestId('editor')).toContainText(LINES[1]!);

  await caretIn(one, 1, 'end');
  await one.keyboard.press('Enter');
  const cdp = await one.context().newCDPSession(one);
  await compose(cdp, LINES[2]!);
  await cdp.detach();
  await expect(two.getByTestId('editor')).toContainText(LINES[2]!);

  await caretIn(two, 2, 'end');
  await two.keyboard.press('Enter');
  await two.keyboard.type(LINES[3]!);
  await expect(one.getByTestId('editor')).toContainText(LINES[3]!);

  expect(await waitForSameText(one, two)).toBe(EXPECTED);
  // The Yjs documents agree too (not only what the editors show), and the Hangul arrived whole.
  expect(await yXml(one)).toBe(await yXml(two));
  expect(await yXml(two)).toContain('두레 회의록');
}

test('sync off ("this device only"): two tabs update each other, Hangul included', async ({ page: one, context }) => {
  test.setTimeout(90_000);
  await one.goto(appUrl());
  // The Settings choice "this device only", as Settings stores it.
  await one.evaluate(() => localStorage.setItem('dure.syncMode', 'off'));
  const docId = await createDocument(one);
  const two = await context.newPage();
  await openDocument(two, docId);
  for (const p of [one, two]) expect((await readSyncStatus(p)).state).toBe('local');

  await typeInTurns(one, two);
  for (const p of [one, two]) expect((await readSyncStatus(p)).state).toBe('local');
});

test('the relay that served the page is killed: two tabs still update each other, Hangul included', async ({
  browser,
}) => {
  test.setTimeout(120_000);
  const server = await startPrivateServer();
  const ctx = await browser.newContext();
  try {
    const one = await ctx.newPage();
    const docId = await createDocument(one, server.url);
    const two = await ctx.newPage();
    await openDocument(two, docId, server.url);
    await server.kill();
    for (const p of [one, two])
      await expect
        .poll(async () => (await readSyncStatus(p)).state, { message: 'no relay: the status never says synced' })
        .toMatch(/^(offline|connecting|error)$/);

    await typeInTurns(one, two);
    for (const p of [one, two]) {
      expect((await readSyncStatus(p)).state).not.toBe('synced');
      expect(await editorText(p)).toBe(EXPECTED);
    }
  } finally {
    await ctx.close();
    await server.stop();
  }
});
