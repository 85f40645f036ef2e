/**
 * The test object every spec uses: baseURL comes from the port the real server printed (the config
 * cannot know it: it is evaluated again in each worker, so a port picked there would differ).
 */
import { test as base, expect } from '@playwright/test';

export function appUrl(): string {
  const port = process.env.DURE_E2E_PORT;
  if (!port) throw new Error('DURE_E2E_PORT is not set: run through test/playwright.config.ts');
  return `http://127.0.0.1:${port}/`;
}

export const test = base.extend({
  // eslint-disable-next-line no-empty-pattern
  baseURL: async ({}, use) => {
    await use(appUrl());
  },
});

export { expect };
