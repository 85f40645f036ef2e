/**
 * Proves (issue #6, WebRTC peers): two Chromium processes that open the same document through a relay
 * also link directly (a WebRTC data channel, signaled through that relay, no STUN); when the relay process
 * is killed they keep co-editing over that channel; when it comes back everything reaches it, so a fresh
 * browser that can only reach the relay sees all of it. A view-link browser linked directly cannot write
 * through its peer: an update it forges (valid AEAD, signed with a key of its own) never shows.
 *
 * Everything runs inside a network namespace the test creates (netns.ts): Chromium gathers ICE
 * candidates only on a real interface with a default route (TOOLCHAIN.md §5), and the pages load from
 * the namespace's address, as in a meeting on a local network.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from '@playwright/test';
import { deriveDocKeys, parseFragment } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { encodeFrame, newId, sealUpdate } from '@dure/shared/protocol/index';
import { ed25519 } from '@noble/curves/ed25519.js';
import * as Y from 'yjs';
import { caretIn, createDocument, editorText, openLink, shareLinks, waitForSynced } from './app';
import { expect, test } from './fixtures';
import { createNetns, type Netns } from './netns';
import { e2eWebDir } from './snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const TSX_LOADER = path.join(root, 'node_modules/tsx/dist/loader.mjs');

/** Bounds against hangs: a reconnect after an outage waits out the engine's backoff (up to 30 s). */
const LINK_TIMEOUT = 60_000;

interface Relay {
  readonly child: ChildProcess;
  readonly port: number;
}

/** The real sync server inside the namespace, on its address, with a data folder that survives restarts. */
async function startRelay(ns: Netns, dataDir: string, webDir: string, port = 0): Promise<Relay> {
  const child = ns.spawn(
    process.execPath,
    [
      '--import',
      TSX_LOADER,
      path.join(root, 'sync-server/src/main.ts'),
      '--host',
      ns.address,
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--web-dir',
      webDir,
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, DURE_HOST: '', DURE_PORT: '', DURE_DATA_DIR: '', DURE_WEB_DIR: '', DURE_STORE: '' },
    },
  );
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d.slice(0, 10_000)));
  const listening = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relay did not listen within 30 s: ${out} ${err}`)), 30_000);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      if (out.length < 100_000) out += d;
      const m = /Dure listening on http:\/\/[\d.]+:(\d+)\//.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => reject(new Error(`the relay exited (${code}): ${err}`)));
  });
  return { child, port: listening };
}

async function kill(relay: Relay): Promise<void> {
  if (relay.child.exitCode !== null || relay.child.signalCode !== null) return;
  const exited = new Promise((r) => relay.child.once('exit', r));
  relay.child.kill('SIGKILL');
  await exited;
}

/** A page in its own browser process, with every RTCDataChannel it makes kept in window.__channels. */
async function newPage(browser: Browser): Promise<Page> {
  const ctx = await browser.newContext({ locale: 'en-US' });
  await ctx.addInitScript(() => {
    const w = window as unknown as { __channels: RTCDataChannel[] };
    w.__channels = [];
    const make = RTCPeerConnection.prototype.createDataChannel;
    RTCPeerConnection.prototype.createDataChannel = function (
      this: RTCPeerConnection,
      ...args: Parameters<typeof make>
    ) {
      const ch = make.apply(this, args);
      w.__channels.push(ch);
      return ch;
    };
  });
  return ctx.newPage();
}

/** Direct links the page's session has and has exchanged hellos on (sync status, transports of kind peer). */
function directPeers(page: Page): Promise<number> {
  return page.evaluate(() => {
    const s = (window.__dure?.sync as { status?: { transports?: { kind?: string; state: string }[] } } | undefined)
      ?.status;
    return (s?.transports ?? []).filter((t) => t.kind === 'peer' && t.state === 'synced').length;
  });
}

/** The relay link's state as the page shows it. */
function relayState(page: Page): Promise<string | null> {
  return page.getByTestId('sync-status').getAttribute('data-state');
}

async function typeAtEnd(page: Page, text: string): Promise<void> {
  await caretIn(page, 0, 'end');
  await page.keyboard.type(text);
}

/** Keys with everything a view link gives (doc id, content key) but a signing key of the viewer's own. */
function forgedEditKeys(view: DocKeys): DocKeys {
  return {
    docId: view.docId,
    kind: 'edit',
    readSecret: view.readSecret,
    writePub: view.writePub,
    writeSeed: ed25519.utils.randomSecretKey(),
    contentKey: (e) => view.contentKey(e),
    presenceKey: (e) => view.presenceKey(e),
    blobKey: (id) => view.blobKey(id),
  };
}

/** A real Yjs update (v2, as the engine seals them) that would add a paragraph saying `text`. */
function paragraphUpdate(text: string): Uint8Array {
  const d = new Y.Doc();
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  d.getXmlFragment('default').insert(0, [p]);
  return Y.encodeStateAsUpdateV2(d);
}

test('two browsers link over WebRTC, keep co-editing with the relay killed, and the relay gets everything back', async () => {
  test.setTimeout(300_000);
  const ns = await createNetns();
  const scratch = mkdtempSync(path.join(tmpdir(), 'dure-e2e-p2p-'));
  const webDir = path.join(scratch, 'web');
  const dataDir = path.join(scratch, 'data');
  cpSync(e2eWebDir(), webDir, { recursive: true });
  mkdirSync(dataDir);
  let relay: Relay | undefined;
  try {
    relay = await startRelay(ns, dataDir, webDir);
    const base = `http://${ns.address}:${relay.port}/`;
    const [browserA, browserB] = await Promise.all([ns.launchChromium(), ns.launchChromium()]);
    const a = await newPage(browserA);
    const b = await newPage(browserB);

    const docId = await createDocument(a, base);
    await caretIn(a, 0, 'start');
    await a.keyboard.type('Start.');
    await waitForSynced(a);
    const { edit, view } = await shareLinks(a);
    expect(await openLink(b, edit!)).toBe(docId);
    await expect(b.getByTestId('editor')).toContainText('Start.');
    await waitForSynced(b);

    // The direct link: each session lists the other as a peer it exchanged hellos with.
    await expect.poll(() => directPeers(a), { timeout: LINK_TIMEOUT, message: 'A links to B' }).toBe(1);
    await expect.poll(() => directPeers(b), { timeout: LINK_TIMEOUT, message: 'B links to A' }).toBe(1);
    // (Not the who-is-here list's "directly": it names the path the freshest presence came by, relay or
    // link, whichever was first, so it may say either while both work.)

    // The relay process dies. The pages see it; the data channel does not depend on it.
    await kill(relay);
    await expect.poll(() => relayState(a), { timeout: LINK_TIMEOUT }).not.toBe('synced');
    await expect.poll(() => relayState(b), { timeout: LINK_TIMEOUT }).not.toBe('synced');
    await typeAtEnd(a, ' A without relay.');
    await expect(b.getByTestId('editor')).toContainText('A without relay.', { timeout: LINK_TIMEOUT });
    await typeAtEnd(b, ' B without relay.');
    await expect(a.getByTestId('editor')).toContainText('B without relay.', { timeout: LINK_TIMEOUT });
    const offline = 'Start. A without relay. B without relay.';
    await expect.poll(() => Promise.all([editorText(a), editorText(b)])).toEqual([offline, offline]);
    expect(await directPeers(a)).toBe(1);

    // The relay comes back on the same address with its data folder: both catch it up.
    relay = await startRelay(ns, dataDir, webDir, relay.port);
    await waitForSynced(a, LINK_TIMEOUT);
    await waitForSynced(b, LINK_TIMEOUT);

    // A view-link browser links directly and forges an update through its data channel: never shown.
    const browserV = await ns.launchChromium();
    const v = await newPage(browserV);
    expect(await openLink(v, view)).toBe(docId);
    await expect.poll(() => editorText(v), { timeout: LINK_TIMEOUT }).toBe(offline);
    await expect.poll(() => directPeers(v), { timeout: LINK_TIMEOUT, message: 'V links to A or B' }).toBeGreaterThan(0);
    const cap = parseFragment(new URL(view).hash.slice(1));
    if (!cap.ok) throw new Error(`view link did not parse: ${cap.error}`);
    const envelope = sealUpdate(
      forgedEditKeys(deriveDocKeys(cap.value)),
      { epoch: 0, deviceId: newId(), seq: 1 },
      paragraphUpdate('FORGED BY VIEWER'),
    );
    const frame = encodeFrame({ type: 'update', docId, relaySeq: 0, envelope });
    // One data channel message: chunk kind 0 (the whole frame) and the frame (webrtc-transport.ts).
    const chunk = [0, ...frame];
    const sent = await v.evaluate((bytes) => {
      const w = window as unknown as { __channels: RTCDataChannel[] };
      let n = 0;
      for (const ch of w.__channels) {
        if (ch.readyState !== 'open') continue;
        ch.send(new Uint8Array(bytes));
        n++;
      }
      return n;
    }, chunk);
    expect(sent).toBeGreaterThan(0);
    // A later edit from A reaches B and V: the forged frame, sent before it, has had its chance.
    await typeAtEnd(a, ' After the forgery.');
    const after = `${offline} After the forgery.`;
    await expect.poll(() => Promise.all([editorText(a), editorText(b), editorText(v)])).toEqual([after, after, after]);
    for (const p of [a, b, v]) await expect(p.getByTestId('editor')).not.toContainText('FORGED');
    // It did arrive: the peer that got it refused it (a bad signature) and says so in its sync problems.
    const refused = async (p: Page): Promise<boolean> =>
      p.evaluate(() => {
        const s = window.__dure?.sync as { status?: { problems?: { kind: string }[] } } | undefined;
        return (s?.status?.problems ?? []).some((x) => x.kind === 'bad-envelope' || x.kind === 'peer-dropped');
      });
    await expect.poll(async () => (await refused(a)) || (await refused(b)), { timeout: LINK_TIMEOUT }).toBe(true);
    await waitForSynced(a, LINK_TIMEOUT);
    await waitForSynced(b, LINK_TIMEOUT);

    // Everyone leaves; a fresh browser can only get the document from the relay, and gets all of it.
    await Promise.all([browserA.close(), browserB.close(), browserV.close()]);
    const browserC = await ns.launchChromium();
    const c = await newPage(browserC);
    expect(await openLink(c, edit!)).toBe(docId);
    await expect.poll(() => editorText(c), { timeout: LINK_TIMEOUT }).toBe(after);
    expect(await directPeers(c)).toBe(0);
  } finally {
    await ns.close();
    rmSync(scratch, { recursive: true, force: true });
  }
});
