/**
 * Proves (issue #6, several relays per document): three browsers (separate Chromium processes, each on
 * its own profile) edit one document through two real sync-server processes.
 * - The document starts on relay A (the server that served the page). One person adds relay B in the
 *   sync details; the list inside the encrypted document reaches the others as a suggestion.
 * - A suggested relay is NOT contacted before this person confirms it: B's own /metrics show only the
 *   adder's connection while the other two browsers already show the suggestion and keep editing.
 * - Both others confirm; everyone types; relay A is killed (SIGKILL) mid-session; everyone keeps typing
 *   and converging through B, and the status stays synced with nothing pending (B acknowledges).
 * - B holds the whole document, including what was written before it was added: a fresh profile that
 *   loads the app from B reads it all while A is down.
 * - A restarts on the same port and data folder and catches up: with B killed in turn, a fresh profile
 *   that opens the link from A gets every line, including those typed while A was down.
 * - Moving off A: with B back, one person removes A (a click and a confirmation that says nothing is
 *   deleted there); A's /metrics drop to no connection, and everyone goes on through B. A reader who
 *   never confirmed B is left with no relay; after a reload it confirms B and syncs, with no notice.
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
  SYNC_TIMEOUT,
  waitForEditor,
  waitForSynced,
} from './app';
import { launchChromium, type Launched } from './chromium';
import { expect, test } from './fixtures';
import { startPrivateServer, type PrivateServer } from './server';

// Trace and screenshot collection would reach into browsers this test launches and ends itself.
test.use({ trace: 'off', screenshot: 'off', video: 'off' });

/** The relay's WebSocket endpoint as the app normalizes an address typed as `http://host:port/`. */
const relayUrl = (s: PrivateServer): string => `ws://127.0.0.1:${s.port}/sync`;

/** Connections the server ever accepted: those open now plus those closed (by any code). */
async function connectionsSeen(s: PrivateServer): Promise<number> {
  let n = 0;
  for (const [name, v] of await s.metrics())
    if (name === 'dure_connections' || name.startsWith('dure_connection_closes_total')) n += v;
  return n;
}

/** One relay's state in this page's session (the transport whose id is the relay's URL). */
const relayState = (p: Page, url: string): Promise<string | undefined> =>
  p.evaluate(
    (u) =>
      (
        window.__dure?.sync as unknown as { status: { transports: { id: string; state: string }[] } } | undefined
      )?.status.transports.find((x) => x.id === u)?.state,
    url,
  );

async function openDetails(p: Page): Promise<void> {
  // The who-is-here list beside the button changes width as routes change (a peer connects directly), so
  // a click can land where the button was a moment ago: click again until the dialog is there (bounded).
  await expect(async () => {
    if ((await p.getByTestId('sync-details-dialog').count()) === 0) await p.getByTestId('sync-details').click();
    await expect(p.getByTestId('sync-details-dialog')).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 20_000 });
}

async function closeDetails(p: Page): Promise<void> {
  await p.keyboard.press('Escape');
  await expect(p.getByTestId('sync-details-dialog')).toHaveCount(0);
}

const relayRow = (p: Page, url: string) =>
  p.getByTestId('sync-details-dialog').locator(`[data-testid="relay"][data-url="${url}"]`);

/** Types `line` as a new paragraph at the end of the document. */
async function appendLine(p: Page, line: string): Promise<void> {
  const blocks = await p.evaluate(() => window.__dure!.editor.state.doc.childCount);
  await caretIn(p, blocks - 1, 'end');
  await p.keyboard.press('Enter');
  await p.keyboard.type(line);
}

/** Every page shows the same text; returns it. */
async function waitForAllSame(pages: readonly Page[]): Promise<string> {
  let text = '';
  await expect
    .poll(
      async () => {
        const texts = await Promise.all(pages.map(editorText));
        text = texts[0]!;
        return texts.every((x) => x === text) ? 'same' : texts.map((x) => JSON.stringify(x)).join(' | ');
      },
      { timeout: SYNC_TIMEOUT, message: 'all three browsers show the same text' },
    )
    .toBe('same');
  return text;
}

async function firstPage(l: Launched): Promise<Page> {
  const ctx = l.browser.contexts()[0]!;
  return ctx.pages()[0] ?? (await ctx.newPage());
}

function sigkill(l: Launched): Promise<void> {
  try {
    process.kill(-l.child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
  return l.exited;
}

test('three browsers on two relays: a relay added by one is confirmed by the others, one relay killed, nothing lost', async ({
  browser,
}) => {
  test.setTimeout(300_000);
  const a = await startPrivateServer();
  const b = await startPrivateServer();
  const profiles = [0, 1, 2].map(() => mkdtempSync(path.join(tmpdir(), 'dure-e2e-relays-')));
  const launched: Launched[] = [];
  const fresh = await browser.newContext();
  const freshB = await browser.newContext();
  try {
    for (const profile of profiles) launched.push(await launchChromium(profile));
    const [p1, p2, p3] = await Promise.all(launched.map(firstPage));
    const pages = [p1!, p2!, p3!];
    const A = relayUrl(a);
    const B = relayUrl(b);
    const typed: string[] = [];
    const type = async (p: Page, line: string): Promise<void> => {
      await appendLine(p, line);
      typed.push(line);
    };

    // On relay A only: the page's own server, as before several relays existed.
    const docId = await createDocument(p1!, a.url);
    await caretIn(p1!, 0, 'start');
    await p1!.keyboard.type('One: written before relay B existed.');
    typed.push('One: written before relay B existed.');
    await waitForSynced(p1!);
    const { edit } = await shareLinks(p1!);
    for (const p of [p2!, p3!]) {
      expect(await openLink(p, linkOn(edit!, a.url))).toBe(docId);
      await waitForSynced(p);
    }
    await type(p2!, 'Two: on A only.');
    await waitForAllSame(pages);

    // One adds relay B in the sync details: it is used at once there, and the document goes up to it.
    await openDetails(p1!);
    await p1!.getByTestId('relay-add-input').fill(b.url);
    await p1!.getByTestId('relay-add').click();
    await expect(relayRow(p1!, B)).toHaveAttribute('data-use', 'used');
    await expect(relayRow(p1!, B)).toHaveAttribute('data-state', 'synced', { timeout: SYNC_TIMEOUT });
    await expect(relayRow(p1!, B)).toHaveAttribute('data-pending', '0', { timeout: SYNC_TIMEOUT });
    await expect(relayRow(p1!, A)).toHaveAttribute('data-state', 'synced', { timeout: SYNC_TIMEOUT });
    await closeDetails(p1!);
    // A relay that never had the document is not "a relay that lost data": no problem to report.
    await waitForSynced(p1!);
    await expect(p1!.getByTestId('sync-status')).toHaveAttribute('data-problems', '0');
    const seenByB = await connectionsSeen(b);
    expect(seenByB).toBeGreaterThanOrEqual(1);

    // The others learn of B through the (encrypted) document and are asked; their devices do not contact it.
    for (const p of [p2!, p3!]) {
      await expect(p.getByTestId('sync-details')).toHaveAttribute('data-suggested', '1', { timeout: SYNC_TIMEOUT });
      await expect(p.getByTestId('sync-details')).toHaveText('1 sync server suggested — use?');
    }
    await type(p3!, 'Three: B is only suggested here.');
    await waitForAllSame(pages);
    for (const p of [p2!, p3!]) await waitForSynced(p);
    for (const p of [p2!, p3!]) expect(await relayState(p, B)).toBeUndefined();
    expect(await connectionsSeen(b), 'B saw no connection from the browsers that did not confirm it').toBe(seenByB);

    // Both confirm: now each keeps one connection per relay.
    for (const p of [p2!, p3!]) {
      await openDetails(p);
      await expect(relayRow(p, B)).toHaveAttribute('data-use', 'suggested');
      await relayRow(p, B).getByTestId('relay-use').click();
      await expect(relayRow(p, B)).toHaveAttribute('data-state', 'synced', { timeout: SYNC_TIMEOUT });
      await closeDetails(p);
      await expect(p.getByTestId('sync-details')).toHaveAttribute('data-suggested', '0');
    }
    await expect.poll(() => b.metrics().then((m) => m.get('dure_connections'))).toBe(3);

    await type(p1!, 'One: on both relays.');
    await type(p2!, 'Two: on both relays.');
    await type(p3!, 'Three: on both relays.');
    await waitForAllSame(pages);
    for (const p of pages) await waitForSynced(p);

    // Relay A dies mid-session; B carries everything.
    await a.kill();
    for (const p of pages)
      await expect.poll(() => relayState(p, A), { message: 'A is no longer synced' }).not.toBe('synced');
    await type(p1!, 'One: while A is down.');
    await type(p2!, 'Two: while A is down.');
    await type(p3!, 'Three: while A is down.');
    await type(p1!, 'One: still typing.');
    const whileDown = await waitForAllSame(pages);
    for (const line of typed) expect(whileDown).toContain(line);
    // B acknowledged every change: nothing is waiting anywhere.
    for (const p of pages) {
      await waitForSynced(p);
      expect(await relayState(p, B)).toBe('synced');
    }
    // polled: a reader that left earlier is gone once its goodbye (or its presence timeout) arrives
    await expect(p1!.getByTestId('peer-list').getByTestId('peer')).toHaveCount(3, { timeout: 45_000 });
    // Who is here says how each person is reached now: directly (WebRTC) or through B, never the dead A.
    await expect
      .poll(async () => {
        const via = await p1!.getByTestId('peer-list').getByTestId('peer-via').allInnerTexts();
        return via.length === 2 && via.every((v) => v === 'directly' || v === `via 127.0.0.1:${b.port}`);
      })
      .toBe(true);
    // B holds the whole document, also what was written before it was added: a fresh profile that
    // loads the app from B (so B is its own relay) reads it all from B alone.
    const fromB = await freshB.newPage();
    expect(await openLink(fromB, linkOn(edit!, b.url))).toBe(docId);
    await expect.poll(() => editorText(fromB), { timeout: SYNC_TIMEOUT }).toBe(whileDown);
    await fromB.close();

    // A comes back on the same port and data and catches up from the devices' outboxes.
    await a.restart();
    for (const p of pages)
      await expect.poll(() => relayState(p, A), { timeout: SYNC_TIMEOUT, message: 'A synced again' }).toBe('synced');
    for (const p of pages) await waitForSynced(p);
    const final = await waitForAllSame(pages);
    for (const line of typed) expect(final).toContain(line);

    // Proof that A holds it all: B goes away, and a fresh profile reads the document from A alone.
    await b.kill();
    const reader = await fresh.newPage();
    expect(await openLink(reader, linkOn(edit!, a.url))).toBe(docId);
    await expect.poll(() => editorText(reader), { timeout: SYNC_TIMEOUT }).toBe(final);
    await waitForSynced(reader);

    // Moving off A: B is back, one person removes A (one click and a confirmation), and every device that
    // had it stops connecting to it; the reader, who never confirmed B, is left with no relay.
    await b.restart();
    for (const p of pages) await expect.poll(() => relayState(p, B), { timeout: SYNC_TIMEOUT }).toBe('synced');
    await openDetails(p1!);
    await relayRow(p1!, A).getByTestId('relay-remove').click();
    await expect(p1!.getByTestId('relay-remove-dialog')).toContainText('is not deleted by this');
    await p1!.getByTestId('relay-remove-dialog-confirm').click();
    await expect(relayRow(p1!, A)).toHaveCount(0);
    await closeDetails(p1!);
    for (const p of pages) await expect.poll(() => relayState(p, A), { timeout: SYNC_TIMEOUT }).toBeUndefined();
    await expect.poll(() => a.metrics().then((m) => m.get('dure_connections')), { timeout: SYNC_TIMEOUT }).toBe(0);
    await expect.poll(async () => (await readSyncStatus(reader)).state, { timeout: SYNC_TIMEOUT }).toBe('local');
    await type(p2!, 'Two: after moving to B.');
    const moved = await waitForAllSame(pages);
    for (const line of typed) expect(moved).toContain(line);
    for (const p of pages) await waitForSynced(p);

    // The reader opens the document again: no relay to use, B suggested; saying yes starts syncing
    // through B at once (the page reopens the document, with no "problem" notice).
    await reader.reload();
    await waitForEditor(reader, docId);
    expect((await readSyncStatus(reader)).state).toBe('local');
    await openDetails(reader);
    await relayRow(reader, B).getByTestId('relay-use').click();
    await waitForSynced(reader);
    await expect.poll(() => editorText(reader), { timeout: SYNC_TIMEOUT }).toBe(moved);
    await expect(reader.getByTestId('document-reloaded')).toHaveCount(0);
  } finally {
    for (const l of launched) await sigkill(l);
    await fresh.close();
    await freshB.close();
    await a.stop();
    await b.stop();
    for (const p of profiles) rmSync(p, { recursive: true, force: true });
  }
});
