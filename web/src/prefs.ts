/**
 * Device preferences (language, theme). Not secret, so localStorage; a browser that refuses storage
 * (some private modes) just gets the defaults.
 */
import { isLocale, type Locale } from './i18n/i18n';

export type ThemePref = 'system' | 'light' | 'dark';
const THEMES: readonly ThemePref[] = ['system', 'light', 'dark'];

const KEY_LANG = 'dure.lang';
const KEY_THEME = 'dure.theme';

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // Preferences are a convenience; failing to persist them must not break the app.
  }
}

/** The chosen language, or undefined to follow the browser. */
export const loadLanguage = (): Locale | undefined => {
  const v = read(KEY_LANG);
  return isLocale(v) ? v : undefined;
};
export const saveLanguage = (l: Locale | undefined): void => write(KEY_LANG, l ?? null);

export const loadTheme = (): ThemePref => {
  const v = read(KEY_THEME);
  return THEMES.includes(v as ThemePref) ? (v as ThemePref) : 'system';
};
export const saveTheme = (t: ThemePref): void => write(KEY_THEME, t === 'system' ? null : t);

/** 'system' leaves the choice to prefers-color-scheme in the stylesheet. */
export function applyTheme(t: ThemePref): void {
  if (t === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = t;
}

/** Forgets every preference of Dure on this device (part of erasing it). */
export function clearPreferences(): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith('dure.')) localStorage.removeItem(key);
  } catch {
    // Nothing stored, nothing to clear.
  }
}
