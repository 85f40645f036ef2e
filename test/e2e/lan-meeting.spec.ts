/**
 * Proves (issue #6, "host a meeting"): the sync server started with --lan inside a network namespace the
 * test owns serves the app on the namespace's non-loopback address; two Chromium processes in that
 * namespace load it over plain http, which is NOT a secure context (no crypto.subtle, no service worker,
 * no Web Locks: the page says what that means), create a document, share the edit link and co-edit it,
 * Korean typed through the IME path included; a reload opens the document again from IndexedDB under
 * the pure-JS device key; and the meeting server wrote nothing to disk.
 *
 * 127.0.0.1 would not do: browsers treat loopback as secure and would hide every one of these gaps.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, CDPSession, Page } from '@playwright/test';
import {
  caretIn,
  createDocument,
  editorText,
  findPlaintext,
  openDocument,
  openLink,
  shareLinks,
  syncRole,
  waitForEditor,
  waitForSameText,
  waitForSaved,
  waitForSynced,
  yXml,
} from './app';
import { expect, test } from './fixtures';
import { createNetns, type Netns } from './netns';
import { e2eWebDir } from './snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
// By path: the server's working folder is an empty scratch folder (to see that nothing lands there),
// from where the bare specifier 'tsx' would not resolve.
const TSX_LOADER = path.join(root, 'node_modules/tsx/dist/loader.mjs');

/** Jamo-by-jamo composition steps, the way a 2-set Korean IME reports them (as in korean.spec.ts). */
const SYLLABLES: Readonly<Record<string, readonly string[]>> = {
  두: ['ㄷ', '두'],
  레: ['ㄹ', '레'],
  회: ['ㅎ', '호', '회'],
  의: ['ㅇ', '으', '의'],
  록: ['ㄹ', '로', '록'],
};

async function compose(cdp: CDPSession, word: string): Promise<void> {
  for (const ch of word) {
    if (ch === ' ') {
      await cdp.send('Input.insertText', { text: ' ' });
      continue;
    }
    const steps = SYLLABLES[ch];
    if (!steps) throw new Error(`no composition steps for ${ch}`);
    for (const s of steps) {
      await cdp.send('Input.imeSetComposition', { text: s, selectionStart: s.length, selectionEnd: s.length });
    }
    await cdp.send('Input.insertText', { text: steps.at(-1)! });
  }
}

interface Meeting {
  child: ChildProcess;
  /** the addresses the server printed for participants */
  urls: string[];
  output(): string;
}

/** `npm start -- --lan` as the host types it, but inside the namespace, on a free port. */
async function startMeeting(ns: Netns, cwd: string, webDir: string): Promise<Meeting> {
  const child = ns.spawn(
    process.execPath,
    ['--import', TSX_LOADER, path.join(root, 'sync-server/src/main.ts'), '--lan', '--port', '0', '--web-dir', webDir],
    {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Without the developer's own settings, which would stand in for --lan's defaults.
      env: { ...process.env, DURE_HOST: '', DURE_PORT: '', DURE_DATA_DIR: '', DURE_WEB_DIR: '', DURE_STORE: '' },
    },
  );
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 10_000)));
  const urls = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no meeting addresses within 30 s: ${out} ${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < 100_000) out += d;
      // The banner (store line, address list) is one write, so it arrives whole.
      const m = /On the same network, open:\n((?: {2}\S+\n)+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1].trim().split(/\s+/));
      }
    });
    child.once('exit', (code) => reject(new Error(`the meeting server exited (${code}): ${err}`)));
  });
  return { child, urls, output: () => out };
}

async function newPage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ locale: 'en-US' });
  return ctx.newPage();
}

interface Room {
  ns: Netns;
  /** the namespace's address as the server printed it: `http://10.x.y.1:<port>/` */
  base: string;
  /** the server's working folder, which must stay empty */
  cwd: string;
}

/** A network namespace with a meeting server (`--lan`, default host and store) in it; cleaned up after. */
async function inMeeting(run: (room: Room) => Promise<void>): Promise<void> {
  const ns = await createNetns();
  const scratch = mkdtempSync(path.join(tmpdir(), 'dure-e2e-lan-'));
  const cwd = path.join(scratch, 'cwd');
  const webDir = path.join(scratch, 'web');
  // The same snapshot of the build the suite's main server serves (see playwright.config.ts).
  cpSync(e2eWebDir(), webDir, { recursive: true });
  mkdirSync(cwd);
  try {
    const meeting = await startMeeting(ns, cwd, webDir);
    const port = Number(/Dure listening on http:\/\/0\.0\.0\.0:(\d+)\//.exec(meeting.output())?.[1]);
    const base = `http://${ns.address}:${port}/`;
    // Every non-internal IPv4 address of the namespace: the veth pair's two ends.
    expect(meeting.urls.sort()).toEqual([base, `http://${ns.peerAddress}:${port}/`].sort());
    await run({ ns, base, cwd });
  } finally {
    await ns.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

test('a meeting over plain http on a LAN address: two Chromium processes co-edit, Korean intact', async () => {
  test.setTimeout(180_000);
  await inMeeting(async ({ ns, base, cwd }) => {
    // Two Chromium processes (no shared BroadcastChannel or storage): everything goes through the relay.
    const [browserA, browserB] = await Promise.all([ns.launchChromium(), ns.launchChromium()]);
    const a = await newPage(browserA);
    const b = await newPage(browserB);

    const docId = await createDocument(a, base);
    expect(
      await a.evaluate(() => ({
        secure: window.isSecureContext,
        subtle: typeof crypto.subtle,
        serviceWorker: 'serviceWorker' in navigator,
        locks: 'locks' in navigator,
      })),
    ).toEqual({ secure: false, subtle: 'undefined', serviceWorker: false, locks: false });
    await expect(a.getByTestId('insecure-origin-note')).toContainText('installed app');

    await caretIn(a, 0, 'start');
    await a.keyboard.type('Agenda from A.');
    await waitForSynced(a);
    const { edit } = await shareLinks(a);
    expect(edit?.startsWith(`${base}#`)).toBe(true);

    expect(await openLink(b, edit!)).toBe(docId);
    await waitForEditor(b, docId);
    await expect(b.getByTestId('editor')).toContainText('Agenda from A.');
    await waitForSynced(b);

    // B writes a Korean line through the IME path, A adds a line: both arrive on the other side intact.
    await caretIn(b, 0, 'end');
    await b.keyboard.press('Enter');
    await compose(await b.context().newCDPSession(b), '두레 회의록');
    await caretIn(a, 0, 'end');
    await a.keyboard.type(' Notes follow.');
    const expected = 'Agenda from A. Notes follow.\n\n두레 회의록';
    await expect
      .poll(() => Promise.all([editorText(a), editorText(b)]), { timeout: 60_000, message: 'A and B texts' })
      .toEqual([expected, expected]);
    const xml = '<paragraph>Agenda from A. Notes follow.</paragraph><paragraph>두레 회의록</paragraph>';
    expect(await yXml(a)).toBe(xml);
    expect(await yXml(b)).toBe(xml);
    await waitForSynced(a);
    await waitForSynced(b);

    // A reload opens the document again from this browser's encrypted IndexedDB (device key without
    // WebCrypto) and the relay, and the Korean line is still whole.
    await waitForSaved(b);
    await b.reload();
    await waitForEditor(b, docId);
    await expect.poll(() => editorText(b)).toBe(expected);
    await waitForSynced(b);
    await caretIn(b, 1, 'end');
    await b.keyboard.type(' ok');
    await waitForSameText(a, b);
    expect(await editorText(a)).toBe(`${expected} ok`);

    // The meeting kept nothing on disk: not even a data folder in its working directory.
    expect(readdirSync(cwd)).toEqual([]);
  });
});

/**
 * Proves: on the same plain-http page, what leans on secure-context APIs elsewhere still works. Two tabs of
 * one profile share one sync session without Web Locks (the BroadcastChannel election), and the follower
 * takes over when the leader closes; the documents are encrypted at rest under the pure-JS device key
 * (settings say it is weaker here); and the app lock (scrypt, pure JS) locks and unlocks.
 */
test('on a LAN page: two tabs elect one session without Web Locks; at-rest encryption and the app lock work', async () => {
  test.setTimeout(180_000);
  const PASS = 'meeting 회의 passphrase';
  await inMeeting(async ({ ns, base }) => {
    const browser = await ns.launchChromium();
    const ctx = await browser.newContext({ locale: 'en-US' });
    const a1 = await ctx.newPage();
    const docId = await createDocument(a1, base);
    expect(await a1.evaluate(() => 'locks' in navigator)).toBe(false);
    await caretIn(a1, 0, 'start');
    await a1.keyboard.type('Marigoldsecret from tab one.');
    await waitForSynced(a1);

    const a2 = await ctx.newPage();
    await openDocument(a2, docId, base);
    await expect(a2.getByTestId('editor')).toContainText('from tab one.');
    await expect.poll(async () => [await syncRole(a1), await syncRole(a2)].sort()).toEqual(['follower', 'leader']);
    await caretIn(a2, 0, 'end');
    await a2.keyboard.type(' From tab two.');
    await expect(a1.getByTestId('editor')).toContainText('From tab two.', { timeout: 30_000 });
    await waitForSynced(a2);

    // Whichever tab led, the other carries on alone once it closes.
    const leader = (await syncRole(a1)) === 'leader' ? a1 : a2;
    const rest = leader === a1 ? a2 : a1;
    await leader.close();
    await expect.poll(() => syncRole(rest), { timeout: 30_000 }).toBe('leader');
    await caretIn(rest, 0, 'end');
    await rest.keyboard.type(' Alone.');
    await waitForSynced(rest);
    expect(await editorText(rest)).toBe('Marigoldsecret from tab one. From tab two. Alone.');
    await waitForSaved(rest);
    expect(await findPlaintext(rest, ['Marigoldsecret', 'Alone'])).toEqual([]);

    await rest.goto(`${base}#/settings`);
    await expect(rest.locator('body')).toContainText('not served over HTTPS');
    // No navigator.storage either: the storage card says persistence is unsupported rather than failing.
    await expect(rest.getByTestId('persist-state')).toHaveAttribute('data-state', 'unsupported');
    await rest.getByTestId('lock-new-passphrase').fill(PASS);
    await rest.getByTestId('lock-confirm-passphrase').fill(PASS);
    await rest.getByTestId('lock-enable-submit').click();
    await expect(rest.getByTestId('lock-state')).toHaveAttribute('data-enabled', 'true', { timeout: 30_000 });

    await rest.reload();
    await expect(rest.getByTestId('lock-screen')).toBeVisible();
    await rest.getByTestId('unlock-passphrase').fill('wrong');
    await rest.getByTestId('unlock-submit').click();
    await expect(rest.getByTestId('unlock-error')).not.toBeEmpty({ timeout: 30_000 });
    await rest.getByTestId('unlock-passphrase').fill(PASS);
    await rest.getByTestId('unlock-submit').click();
    await expect(rest.getByTestId('lock-screen')).toHaveCount(0, { timeout: 30_000 });
    await openDocument(rest, docId, base);
    expect(await editorText(rest)).toBe('Marigoldsecret from tab one. From tab two. Alone.');
    expect(await findPlaintext(rest, ['Marigoldsecret', 'Alone'])).toEqual([]);
  });
});
