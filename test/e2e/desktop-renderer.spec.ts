/**
 * The web app inside the desktop shell, in Debian's Chromium through a test preload (desktop-preload.ts)
 * that offers the same `window.dure` API as the real preload and hands every call to this test. The
 * Electron binary cannot run here (TOOLCHAIN.md §2); the main process side is tested in electron/test.
 */
import type { Page } from '@playwright/test';
import mammoth from 'mammoth';
import { test, expect, appUrl } from './fixtures';
import { editorContent, editorText, gotoList, waitForEditor } from './app';
import { emitDesktop, installDesktopPreload, type Answer, type DesktopCall } from './desktop-preload';

const KEK = Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);
const MEETING_URLS = ['http://192.168.7.20:43111/', 'http://10.0.0.5:43111/'];

function answers(overrides: Partial<Record<DesktopCall['method'], Answer>> = {}): Answer {
  return (c) => {
    const o = overrides[c.method];
    if (o) return o(c);
    switch (c.method) {
      case 'setRelays':
        return { allowed: c.relays, refused: [], reloadNeeded: false };
      case 'deviceKek':
        return { ok: true, kek: KEK, plainText: false };
      case 'forgetDeviceKek':
        return undefined;
      case 'openFile':
        return null;
      case 'saveFile':
        return 'saved';
      case 'meetingStart':
        return { state: 'running', port: 43111, urls: MEETING_URLS };
      case 'meetingStop':
      case 'meetingStatus':
        return { state: 'stopped' };
      default:
        return 'refused';
    }
  };
}

const of = <M extends DesktopCall['method']>(calls: DesktopCall[], m: M) =>
  calls.filter((c): c is Extract<DesktopCall, { method: M }> => c.method === m);

/** The list, once the desktop part of the app listens (it loads after the first page shows). */
async function gotoDesktopList(page: Page): Promise<void> {
  await gotoList(page);
  await expect(page.locator('html')).toHaveAttribute('data-shell', 'desktop');
}

async function typeInEditor(page: Page, text: string): Promise<void> {
  await editorContent(page).click();
  await page.keyboard.insertText(text);
  await expect.poll(() => editorText(page)).toContain(text);
}

test('the desktop shell: its affordances show, the relays reach main, no service worker', async ({ page }) => {
  const calls = await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await expect(page.locator('html')).toHaveAttribute('data-shell', 'desktop');
  const wsUrl = appUrl().replace(/^http/, 'ws');
  await expect
    .poll(() =>
      of(calls, 'setRelays')
        .at(-1)
        ?.relays.some((r) => r.startsWith(wsUrl)),
    )
    .toBe(true);
  // The desktop app carries its own code: no worker is registered, so no update prompt can appear.
  expect(await page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(0);
  await expect(page.getByTestId('update-available')).toHaveCount(0);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('desktop-meeting')).toBeVisible();
});

test('a relay main allowed only after this page loaded: the app offers a reload', async ({ page }) => {
  let first = true;
  const calls = await installDesktopPreload(
    page,
    answers({
      setRelays: (c) => {
        const reloadNeeded = first;
        first = false;
        return { allowed: c.method === 'setRelays' ? c.relays : [], refused: [], reloadNeeded };
      },
    }),
  );
  await gotoDesktopList(page);
  const banner = page.getByTestId('desktop-reload-needed');
  await expect(banner).toBeVisible();
  await banner.getByRole('button', { name: 'Reload' }).click();
  await expect.poll(() => of(calls, 'setRelays').length).toBe(2);
  await expect(page.getByTestId('document-list')).toBeVisible();
  await expect(banner).toHaveCount(0);
});

test('menu: New document, then Export ▸ Markdown and ▸ Word send the file bytes to the save call', async ({ page }) => {
  const calls = await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await emitDesktop(page, 'menu', 'new');
  await waitForEditor(page);
  await typeInEditor(page, '두레 회의록 meeting notes');
  await emitDesktop(page, 'menu', 'export-markdown');
  await expect.poll(() => of(calls, 'saveFile').length).toBe(1);
  const saved = of(calls, 'saveFile')[0]!;
  expect(saved.name).toMatch(/\.md$/);
  expect(new TextDecoder().decode(new Uint8Array(saved.bytes))).toContain('두레 회의록 meeting notes');
  await expect(page.getByTestId('desktop-saved')).toBeVisible();

  await emitDesktop(page, 'menu', 'export-docx');
  await expect.poll(() => of(calls, 'saveFile').length).toBe(2);
  const docx = of(calls, 'saveFile')[1]!;
  expect(docx.name).toMatch(/\.docx$/);
  const { value } = await mammoth.extractRawText({ buffer: Buffer.from(docx.bytes) });
  expect(value).toContain('두레 회의록 meeting notes');
});

test('menu: Import… imports the Markdown file the open dialog answered', async ({ page }) => {
  const md = '# 총회 안건\n\n- 예산\n- 다음 모임\n';
  const calls = await installDesktopPreload(
    page,
    answers({ openFile: () => ({ name: '안건.md', bytes: Array.from(new TextEncoder().encode(md)) }) }),
  );
  await gotoDesktopList(page);
  await emitDesktop(page, 'menu', 'import');
  await waitForEditor(page);
  expect(of(calls, 'openFile')).toHaveLength(1);
  await expect(editorContent(page).locator('h1')).toHaveText('총회 안건');
  await expect(editorContent(page).locator('li')).toHaveText(['예산', '다음 모임']);
});

test('menu: Import… of a file main refused says why and creates nothing', async ({ page }) => {
  await installDesktopPreload(
    page,
    answers({
      openFile: () => {
        throw new Error('dure-file-refused:extension');
      },
    }),
  );
  await gotoDesktopList(page);
  await emitDesktop(page, 'menu', 'import');
  await expect(page.getByTestId('desktop-error')).toContainText('Only Markdown (.md)');
  await expect(page.getByTestId('document-item')).toHaveCount(0);
});

test('a dure:// link from main opens the shared document', async ({ page, browser }) => {
  // Someone else writes a document on the plain web app and shares its edit link.
  const other = await browser.newContext();
  const web = await other.newPage();
  await gotoList(web);
  await web.getByTestId('new-document').click();
  await waitForEditor(web);
  await typeInEditor(web, '함께 쓰는 문서');
  await web.getByTestId('share-document').click();
  const link = await web.getByTestId('share-edit-link').inputValue();
  const fragment = link.slice(link.indexOf('#') + 1);

  await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await emitDesktop(page, 'link', fragment);
  await waitForEditor(page);
  await expect.poll(() => editorText(page), { timeout: 20_000 }).toContain('함께 쓰는 문서');
  // The secret is read once and dropped from the address bar.
  expect(page.url()).not.toContain(fragment);

  // File ▸ Open Link…: the in-app box (the safer path) takes the whole https link; a wrong one is refused.
  await gotoDesktopList(page);
  await emitDesktop(page, 'menu', 'open');
  const dialog = page.getByTestId('open-link-dialog');
  await dialog.getByTestId('open-link-dialog-input').fill('https://example.org/#not-a-link');
  await dialog.getByTestId('open-link-dialog-confirm').click();
  await expect(dialog.getByRole('alert')).toHaveText('This is not a Dure edit or view link.');
  await dialog.getByTestId('open-link-dialog-input').fill(link);
  await dialog.getByTestId('open-link-dialog-confirm').click();
  await waitForEditor(page);
  await expect.poll(() => editorText(page)).toContain('함께 쓰는 문서');
  await other.close();
});

test('lock off: the device key comes from the shell, and the documents open after a reload', async ({ page }) => {
  const calls = await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await page.getByTestId('new-document').click();
  const docId = await waitForEditor(page);
  await typeInEditor(page, '저장된 키로 다시 열기');
  await gotoDesktopList(page);
  await page.reload();
  await page.goto(`${appUrl()}#/d/${docId}`);
  await waitForEditor(page, docId);
  await expect.poll(() => editorText(page)).toContain('저장된 키로 다시 열기');
  expect(of(calls, 'deviceKek').length).toBeGreaterThanOrEqual(2);
  // Nothing of the key is in IndexedDB: the web app's device-key store stays empty.
  const stored = await page.evaluate(
    () =>
      new Promise<number>((resolve, reject) => {
        const req = indexedDB.open('dure');
        req.onerror = () => reject(new Error('open failed'));
        req.onsuccess = () => {
          const db = req.result;
          const count = db.transaction('device').objectStore('device').count();
          count.onsuccess = () => {
            resolve(count.result);
            db.close();
          };
        };
      }),
  );
  expect(stored).toBe(0);
  await expect(page.getByTestId('plain-text-key')).toHaveCount(0);
});

test('turning the app lock on deletes the shell’s device key; after a reload nothing asks for it', async ({ page }) => {
  const calls = await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await page.getByTestId('new-document').click();
  const docId = await waitForEditor(page);
  await typeInEditor(page, '잠금 뒤에도 남는 글');
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('lock-new-passphrase').fill('두레 암호 passphrase');
  await page.getByTestId('lock-confirm-passphrase').fill('두레 암호 passphrase');
  await page.getByTestId('lock-enable-submit').click();
  await expect(page.getByTestId('lock-state')).toHaveAttribute('data-enabled', 'true');
  await expect.poll(() => of(calls, 'forgetDeviceKek').length).toBe(1);

  const asked = of(calls, 'deviceKek').length;
  await page.reload();
  await page.getByTestId('unlock-passphrase').fill('두레 암호 passphrase');
  await page.getByTestId('unlock-submit').click();
  await page.goto(`${appUrl()}#/d/${docId}`);
  await waitForEditor(page, docId);
  await expect.poll(() => editorText(page)).toContain('잠금 뒤에도 남는 글');
  expect(of(calls, 'deviceKek')).toHaveLength(asked);
});

test('Linux without a keyring: the plain-text warning shows', async ({ page }) => {
  await installDesktopPreload(page, answers({ deviceKek: () => ({ ok: true, kek: KEK, plainText: true }) }));
  await gotoDesktopList(page);
  await expect(page.getByTestId('plain-text-key')).toBeVisible();
  await expect(page.getByTestId('plain-text-key')).toContainText('plain text');
});

test('Host a meeting shows the addresses the shell returns, with a QR code', async ({ page }) => {
  const calls = await installDesktopPreload(page, answers());
  await gotoDesktopList(page);
  await page.getByTestId('nav-settings').click();
  await page.getByTestId('meeting-toggle').click();
  await expect(page.getByTestId('meeting-url')).toHaveText(MEETING_URLS);
  await expect(page.getByTestId('meeting-qr').locator('svg')).toBeVisible();
  await page.getByTestId('meeting-toggle').click();
  await expect(page.getByTestId('meeting-url')).toHaveCount(0);
  expect(calls.map((c) => c.method).filter((m) => m === 'meetingStart' || m === 'meetingStop')).toEqual([
    'meetingStart',
    'meetingStop',
  ]);
  // A crash reported by main reaches the card on screen.
  await emitDesktop(page, 'meeting', { state: 'failed', reason: 'crashed' });
  await expect(page.getByTestId('meeting-error')).toContainText('stopped unexpectedly');
  // From the menu too: the same card in a dialog.
  await emitDesktop(page, 'menu', 'host-meeting');
  await expect(page.getByTestId('meeting-dialog').getByTestId('desktop-meeting')).toBeVisible();
});

test('plain web: none of the desktop affordances appear', async ({ page }) => {
  await gotoList(page);
  await expect(page.locator('html')).not.toHaveAttribute('data-shell', 'desktop');
  // The web app registers its worker (the desktop test above asserts there is none).
  await expect.poll(() => page.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length)).toBe(1);
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('settings-language')).toBeVisible();
  await expect(page.getByTestId('desktop-meeting')).toHaveCount(0);
  await expect(page.getByTestId('plain-text-key')).toHaveCount(0);
});
