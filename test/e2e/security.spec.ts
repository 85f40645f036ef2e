/**
 * The app as served: security headers on the real server, no CSP violation and no page error while
 * using the editor (a violation means a feature is silently broken or something tried to load what
 * it must not), and no other site can frame it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDocument, editorHtml, focusEnd, waitForSaved } from './app';
import { appUrl, expect, test } from './fixtures';

test('the served app carries its security headers', async ({ request }) => {
  const r = await request.get(appUrl());
  const h = r.headers();
  expect(h['content-security-policy']).toContain("script-src 'self'");
  expect(h['content-security-policy']).toContain("frame-ancestors 'none'");
  expect(h['content-security-policy']).toContain("object-src 'none'");
  expect(h['x-content-type-options']).toBe('nosniff');
  expect(h['referrer-policy']).toBe('no-referrer');
  expect(h['cross-origin-opener-policy']).toBe('same-origin');
  expect(h['cache-control']).toBe('no-cache');
});

test('editing breaks no CSP rule and throws no error', async ({ page }) => {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.__violations.push(`${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });

  await createDocument(page);
  await focusEnd(page);
  await page.keyboard.type('# Heading');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Some **bold** text and a list:');
  await page.keyboard.press('Enter');
  await page.keyboard.type('- one');
  await page.keyboard.press('Enter');
  await page.keyboard.type('two');
  await waitForSaved(page);
  expect(await editorHtml(page)).toContain('<h1>Heading</h1>');
  expect(await editorHtml(page)).toContain('<li><p>two</p></li>');
  await page.reload();
  await expect(page.getByTestId('editor')).toContainText('Heading');

  expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
  expect(errors).toEqual([]);
});

test('another site cannot frame the app', async ({ page }) => {
  const site = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end(`<!doctype html><iframe id="f" src="${appUrl()}" width="600" height="400"></iframe>`);
  });
  await new Promise<void>((resolve) => site.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://127.0.0.1:${(site.address() as AddressInfo).port}/`);
    await page.waitForLoadState('load');
    const frame = page.frames().find((f) => f !== page.mainFrame());
    expect(frame).toBeDefined();
    // A refused frame never becomes the app: no document list inside it.
    await expect(page.frameLocator('#f').getByTestId('document-list')).toHaveCount(0);
    expect(frame!.url()).toBe('chrome-error://chromewebdata/');
  } finally {
    await new Promise<void>((resolve) => site.close(() => resolve()));
  }
});
