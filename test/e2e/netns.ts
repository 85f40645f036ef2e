/**
 * A network namespace a test owns, for what loopback would hide: pages loaded from a non-loopback
 * address (not a secure context: no crypto.subtle, no service worker) and WebRTC (Chromium gathers no
 * ICE candidates on a lo-only namespace; TOOLCHAIN.md §5).
 *
 * Layout: `ip netns add dure-<pid>-<n>`, loopback up, a veth pair with BOTH ends inside the namespace
 * (`dva` = 10.<x>.<y>.1/24, `dvb` = 10.<x>.<y>.2/24) and a default route via the .2 end. Nothing is
 * added to the host's network: the namespace can reach nothing outside itself, and the host's test
 * process reaches inside only through the pipes of the processes it starts there.
 *
 * Use (root and iproute2 needed, as on CI; otherwise createNetns throws with the reason, it does not skip):
 * ```ts
 * const ns = await createNetns();
 * try {
 *   const server = ns.spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts', '--host', ns.address, ...]);
 *   const browser = await ns.launchChromium();      // Playwright Browser; its pages live in the namespace
 *   const page = await (await browser.newContext()).newPage();
 *   await page.goto(`http://${ns.address}:${port}/`);
 * } finally {
 *   await ns.close();                                // closes browsers, kills processes, deletes the namespace
 * }
 * ```
 * Chromium runs through a wrapper script (`ip netns exec <ns> /usr/bin/chromium "$@"`) given to
 * Playwright as executablePath: Playwright talks to it over the pipe transport (fds 3 and 4, which
 * `ip netns exec` passes on), so no DevTools port has to be reachable from the host.
 */
import { execFile, spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type LaunchOptions } from '@playwright/test';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './chromium';

export interface Netns {
  /** `dure-<pid>-<n>` */
  readonly name: string;
  /** 10.x.y.1: the address servers inside listen on and pages load from (not loopback, not secure) */
  readonly address: string;
  /** 10.x.y.2: the other end of the veth pair, the default route's gateway */
  readonly peerAddress: string;
  /** An executable that runs Debian's Chromium inside the namespace (Playwright's executablePath). */
  readonly chromiumPath: string;
  /** Starts a process inside the namespace; close() kills it if it still runs. */
  spawn(command: string, args: readonly string[], options?: SpawnOptions): ChildProcess;
  /** Playwright Chromium (headless, the suite's flags) inside the namespace; close() closes it. */
  launchChromium(options?: LaunchOptions): Promise<Browser>;
  /** Closes browsers, kills processes (SIGTERM, then SIGKILL after 3 s), deletes the namespace. Idempotent. */
  close(): Promise<void>;
}

let counter = 0;

function ip(args: readonly string[], timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('ip', args, { timeout: timeoutMs }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`ip ${args.join(' ')}: ${stderr.trim() || error.message}`));
      else resolve();
    });
  });
}

function listNamespaces(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'list'], { timeout: 10_000 }, (error, stdout) => {
      if (error) return resolve([]);
      resolve(
        stdout
          .split('\n')
          .map((l) => l.trim().split(/\s+/)[0] ?? '')
          .filter(Boolean),
      );
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces this helper made in runs whose process is gone (a killed test run cannot clean up). */
async function removeStale(): Promise<void> {
  for (const name of await listNamespaces()) {
    const m = /^dure-(\d+)-\d+$/.exec(name);
    if (m && Number(m[1]) !== process.pid && !alive(Number(m[1]))) await ip(['netns', 'del', name]).catch(() => {});
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function stopProcess(child: ChildProcess): Promise<void> {
  const gone = exited(child);
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), 3_000).unref());
  if ((await Promise.race([gone.then(() => 'done' as const), timer])) === 'late') {
    child.kill('SIGKILL');
    await gone;
  }
}

/**
 * Creates the namespace. Throws (with what `ip` said) when it cannot: these tests must fail, not skip,
 * where namespaces are unavailable (not root, no iproute2).
 */
export async function createNetns(): Promise<Netns> {
  const n = counter++;
  const name = `dure-${process.pid}-${n}`;
  // Each namespace is isolated, so equal subnets could not clash; distinct ones keep logs readable.
  const x = 100 + (process.pid % 150);
  const y = n % 250;
  const address = `10.${x}.${y}.1`;
  const peerAddress = `10.${x}.${y}.2`;
  const inNs = (args: readonly string[]): Promise<void> => ip(['-n', name, ...args]);

  await removeStale();
  try {
    await ip(['netns', 'add', name]);
  } catch (e) {
    throw new Error(
      `cannot create a network namespace (these tests need root and iproute2's \`ip\`): ${(e as Error).message}`,
    );
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'dure-netns-'));
  try {
    await inNs(['link', 'set', 'lo', 'up']);
    await inNs(['link', 'add', 'dva', 'type', 'veth', 'peer', 'name', 'dvb']);
    await inNs(['addr', 'add', `${address}/24`, 'dev', 'dva']);
    await inNs(['addr', 'add', `${peerAddress}/24`, 'dev', 'dvb']);
    await inNs(['link', 'set', 'dva', 'up']);
    await inNs(['link', 'set', 'dvb', 'up']);
    // WebRTC gathers no host candidates without a default route (TOOLCHAIN.md §5).
    await inNs(['route', 'add', 'default', 'via', peerAddress, 'dev', 'dva']);
  } catch (e) {
    await ip(['netns', 'del', name]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`cannot set up the network namespace ${name}: ${(e as Error).message}`);
  }

  const chromiumPath = path.join(dir, 'chromium-in-netns');
  writeFileSync(chromiumPath, `#!/bin/sh\nexec ip netns exec '${name}' '${CHROMIUM_PATH}' "$@"\n`);
  chmodSync(chromiumPath, 0o755);

  const children = new Set<ChildProcess>();
  const browsers = new Set<Browser>();
  let closed = false;

  return {
    name,
    address,
    peerAddress,
    chromiumPath,
    spawn(command, args, options = {}) {
      if (closed) throw new Error(`namespace ${name} is closed`);
      const child = spawn('ip', ['netns', 'exec', name, command, ...args], options);
      children.add(child);
      child.once('exit', () => children.delete(child));
      return child;
    },
    async launchChromium(options = {}) {
      if (closed) throw new Error(`namespace ${name} is closed`);
      const browser = await chromium.launch({
        ...options,
        executablePath: chromiumPath,
        args: [...CHROMIUM_ARGS, ...(options.args ?? [])],
      });
      browsers.add(browser);
      browser.once('disconnected', () => browsers.delete(browser));
      return browser;
    },
    async close() {
      if (closed) return;
      closed = true;
      const bounded = <T>(p: Promise<T>): Promise<unknown> =>
        Promise.race([p.catch(() => {}), new Promise((r) => setTimeout(r, 10_000).unref())]);
      await Promise.all([...browsers].map((b) => bounded(b.close())));
      await Promise.all([...children].map((c) => bounded(stopProcess(c))));
      await ip(['netns', 'del', name]).catch(() => {});
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
