/**
 * Proves (issue #6, E2EE.md 4.8 #7, in Chromium): a relay that forks, i.e. shows two people different
 * snapshot chains of one document under ONE address, is caught once their browsers link directly, and
 * nothing is lost. Behind the address (forking-relay.ts) are two real sync-server processes: browser A's
 * connections reach relay A, browser B's relay B (a cookie in each browser context picks the side; the
 * app sees one URL), and only signal frames cross, so the two can link over WebRTC. Each person types
 * until their own relay accepts a snapshot from them: two chains from the same start. Then the proxy
 * lets the held signals through; once linked, both pages must show the fork problem (data-problems and
 * the details dialog's words), both editors must hold both people's text, and a reload shows the same.
 *
 * Runs inside a network namespace (netns.ts): Chromium gathers ICE candidates only on a real interface
 * with a default route (TOOLCHAIN.md §5).
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { caretIn, createDocument, editorText, openLink, shareLinks, waitForEditor, waitForSynced } from './app';
import { expect, test } from './fixtures';
import { SIDE_COOKIE, type ForkingRelayEvent, type Side } from './forking-relay';
import { createNetns, type Netns } from './netns';
import { e2eWebDir } from './snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX_LOADER = path.join(root, 'node_modules/tsx/dist/loader.mjs');
const EN = JSON.parse(readFileSync(path.join(root, 'web/src/i18n/en.json'), 'utf8')) as Record<string, string>;

/** Bounds against hangs: linking and a reconnect may wait out the engine's backoff. */
const LINK_TIMEOUT = 60_000;
/** The engine compacts past 100 updates; a chunk per round, at most this many rounds per person. */
const MAX_ROUNDS = 80;

const tsxProcess = (ns: Netns, script: string, args: readonly string[]): ChildProcess =>
  ns.spawn(process.execPath, ['--import', TSX_LOADER, path.join(root, script), ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { ...process.env, DURE_HOST: '', DURE_PORT: '', DURE_DATA_DIR: '', DURE_WEB_DIR: '', DURE_STORE: '' },
  });

/** Collects a child's stderr (bounded) for error messages. */
function stderrOf(child: ChildProcess): () => string {
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (err.length < 20_000) err += d;
  });
  return () => err;
}

/** A real sync server inside the namespace with its own data folder. */
async function startRelay(ns: Netns, dataDir: string, webDir: string): Promise<number> {
  const child = tsxProcess(ns, 'sync-server/src/main.ts', [
    '--host',
    ns.address,
    '--port',
    '0',
    '--data-dir',
    dataDir,
    '--web-dir',
    webDir,
  ]);
  const err = stderrOf(child);
  let out = '';
  return new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`a relay did not listen within 30 s: ${out} ${err()}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < 100_000) out += d;
      const m = /Dure listening on http:\/\/[\d.]+:(\d+)\//.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`a relay exited (${code}): ${err()}`)));
  });
}

interface Proxy {
  readonly port: number;
  readonly events: readonly ForkingRelayEvent[];
  /** Lets the held signal frames through (and every later one). */
  link(): void;
}

/** The forking relay (forking-relay.ts) in the namespace, in front of relays A and B. */
async function startProxy(ns: Netns, ports: Record<Side, number>): Promise<Proxy> {
  const child = tsxProcess(ns, 'test/e2e/forking-relay.ts', [
    '--host',
    ns.address,
    '--a',
    String(ports.A),
    '--b',
    String(ports.B),
  ]);
  const err = stderrOf(child);
  const events: ForkingRelayEvent[] = [];
  let buffer = '';
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the forking relay did not listen in 30 s: ${err()}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buffer += d;
      let nl: number;
      while ((nl = buffer.indexOf('\n')) >= 0) {
        const e = JSON.parse(buffer.slice(0, nl)) as ForkingRelayEvent;
        buffer = buffer.slice(nl + 1);
        events.push(e);
        if (e.event === 'listening') {
          clearTimeout(timer);
          resolve(e.port);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`the forking relay exited (${code}): ${err()}`)));
  });
  return { port, events, link: () => void child.stdin!.write('link\n') };
}

/** A browser context whose WebSocket upgrades carry the side cookie: the proxy's only routing input. */
async function pageFor(browser: Browser, base: string, side: Side): Promise<Page> {
  const ctx = await browser.newContext({ locale: 'en-US' });
  await ctx.addCookies([{ name: SIDE_COOKIE, value: side, url: base }]);
  return ctx.newPage();
}

interface StatusView {
  relays: string[];
  direct: number;
  forks: number;
}

function statusView(page: Page): Promise<StatusView> {
  return page.evaluate(() => {
    const s = (
      window.__dure?.sync as
        | {
            status?: {
              transports?: { id: string; kind?: string; state: string }[];
              problems?: { kind: string }[];
            };
          }
        | undefined
    )?.status;
    const t = s?.transports ?? [];
    return {
      relays: t.filter((x) => x.kind === 'relay').map((x) => x.id),
      direct: t.filter((x) => x.kind === 'peer' && x.state === 'synced').length,
      forks: (s?.problems ?? []).filter((p) => p.kind === 'fork').length,
    };
  });
}

const snapshotsDone = (proxy: Proxy, side: Side): number =>
  proxy.events.filter((e) => e.event === 'snapshot-done' && e.side === side).length;

/**
 * Types words (one keystroke at a time, so most become updates of their own) until this side's relay
 * has accepted a snapshot. Returns the words typed.
 */
async function typeUntilSnapshot(page: Page, proxy: Proxy, side: Side): Promise<string[]> {
  // A Hangul word first (typed as text input), so the merge is checked on Korean too.
  const words: string[] = [side === 'A' ? '두레가' : '모임나'];
  await caretIn(page, 0, 'end');
  await page.keyboard.type(`${words[0]} `, { delay: 60 });
  for (let round = 0; round < MAX_ROUNDS && snapshotsDone(proxy, side) === 0; round++) {
    const word = `${side.toLowerCase()}${String(round).padStart(2, '0')}q`;
    await page.keyboard.type(`${word} `, { delay: 60 });
    words.push(word);
  }
  await expect
    .poll(() => snapshotsDone(proxy, side), { timeout: LINK_TIMEOUT, message: `relay ${side} accepts a snapshot` })
    .toBeGreaterThan(0);
  return words;
}

async function expectForkShown(page: Page): Promise<void> {
  await expect
    .poll(async () => Number(await page.getByTestId('sync-status').getAttribute('data-problems')), {
      timeout: LINK_TIMEOUT,
    })
    .toBeGreaterThanOrEqual(1);
  await page.getByTestId('sync-details').click();
  const dialog = page.getByTestId('sync-details-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('sync-problems')).toContainText(EN['sync.problem.fork']!);
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
}

test('a relay that forks (two relays under one address) is caught once the browsers link, and nothing is lost', async () => {
  test.setTimeout(300_000);
  expect(EN['sync.problem.fork']).toBeTruthy();
  const ns = await createNetns();
  const scratch = mkdtempSync(path.join(tmpdir(), 'dure-e2e-fork-'));
  const webDir = path.join(scratch, 'web');
  cpSync(e2eWebDir(), webDir, { recursive: true });
  for (const d of ['data-a', 'data-b']) mkdirSync(path.join(scratch, d));
  try {
    const [portA, portB] = await Promise.all([
      startRelay(ns, path.join(scratch, 'data-a'), webDir),
      startRelay(ns, path.join(scratch, 'data-b'), webDir),
    ]);
    const proxy = await startProxy(ns, { A: portA, B: portB });
    const base = `http://${ns.address}:${proxy.port}/`;
    const [browserA, browserB] = await Promise.all([ns.launchChromium(), ns.launchChromium()]);
    const a = await pageFor(browserA, base, 'A');
    const b = await pageFor(browserB, base, 'B');

    const docId = await createDocument(a, base);
    await waitForSynced(a);
    const { edit } = await shareLinks(a);
    expect(await openLink(b, edit!)).toBe(docId);
    await waitForSynced(b);
    // One relay address for both, as far as the app can tell.
    const [viewA, viewB] = await Promise.all([statusView(a), statusView(b)]);
    expect(viewA.relays).toEqual([`ws://${ns.address}:${proxy.port}/sync`]);
    expect(viewB.relays).toEqual(viewA.relays);

    // Each types until its own relay accepts a snapshot: two chains from the same (empty) start.
    const [wordsA, wordsB] = await Promise.all([typeUntilSnapshot(a, proxy, 'A'), typeUntilSnapshot(b, proxy, 'B')]);
    await waitForSynced(a);
    await waitForSynced(b);
    const snapIds = (side: Side): string[] =>
      proxy.events.flatMap((e) => (e.event === 'snapshot-up' && e.side === side ? [e.snapId] : []));
    expect(snapIds('A').some((id) => snapIds('B').includes(id))).toBe(false);
    // Each relay's chain is consistent on its own (no fork reported yet), and neither saw the other's words.
    for (const p of [a, b]) expect((await statusView(p)).forks).toBe(0);
    expect(await editorText(b)).not.toContain(wordsA[0]!);
    expect(await editorText(a)).not.toContain(wordsB[0]!);

    // The signals go through: the browsers link directly and compare their relay heads.
    proxy.link();
    await expect.poll(async () => (await statusView(a)).direct, { timeout: LINK_TIMEOUT, message: 'A links' }).toBe(1);
    await expect.poll(async () => (await statusView(b)).direct, { timeout: LINK_TIMEOUT, message: 'B links' }).toBe(1);
    for (const p of [a, b]) {
      await expect.poll(async () => (await statusView(p)).forks, { timeout: LINK_TIMEOUT }).toBeGreaterThan(0);
      await expectForkShown(p);
    }

    // Nothing thrown away: both hold both people's words, through the direct link.
    const hasAll = (text: string): boolean => [...wordsA, ...wordsB].every((w) => text.includes(w));
    let converged = '';
    await expect
      .poll(
        async () => {
          const [ta, tb] = await Promise.all([editorText(a), editorText(b)]);
          converged = ta;
          return ta === tb && hasAll(ta);
        },
        { timeout: LINK_TIMEOUT, message: 'A and B converge on both people’s words' },
      )
      .toBe(true);

    // A reload shows the same on each side.
    for (const p of [a, b]) {
      await p.reload();
      await waitForEditor(p, docId);
      await expect.poll(() => editorText(p), { timeout: LINK_TIMEOUT }).toBe(converged);
    }
  } finally {
    await ns.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});
