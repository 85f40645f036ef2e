/** Boot: preferences, language, storage and keys, then the app (or a clear message why not). */
import './styles.css';
import { StorageError } from '@dure/shared';
import { detectLocale, setLocale, t } from './i18n/i18n';
import { applyTheme, loadLanguage, loadTheme } from './prefs';
import { App } from './app';
import { LocalCore } from './core/local-core';
import { renderFatal } from './pages/fatal';
import { registerServiceWorker } from './sw-register';
import { syncEngine } from './sync/engine';
import { syncConfig } from './sync/config';
import { desktopApi } from './desktop/api';
import { desktopKeyStore } from './desktop/key-store';

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('#app is missing from index.html');
  applyTheme(loadTheme());
  setLocale(loadLanguage() ?? detectLocale(navigator.languages ?? [navigator.language]));

  // Inside the desktop shell: its preload's API, and the device key kept by main under safeStorage.
  const desktop = desktopApi();
  const deviceKek = desktop?.deviceKek?.bind(desktop);
  const keyStore = deviceKek ? desktopKeyStore({ deviceKek }) : undefined;

  let core: LocalCore;
  // Filled once the app runs; the storage may report a version change at any time after opening.
  const started: { app?: App } = {};
  try {
    // A newer Dure opened in another tab needs to upgrade the database: this tab lets go of it.
    core = await LocalCore.open({
      ...(syncEngine ? { sync: { engine: syncEngine, config: () => syncConfig() } } : {}),
      ...(keyStore ? { deviceKeys: keyStore } : {}),
      onVersionChange: () =>
        started.app?.bannerArea.show('version', {
          kind: 'error',
          testid: 'version-change',
          text: t('errors.versionChange'),
          action: { label: t('errors.reload'), run: () => location.reload() },
        }),
    });
  } catch (e) {
    console.error(e);
    const unavailable = e instanceof StorageError && e.code === 'unavailable';
    renderFatal(root, unavailable ? 'unavailable' : 'failed', e instanceof Error ? e.message : String(e));
    return;
  }
  const app = new App(root, core);
  started.app = app;
  app.start();
  if (desktop) {
    // The desktop app carries its own code: no service worker, no update prompt.
    const { startDesktop } = await import('./desktop/desktop');
    startDesktop(desktop, { core, banners: app.bannerArea, ...(keyStore ? { keyStore } : {}) });
  } else registerServiceWorker(app.bannerArea);
}

void boot();
