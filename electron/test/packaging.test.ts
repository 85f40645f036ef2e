/**
 * electron-builder.yml checked by electron-builder's own validator (packaging itself needs an Electron
 * download and does not run here), plus what the app relies on: the dure:// scheme, the web app where
 * main.ts looks for it, the bundles and no node_modules.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config.js') as {
  validateConfiguration(config: unknown, debug: { isEnabled: boolean; add(): void }): Promise<void>;
};

const file = path.resolve(import.meta.dirname, '../electron-builder.yml');
const debug = { isEnabled: false, add: () => {} };

interface BuilderConfig {
  appId: string;
  electronVersion: string;
  extraMetadata: { main: string };
  files: string[];
  extraResources: { from: string; to: string }[];
  protocols: { schemes: string[] }[];
  npmRebuild: boolean;
  linux: { target: string[] };
  win: { target: string[] };
  mac: { target: string[] };
}

describe('electron-builder.yml', () => {
  it("passes electron-builder's schema, which refuses an unknown key", async () => {
    const config = yaml.load(await readFile(file, 'utf8'));
    await expect(validateConfiguration(config, debug)).resolves.toBeUndefined();
    await expect(validateConfiguration({ ...(config as object), notAnOption: true }, debug)).rejects.toThrow();
    // loading the validator takes ≈ 4 s on the loaded 2-core machine: a guard against a hang, not a measure
  }, 60_000);

  it('registers dure://, ships the bundles and the web app, and rebuilds nothing', async () => {
    const c = yaml.load(await readFile(file, 'utf8')) as BuilderConfig;
    expect(c.appId).toBe('org.dure.desktop');
    expect(c.electronVersion).toBe('45.4.1');
    expect(c.protocols.flatMap((p) => p.schemes)).toEqual(['dure']);
    expect(c.extraMetadata.main).toBe('electron/dist/main.cjs');
    expect(c.files).toContain('electron/dist/**');
    expect(c.files).toContain('!**/node_modules/**');
    // main.ts: app.isPackaged → path.join(process.resourcesPath, 'web')
    expect(c.extraResources).toContainEqual(expect.objectContaining({ from: 'web/dist', to: 'web' }));
    expect(c.npmRebuild).toBe(false);
    expect(c.linux.target).toEqual(['AppImage', 'deb']);
    expect(c.win.target).toEqual(['nsis']);
    expect(c.mac.target).toEqual(['dmg']);
  });
});
