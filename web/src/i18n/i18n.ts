/**
 * A tiny message catalogue: t(key, params) with English as the fallback, and the document's
 * `lang` attribute kept in sync so screen readers and the Hangul font stack follow the UI language.
 */
import en from './en.json';
import ko from './ko.json';

export const LOCALES = ['en', 'ko'] as const;
export type Locale = (typeof LOCALES)[number];
export type MessageKey = keyof typeof en;

const CATALOGUES: Record<Locale, Record<string, string>> = { en, ko };

let current: Locale = 'en';
const listeners = new Set<(l: Locale) => void>();

export const isLocale = (s: unknown): s is Locale =>
  typeof s === 'string' && (LOCALES as readonly string[]).includes(s);

/** Picks the first supported language from the browser's list ('ko-KR' -> 'ko'); English otherwise. */
export function detectLocale(languages: readonly string[]): Locale {
  for (const tag of languages) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLocale(base)) return base;
  }
  return 'en';
}

export function getLocale(): Locale {
  return current;
}

export function setLocale(l: Locale): void {
  current = l;
  if (typeof document !== 'undefined') document.documentElement.lang = l;
  for (const cb of listeners) cb(l);
}

export function onLocaleChange(cb: (l: Locale) => void): () => void {
  listeners.add(cb);
  return () => listeners.delete(cb);
}

/** Replaces {name} placeholders; a missing parameter stays visible rather than silently vanishing. */
export function format(template: string, params?: Readonly<Record<string, string | number>>): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** Accepts any string key so data-driven keys (toolbar commands) work; unknown keys render as the key. */
export function t(key: MessageKey | (string & {}), params?: Readonly<Record<string, string | number>>): string {
  const msg = CATALOGUES[current][key] ?? CATALOGUES.en[key] ?? key;
  return format(msg, params);
}

/** Whether a key exists in the catalogue (for optional, data-driven strings). */
export const hasMessage = (key: string): boolean => key in CATALOGUES.en;
