import { spawn, type ChildProcess } from 'node:child_process';
import { chromium, type Browser } from '@playwright/test';

/** Debian's Chromium and the flags that keep it off the (closed) network; see TOOLCHAIN.md §4. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Launched {
  child: ChildProcess;
  browser: Browser;
  exited: Promise<void>;
}

/**
 * Chromium as a child process of the test (so the test owns its PID and can SIGKILL it) on a given
 * profile, driven over CDP.
 */
export async function launchChromium(profile: string): Promise<Launched> {
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
  return { child, browser: await chromium.connectOverCDP(ws), exited };
}
