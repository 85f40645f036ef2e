/**
 * End-to-end tests in Debian's Chromium against the BUILT app served by the real sync-server
 * (`npm run test:e2e` builds web/ first). The server picks a free port and prints it; Playwright reads
 * it from stdout into DURE_E2E_PORT (see fixtures.ts). Nothing is downloaded.
 */
import { defineConfig } from '@playwright/test';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './e2e/chromium';
import { e2eRunDir } from './e2e/snapshot';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUN = e2eRunDir();

export default defineConfig({
  testDir: 'e2e',
  outputDir: path.join(root, 'test-results', 'artifacts'),
  workers: 1,
  fullyParallel: false,
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalTeardown: './e2e/teardown.ts',
  reporter: [['list'], ['json', { outputFile: path.join(root, 'test-results', 'e2e.json') }]],
  webServer: {
    // A snapshot of the build is served, so that rebuilding web/ while the suite runs (another terminal,
    // another job in the same tree) cannot pull files from under the tests. `exec` lets SIGTERM reach the server.
    command:
      `mkdir -p "${RUN}" && cp -R web/dist "${RUN}/web" && test -f "${RUN}/web/index.html" && ` +
      `exec "${process.execPath}" --import tsx sync-server/src/main.ts --host 127.0.0.1 --port 0 ` +
      `--data-dir "${RUN}/data" --web-dir "${RUN}/web"`,
    cwd: root,
    wait: { stdout: /Dure listening on http:\/\/127\.0\.0\.1:(?<dure_e2e_port>\d+)\// },
    gracefulShutdown: { signal: 'SIGTERM', timeout: 5_000 },
    reuseExistingServer: false,
    timeout: 30_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
  use: {
    browserName: 'chromium',
    locale: 'en-US',
    serviceWorkers: 'allow',
    trace: 'retain-on-failure',
    screenshot: 'only-on-failure',
    launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
  },
});
