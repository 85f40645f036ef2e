/**
 * Durability: Chromium is killed with SIGKILL (not a reload, not a clean close) 1.5 s after typing,
 * then relaunched on the same profile; the text must be there. The browser is launched here as a child
 * process with its own user-data-dir and connected over CDP, so the test owns the PID it kills.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { createDocument, editorText, focusEnd, gotoList, openDocument } from './app';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';
import { expect, test } from './fixtures';

interface Launched {
  child: ChildProcess;
  browser: Browser;
  exited: Promise<void>;
}

async function launch(profile: string): Promise<Launched> {
  const child = spawn(
    CHROMIUM_PATH,
    [
      '--headless',
      ...CHROMIUM_ARGS,
      `--user-data-dir=${profile}`,
      '--remote-debugging-port=0',
      '--lang=en-US',
      'about:blank',
    ],
    // Own process group, so the kill takes the renderers with it, as a crash or power cut would.
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ws = await new Promise<string>((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`no DevTools URL from Chromium: ${err}`)), 20_000);
    child.stderr!.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      const m = /DevTools listening on (ws:\/\/\S+)/.exec(err);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    void exited.then(() => reject(new Error(`Chromium exited: ${err}`)));
  });
  const browser = await chromium.connectOverCDP(ws);
  return { child, browser, exited };
}

function sigkill(l: Launched): Promise<void> {
  process.kill(-l.child.pid!, 'SIGKILL');
  return l.exited;
}

// Playwright's trace and screenshot collection would reach into the browser this test kills, and at
// teardown intermittently failed with "Target page, context or browser has been closed" although every
// assertion had passed. This test owns its browsers; it needs neither.
test.use({ trace: 'off', screenshot: 'off', video: 'off' });

test('edits older than 1 s survive SIGKILL of the browser', async () => {
  test.setTimeout(90_000);
  const profile = mkdtempSync(path.join(tmpdir(), 'dure-e2e-profile-'));
  let current: Launched | undefined;
  try {
    current = await launch(profile);
    const ctx = current.browser.contexts()[0]!;
    const page = ctx.pages()[0] ?? (await ctx.newPage());
    const docId = await createDocument(page);
    await focusEnd(page);
    await page.keyboard.type('survives a crash 두레');
    // The durability promise: everything older than one second is committed.
    await page.waitForTimeout(1_500);
    await sigkill(current);
    current = undefined;

    current = await launch(profile);
    const ctx2 = current.browser.contexts()[0]!;
    const page2 = ctx2.pages()[0] ?? (await ctx2.newPage());
    await gotoList(page2);
    await openDocument(page2, docId);
    expect(await editorText(page2)).toBe('survives a crash 두레');
  } finally {
    if (current) await sigkill(current).catch(() => undefined);
    rmSync(profile, { recursive: true, force: true });
  }
});
