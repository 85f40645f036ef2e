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

async function boot(): Promise<void> {
  const root = document.getElementById('app');
  if (!root) throw new Error('#app is missing from index.html');
  applyTheme(loadTheme());
  setLocale(loadLanguage() ?? detectLocale(navigator.languages ?? [navigator.language]));

  let core: LocalCore;
  // Filled once the app runs; the storage may report a version change at any time after opening.
  const started: { app?: App } = {};
  try {
    // A newer Dure opened in another tab needs to upgrade the database: this tab lets go of it.
    core = await LocalCore.open({
      ...(syncEngine ? { sync: { engine: syncEngine, config: () => syncConfig() } } : {}),
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
  registerServiceWorker(app.bannerArea);
}

void boot();
