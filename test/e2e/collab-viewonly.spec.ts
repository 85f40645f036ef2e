/**
 * Proves: a view link grants reading only. The viewer sees the editor's changes live, but nothing the
 * viewer does reaches anyone: typing changes nothing on either side; editing through the page's script
 * handle (window.__dure: the TipTap editor and the Y.Doc) changes nothing on the edit profile, on the relay
 * or for a profile that joins later; and an update envelope forged from Node with the view capability and a
 * random signing key is refused by the relay (not-proven; a prove signed with that key is bad-signature)
 * and never reaches the edit profile.
 */
import {
  decodeFrame,
  encodeFrame,
  newId,
  sealUpdate,
  signProve,
  type Frame,
  type FrameType,
} from '@dure/shared/protocol/index';
import { deriveDocKeys, parseFragment } from '@dure/shared/crypto/capability';
import type { DocKeys } from '@dure/shared/local/api';
import { ed25519 } from '@noble/curves/ed25519.js';
import WebSocket from 'ws';
import * as Y from 'yjs';
import type { Page } from '@playwright/test';
import { caretIn, createDocument, editorContent, editorText, linkOn, openLink, shareLinks, waitForSynced } from './app';
import { appUrl, expect, test } from './fixtures';
import { fetchMetrics } from './server';

/** A bare protocol client (the real `ws` client speaking shared/protocol frames), as a hostile viewer would write one. */
class RawClient {
  private readonly frames: Frame[] = [];
  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: Buffer) => {
      const r = decodeFrame(new Uint8Array(data));
      if (r.ok) this.frames.push(r.value);
    });
    ws.on('error', () => undefined);
  }
  static open(baseUrl: string): Promise<RawClient> {
    const ws = new WebSocket(new URL('/sync', baseUrl.replace(/^http/, 'ws')).href);
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new RawClient(ws)));
      ws.once('error', reject);
    });
  }
  send(f: Frame): void {
    this.ws.send(encodeFrame(f));
  }
  async next<T extends FrameType>(type: T, docId: string): Promise<Extract<Frame, { type: T }>> {
    let found: Frame | undefined;
    await expect
      .poll(() => (found = this.frames.find((f) => f.type === type && f.docId === docId)) !== undefined, {
        message: `a ${type} frame from the relay`,
      })
      .toBe(true);
    this.frames.splice(this.frames.indexOf(found!), 1);
    return found as Extract<Frame, { type: T }>;
  }
  close(): void {
    this.ws.close();
  }
}

/** Keys that derive everything a view link gives (doc id, content key) but sign with a random key. */
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

const notProven = async (): Promise<number> =>
  (await fetchMetrics(appUrl())).get('dure_rejects_total{reason="not-proven"}') ?? 0;

/** A change by the editor reaches the viewer: everything the viewer sent before it has had its chance too. */
async function roundTrip(editor: Page, viewer: Page, marker: string): Promise<void> {
  await caretIn(editor, 0, 'end');
  await editor.keyboard.type(marker);
  await expect(viewer.getByTestId('editor')).toContainText(marker, { timeout: 30_000 });
  await waitForSynced(editor);
}

test('the view-link profile cannot edit: not by typing, not by script, not by a forged envelope', async ({
  page: a,
  browser,
}) => {
  test.setTimeout(150_000);
  const docId = await createDocument(a);
  await caretIn(a, 0, 'start');
  await a.keyboard.type('Written by the editor.');
  await waitForSynced(a);
  const { edit, view } = await shareLinks(a);
  expect(view).toMatch(/#1r\./);
  const rejectsBefore = await notProven();

  const ctxB = await browser.newContext();
  const ctxC = await browser.newContext();
  let raw: RawClient | undefined;
  try {
    const b = await ctxB.newPage();
    expect(await openLink(b, linkOn(view, appUrl()))).toBe(docId);
    await expect(b.getByTestId('editor')).toContainText('Written by the editor.');
    await waitForSynced(b);
    expect(await b.evaluate(() => window.__dure!.editor.isEditable)).toBe(false);
    await expect(b.getByTestId('view-only')).toBeVisible();
    // The viewer sees the editor's changes live.
    await roundTrip(a, b, ' Live one.');

    // 1. Typing.
    await editorContent(b).click();
    await b.keyboard.type('VIEWER TYPED');
    await b.keyboard.press('Enter');
    await roundTrip(a, b, ' Live two.');
    expect(await editorText(b)).toBe('Written by the editor. Live one. Live two.');
    expect(await editorText(a)).toBe('Written by the editor. Live one. Live two.');

    // 2. Script: the page's own editor and Y.Doc, as an extension or a pasted console line would.
    await b.evaluate(() => {
      window.__dure!.editor.commands.insertContent('SCRIPTED');
      window.__dure!.ydoc.getMap('meta').set('title', 'HACKED TITLE');
      // Straight into the Y.Doc, past the editor: a paragraph built from the document's own Yjs classes.
      const frag = window.__dure!.ydoc.getXmlFragment('default') as unknown as {
        length: number;
        get(i: number): { get(i: number): object };
        insert(i: number, nodes: unknown[]): void;
      };
      const first = frag.get(0);
      const Element = first.constructor as new (name: string) => { insert(i: number, n: unknown[]): void };
      const Text = first.get(0).constructor as new (text: string) => unknown;
      const p = new Element('paragraph');
      p.insert(0, [new Text('YJS SCRIPTED')]);
      frag.insert(frag.length, [p]);
    });
    // The attack did run in the viewer's own page (its local copy changed)...
    await expect(b.getByTestId('editor')).toContainText('YJS SCRIPTED');
    // ...and reached nobody else.
    await roundTrip(a, b, ' Live three.');
    expect(await editorText(a)).toBe('Written by the editor. Live one. Live two. Live three.');
    await expect(a.getByTestId('document-title')).not.toHaveValue('HACKED TITLE');
    // The viewer's session never tried to write (the relay would have refused it as not-proven).
    expect(await notProven()).toBe(rejectsBefore);

    // 3. A forged envelope from Node: the view capability plus a random signing key.
    const viewCap = parseFragment(view.slice(view.indexOf('#') + 1));
    if (!viewCap.ok) throw new Error(`view link did not parse: ${viewCap.error}`);
    const viewKeys = deriveDocKeys(viewCap.value);
    expect(viewKeys.docId).toBe(docId);
    const forged = forgedEditKeys(viewKeys);
    raw = await RawClient.open(appUrl());
    raw.send({ type: 'hello', docId, write: true, knownSnapId: null, sinceRelaySeq: 0 });
    await raw.next('synced', docId);
    const challenge = await raw.next('challenge', docId);
    raw.send({ type: 'prove', docId, nonce: challenge.nonce, signature: signProve(forged, challenge) });
    expect((await raw.next('reject', docId)).reason).toBe('bad-signature');
    const envelope = sealUpdate(forged, { epoch: 0, deviceId: newId(), seq: 1 }, paragraphUpdate('FORGED BY A VIEWER'));
    raw.send({ type: 'update', docId, relaySeq: 0, envelope });
    expect((await raw.next('reject', docId)).reason).toBe('not-proven');
    expect(await notProven()).toBe(rejectsBefore + 1);

    await roundTrip(a, b, ' Live four.');
    const final = 'Written by the editor. Live one. Live two. Live three. Live four.';
    expect(await editorText(a)).toBe(final);
    expect(await editorText(b)).not.toContain('FORGED');

    // A profile that opens the edit link now gets exactly what the relay holds: the editor's text only.
    const c = await ctxC.newPage();
    expect(await openLink(c, linkOn(edit!, appUrl()))).toBe(docId);
    await waitForSynced(c);
    await expect(c.getByTestId('editor')).toContainText('Live four.');
    expect(await editorText(c)).toBe(final);
    await expect(c.getByTestId('document-title')).not.toHaveValue('HACKED TITLE');
  } finally {
    raw?.close();
    await ctxB.close();
    await ctxC.close();
  }
});
