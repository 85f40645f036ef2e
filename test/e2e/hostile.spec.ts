/**
 * Hostile content arriving as a Yjs update (the way a peer's or a relay's content arrives: it never
 * passes through parseHTML) must be inert: a javascript: link, an onclick attribute, a remote image
 * with onerror. Nothing may run and nothing may be fetched from the remote host, now or after reload.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Page } from '@playwright/test';
import { createDocument, editorContent, focusEnd, waitForEditor, waitForSaved } from './app';
import { appUrl, expect, test } from './fixtures';

let tracker: Server;
const hits: string[] = [];
let trackerOrigin = '';

test.beforeAll(async () => {
  tracker = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200, { 'Content-Type': 'image/gif' });
    res.end(Buffer.from('R0lGODlhAQABAAAAACwAAAAAAQABAAA=', 'base64'));
  });
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  trackerOrigin = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}`;
});

test.afterAll(async () => {
  await new Promise<void>((resolve) => tracker.close(() => resolve()));
});

/**
 * Builds the hostile nodes with the page's own Yjs classes (taken from an existing paragraph: the app
 * does not export Yjs) and applies them in a transaction whose origin is not the editor's, which is
 * exactly how the binding sees a remote update.
 */
function injectHostile(page: Page, origin: string): Promise<void> {
  return page.evaluate((remote) => {
    type YNode = {
      constructor: new (name?: string) => YNode;
      get(i: number): YNode;
      insert(i: number, content: unknown, attrs?: unknown): void;
      setAttribute(k: string, v: unknown): void;
      length: number;
    };
    const d = window.__dure as unknown as {
      ydoc: { getXmlFragment(n: string): YNode; transact(f: () => void, origin: unknown): void };
    };
    const frag = d.ydoc.getXmlFragment('default');
    const para = frag.get(0);
    const XmlElement = para.constructor;
    const XmlText = para.get(0).constructor;
    d.ydoc.transact(() => {
      const p = new XmlElement('paragraph');
      p.setAttribute('onclick', 'window.__pwned = "onclick"');
      const t = new XmlText();
      t.insert(0, 'click me', { link: { href: 'javascript:window.__pwned="link"' } });
      t.insert(8, ' and ', {});
      t.insert(13, 'me too', { link: { href: ' JaVaScRiPt:window.__pwned="link2"' } });
      p.insert(0, [t]);

      const img = new XmlElement('image');
      img.setAttribute('src', `${remote}/pixel.png?block`);
      img.setAttribute('onerror', 'window.__pwned = "onerror"');

      const p2 = new XmlElement('paragraph');
      const inlineImg = new XmlElement('image');
      inlineImg.setAttribute('src', `${remote}/pixel.png?inline`);
      inlineImg.setAttribute('onerror', 'window.__pwned = "onerror2"');
      const t2 = new XmlText();
      t2.insert(0, 'after images');
      p2.insert(0, [inlineImg, t2]);

      frag.insert(frag.length, [p, img, p2]);
    }, 'hostile-peer');
  }, origin);
}

async function assertInert(page: Page): Promise<void> {
  const editor = editorContent(page);
  await expect(editor).toContainText('click me');
  // Nothing the document said became an active attribute in the DOM.
  const active = await page.evaluate(() => {
    const root = document.querySelector('[data-testid="editor"]')!;
    const bad: string[] = [];
    for (const el of Array.from(root.querySelectorAll('*'))) {
      for (const a of Array.from(el.attributes)) {
        if (/^on/i.test(a.name)) bad.push(`${el.tagName} ${a.name}`);
        if ((a.name === 'href' || a.name === 'src') && /^\s*(javascript|data|vbscript):/i.test(a.value))
          bad.push(`${el.tagName} ${a.name}=${a.value}`);
        if (a.name === 'src' && !a.value.startsWith('blob:') && !a.value.startsWith(location.origin))
          bad.push(`${el.tagName} src=${a.value}`);
      }
    }
    return bad;
  });
  expect(active).toEqual([]);

  await editor.getByText('click me').click();
  await editor.getByText('me too').click();
  expect(await page.evaluate(() => window.__pwned)).toBeUndefined();
}

test('a hostile Yjs update runs nothing and fetches nothing', async ({ page }) => {
  const requests: string[] = [];
  page.context().on('request', (r) => {
    if (!r.url().startsWith(appUrl()) && !r.url().startsWith('blob:')) requests.push(r.url());
  });
  const docId = await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('Statement draft');
  await waitForSaved(page);

  await injectHostile(page, trackerOrigin);
  await assertInert(page);
  await waitForSaved(page);

  // Again from storage: the hostile nodes were stored as data, and render inert after a reload.
  await page.reload();
  await waitForEditor(page, docId);
  await assertInert(page);
  await expect(editorContent(page)).toContainText('Statement draft');

  // The reload above waited for the editor to render everything, images included.
  expect(hits).toEqual([]);
  expect(requests).toEqual([]);
});
