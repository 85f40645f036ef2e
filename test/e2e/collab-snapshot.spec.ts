/**
 * Proves: compaction and joining from the snapshot. Two profiles write many small acknowledged updates
 * (at least one envelope per word: the test waits for the relay's ack count to grow after every word, so
 * words never merge into one batch) until the relay holds a snapshot; the relay then holds fewer update
 * envelopes than were written (the covered ones are hard-deleted), so a third profile that opens the link afterwards can only have the full text from the
 * snapshot, and it shows it; so does a viewer joining through the view link. A private server keeps the relay's /metrics about this document alone.
 */
import type { Page } from '@playwright/test';
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
import { expect, test } from './fixtures';
import { startPrivateServer, type PrivateServer } from './server';

/** Far above the engine's ~100 updates; a bound, so a missing compaction fails instead of looping on. */
const MAX_UPDATES = 260;

let server: PrivateServer;
test.beforeEach(async () => {
  server = await startPrivateServer();
});
test.afterEach(async () => {
  await server.stop();
});

const metric = async (name: string): Promise<number> => (await server.metrics()).get(name) ?? 0;

/** Types one word and waits until the relay has acknowledged at least one more update. */
async function writeOneUpdate(page: Page, word: string): Promise<void> {
  const before = await metric('dure_acks_total');
  await page.keyboard.type(word);
  await expect
    .poll(() => metric('dure_acks_total'), { intervals: [20, 50, 100], message: `an ack for "${word}"` })
    .toBeGreaterThan(before);
}

test('a third profile opens the link after compaction and gets the whole document from the snapshot', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  const ctxC = await browser.newContext();
  const ctxD = await browser.newContext();
  try {
    const a = await ctxA.newPage();
    const b = await ctxB.newPage();
    const docId = await createDocument(a, server.url);
    await caretIn(a, 0, 'start');
    await a.keyboard.type('A:');
    await a.keyboard.press('Enter');
    await a.keyboard.type('B:');
    await waitForSynced(a);
    const { edit, view } = await shareLinks(a);
    expect(await openLink(b, linkOn(edit!, server.url))).toBe(docId);
    await expect(b.getByTestId('editor')).toContainText('B:');
    await waitForSynced(b);
    await caretIn(a, 0, 'end');
    await caretIn(b, 1, 'end');

    let textA = 'A:';
    let textB = 'B:';
    let written = 0;
    while ((await metric('dure_store_snapshots')) === 0) {
      expect(written, 'updates written without a snapshot on the relay').toBeLessThan(MAX_UPDATES);
      // Mostly A, sometimes B, so the snapshot covers two devices; Hangul too.
      if (written % 5 === 4) {
        const w = ` b${written}`;
        await writeOneUpdate(b, w);
        textB += w;
      } else {
        const w = written % 7 === 0 ? ` 낱말${written}` : ` a${written}`;
        await writeOneUpdate(a, w);
        textA += w;
      }
      written++;
    }
    const expected = `${textA}\n\n${textB}`;
    await waitForSynced(a);
    await waitForSynced(b);
    expect(await waitForSameText(a, b)).toBe(expected);
    // The snapshot replaced what it covers: the relay holds fewer updates than it acknowledged.
    const held = await metric('dure_store_updates');
    const acked = await metric('dure_acks_total');
    const summary = `snapshot after ${written} words (${acked} acknowledged updates); the relay holds ${held} updates`;
    test.info().annotations.push({ type: 'compaction', description: summary });
    console.log(`compaction: ${summary}`);
    expect(held).toBeLessThan(written);
    expect(held).toBeLessThan(acked);

    const c = await ctxC.newPage();
    expect(await openLink(c, linkOn(edit!, server.url))).toBe(docId);
    await waitForSynced(c);
    await expect.poll(() => editorText(c), { timeout: 30_000 }).toBe(expected);
    // A viewer joining now reads the same snapshot.
    const d = await ctxD.newPage();
    expect(await openLink(d, linkOn(view, server.url))).toBe(docId);
    await waitForSynced(d);
    await expect.poll(() => editorText(d), { timeout: 30_000 }).toBe(expected);
  } finally {
    await ctxA.close();
    await ctxB.close();
    await ctxC.close();
    await ctxD.close();
  }
});

/**
 * Proves: one large paste (over the 256 KiB compaction threshold) is compacted too, and a profile that
 * joins afterwards gets all of it. The paste goes through the editor's real paste handling (a paste
 * event with text/plain), as a user pasting a long document would.
 */
test('a large paste is compacted and a later profile gets all of it', async ({ browser }) => {
  test.setTimeout(180_000);
  const ctxA = await browser.newContext();
  const ctxB = await browser.newContext();
  try {
    const a = await ctxA.newPage();
    const docId = await createDocument(a, server.url);
    await caretIn(a, 0, 'start');
    const lines = Array.from(
      { length: 4000 },
      (_, i) => `Line ${i}: 두레 cooperative minutes, ${'x'.repeat(i % 50)} and the rest of the sentence.`,
    );
    await a.evaluate((text) => {
      const dt = new DataTransfer();
      dt.setData('text/plain', text);
      const target = document.querySelector('[data-testid="editor"] .ProseMirror')!;
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, lines.join('\n'));
    await expect.poll(async () => (await editorText(a)).length).toBeGreaterThan(256 * 1024);
    await waitForSynced(a);
    await expect
      .poll(() => metric('dure_store_snapshots'), { timeout: 60_000, message: 'a snapshot on the relay' })
      .toBeGreaterThan(0);
    const expected = await editorText(a);
    for (const line of [lines[0]!, lines[1234]!, lines[3999]!]) expect(expected).toContain(line);

    const { edit } = await shareLinks(a);
    const b = await ctxB.newPage();
    expect(await openLink(b, linkOn(edit!, server.url))).toBe(docId);
    await waitForSynced(b);
    await expect.poll(() => editorText(b), { timeout: 60_000 }).toBe(expected);
  } finally {
    await ctxA.close();
    await ctxB.close();
  }
});
