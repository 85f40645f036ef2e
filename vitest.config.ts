import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';

/** Debian's Chromium; nothing is downloaded. The flags keep it off the (closed) network. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'shared',
          root: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'web',
          root: 'web',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.browser.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'sync-server',
          root: 'sync-server',
          include: ['test/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'electron',
          root: 'electron',
          include: ['test/**/*.test.ts'],
          environment: 'node',
          passWithNoTests: true,
        },
      },
      {
        // across packages: the real sync-server process on a free port, driven by the real client engine
        test: {
          name: 'integration',
          root: 'test',
          include: ['integration/**/*.test.ts'],
          environment: 'node',
          passWithNoTests: true,
        },
      },
      {
        // the benchmark's own code (statistics, trace replay); the benchmark itself runs with `npm run bench`
        test: { name: 'bench', root: 'test', include: ['bench/**/*.test.ts'], environment: 'node' },
      },
      {
        test: {
          name: 'browser',
          include: ['shared/test/**/*.browser.test.ts', 'web/test/**/*.browser.test.ts'],
          // test files share one page (one iframe each): run in parallel, they steal each other's
          // focus, and keyboard / IME input (userEvent, CDP Input.*) lands in the wrong editor
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            provider: playwright({
              launchOptions: { executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
