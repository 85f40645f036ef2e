/**
 * E2EE 4.8 #16: a link's secret must never leave the browser. The fragment is not part of any request,
 * the server answers with Referrer-Policy: no-referrer, and once the app has read the link the secret is
 * gone from the address bar (and so from history and bookmarks by default).
 */
import { formatFragment, newEditCapability, toB64url } from '@dure/shared';
import { waitForEditor } from './app';
import { appUrl, expect, test } from './fixtures';

test('4.8 #16: an edit link’s secret is in no request, no Referer and not in the address bar after opening', async ({
  page,
}) => {
  const cap = newEditCapability();
  if (cap.kind !== 'edit') throw new Error('expected an edit capability');
  const secret = toB64url(cap.editSecret);
  const seen: string[] = [];
  page.on('request', (r) => {
    seen.push(r.url());
    for (const v of Object.values(r.headers())) seen.push(v);
  });
  const response = await page.goto(`${appUrl()}#${formatFragment(cap)}`);
  expect(response?.headers()['referrer-policy']).toBe('no-referrer');
  await waitForEditor(page);
  await expect.poll(() => page.url()).not.toContain(secret);
  expect(page.url()).toMatch(/#\/d\//);
  expect(await page.evaluate(() => location.href + document.referrer)).not.toContain(secret);
  expect(seen.length).toBeGreaterThan(0);
  expect(seen.filter((s) => s.includes(secret))).toEqual([]);
});
