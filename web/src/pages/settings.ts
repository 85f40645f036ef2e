/** Settings: language, appearance, sync server and name, the app lock, and persistent storage. */
import type { AppContext, Page } from '../app';
import { h, Disposer } from '../ui/dom';
import { detectLocale, getLocale, isLocale, setLocale, t } from '../i18n/i18n';
import { applyTheme, loadLanguage, loadTheme, saveLanguage, saveTheme, type ThemePref } from '../prefs';
import { renderLockSettings } from './settings-lock';
import { renderStorageSettings } from './settings-storage';
import { renderEraseSettings } from './settings-erase';
import { renderSyncSettings } from './settings-sync';
import { renderP2pSettings } from './settings-p2p';
import { renderDesktopSettings } from '../desktop/settings';

function select(
  id: string,
  testid: string,
  options: readonly [string, string][],
  value: string,
  onChange: (v: string) => void,
): HTMLSelectElement {
  const el = h('select', { class: 'input', testid, attrs: { id }, on: { change: () => onChange(el.value) } });
  for (const [v, label] of options) {
    const o = h('option', { text: label, attrs: { value: v } });
    o.selected = v === value;
    el.append(o);
  }
  return el;
}

export function renderSettingsPage(ctx: AppContext): Page {
  const disposer = new Disposer();
  const language = select(
    'set-language',
    'settings-language',
    [
      ['auto', t('settings.languageAuto', { language: t(`language.${detectLocale(navigator.languages)}`) })],
      ['en', t('language.en')],
      ['ko', t('language.ko')],
    ],
    loadLanguage() ?? 'auto',
    (v) => {
      const chosen = isLocale(v) ? v : undefined;
      saveLanguage(chosen);
      const next = chosen ?? detectLocale(navigator.languages);
      // The app re-renders on a locale change; an unchanged locale needs nothing.
      if (next !== getLocale()) setLocale(next);
    },
  );
  const theme = select(
    'set-theme',
    'settings-theme',
    [
      ['system', t('settings.themeSystem')],
      ['light', t('settings.themeLight')],
      ['dark', t('settings.themeDark')],
    ],
    loadTheme(),
    (v) => {
      const pref = v as ThemePref;
      saveTheme(pref);
      applyTheme(pref);
    },
  );

  const el = h(
    'section',
    { class: 'settings', attrs: { 'aria-labelledby': 'settings-heading' } },
    h('h1', { text: t('settings.title'), attrs: { id: 'settings-heading' } }),
    h(
      'section',
      { class: 'card', attrs: { 'aria-labelledby': 'set-lang-h' } },
      h('h2', { text: t('settings.languageTitle'), attrs: { id: 'set-lang-h' } }),
      h(
        'div',
        { class: 'field' },
        h('label', { text: t('settings.language'), attrs: { for: 'set-language' } }),
        language,
      ),
    ),
    h(
      'section',
      { class: 'card', attrs: { 'aria-labelledby': 'set-theme-h' } },
      h('h2', { text: t('settings.appearanceTitle'), attrs: { id: 'set-theme-h' } }),
      h('div', { class: 'field' }, h('label', { text: t('settings.theme'), attrs: { for: 'set-theme' } }), theme),
    ),
    renderSyncSettings(),
    renderP2pSettings(),
    renderDesktopSettings(),
    renderLockSettings(ctx, disposer),
    renderStorageSettings(disposer),
    renderEraseSettings(ctx),
  );
  return { el, dispose: () => disposer.dispose() };
}
