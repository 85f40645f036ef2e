/**
 * The message catalogues: both languages have exactly the same keys, nothing empty, the same
 * {placeholders}; every key the code names exists; and no user-visible literal bypasses t().
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import en from '../src/i18n/en.json';
import ko from '../src/i18n/ko.json';
import { EDITOR_COMMANDS } from '@dure/shared/editor/commands';
import { detectLocale, format, setLocale, t } from '../src/i18n/i18n';
import { TABLE_COMMANDS } from '../src/editor/kit';

const SRC = join(import.meta.dirname, '../src');
const placeholders = (s: string): string[] => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!).sort();

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return tsFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

/** Letters of any script: a string without them (punctuation, a URL scheme marker) is not prose. */
const PROSE = String.raw`[^'"\x60]*\p{L}[^'"\x60]*`;
/** Assignments and props that put text on screen or in the accessibility tree. */
const LITERAL_UI = [
  new RegExp(
    String.raw`\.(textContent|innerText|innerHTML|placeholder|title|ariaLabel|alt)\s*=\s*(['"\x60])${PROSE}\2`,
    'u',
  ),
  new RegExp(
    String.raw`\b(text|placeholder|title|label|confirmLabel|message|dismissLabel)\s*:\s*(['"\x60])${PROSE}\2`,
    'u',
  ),
  new RegExp(String.raw`['"](aria-label|title|placeholder|alt)['"]\s*[:,]\s*(['"\x60])${PROSE}\2`, 'u'),
  new RegExp(String.raw`\b(alert|confirm|prompt)\(\s*(['"\x60])${PROSE}\2`, 'u'),
];
const findLiterals = (source: string): string[] =>
  source
    .split('\n')
    .filter((line) => !/^\s*(\/\/|\*|\/\*)/.test(line))
    .filter((line) => LITERAL_UI.some((re) => re.test(line)));

describe('message catalogues', () => {
  it('en and ko have exactly the same keys', () => {
    expect(Object.keys(ko).sort()).toEqual(Object.keys(en).sort());
  });

  it('no message is empty', () => {
    for (const cat of [en, ko]) {
      for (const [k, v] of Object.entries(cat)) expect(v.trim(), k).not.toBe('');
    }
  });

  it('both languages use the same {placeholders} per key', () => {
    for (const [k, v] of Object.entries(en)) {
      expect(placeholders((ko as Record<string, string>)[k] ?? ''), k).toEqual(placeholders(v));
    }
  });

  it('the Korean catalogue is actually Korean', () => {
    const hangul = Object.values(ko).filter((v) => /[\uac00-\ud7a3]/.test(v)).length;
    expect(hangul / Object.keys(ko).length).toBeGreaterThan(0.85);
  });

  it('every literal key the code passes to t() exists', () => {
    const missing: string[] = [];
    for (const file of tsFiles(SRC)) {
      for (const m of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([\w.-]+)'/g)) {
        if (!(m[1]! in en)) missing.push(`${file}: ${m[1]}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('every data-driven key exists (toolbar, errors, states)', () => {
    const keys = [
      ...EDITOR_COMMANDS.map((c) => c.i18nKey),
      ...TABLE_COMMANDS.flatMap((c) => [c.labelKey, `toolbar.short.${c.name}`]),
      ...['heading1', 'heading2', 'heading3'].map((n) => `toolbar.short.${n}`),
      ...['unavailable', 'failed'].flatMap((k) => [`fatal.${k}.title`, `fatal.${k}.body`]),
      ...['granted', 'not-granted', 'unsupported'].map((s) => `storage.state.${s}`),
      ...['unsupported', 'undecodable', 'too-large', 'store-failed'].map((c) => `image.${c}`),
      ...['malformed', 'unsupported-version'].map((c) => `link.${c}`),
      ...['doc', 'settings', 'not-found'].map((r) => `route.${r}`),
      'language.en',
      'language.ko',
    ];
    expect(keys.filter((k) => !(k in en))).toEqual([]);
  });
});

describe('no UI literal bypasses t()', () => {
  it('the check itself catches literals (positive control)', () => {
    expect(findLiterals(`el.textContent = 'Save';`)).toHaveLength(1);
    expect(findLiterals(`h('button', { text: '저장' })`)).toHaveLength(1);
    expect(findLiterals(`btn.setAttribute('aria-label', 'Close');`)).toHaveLength(1);
    expect(findLiterals(`h('p', { text: t('common.save') })`)).toHaveLength(0);
    expect(findLiterals(`el.textContent = '';`)).toHaveLength(0);
  });

  it('web/src has no user-visible literals', () => {
    const offenders: string[] = [];
    for (const file of tsFiles(SRC)) {
      for (const line of findLiterals(readFileSync(file, 'utf8'))) offenders.push(`${file}: ${line.trim()}`);
    }
    expect(offenders).toEqual([]);
  });
});

describe('t()', () => {
  it('formats placeholders and keeps unknown ones visible', () => {
    expect(format('{a} and {b}', { a: 1 })).toBe('1 and {b}');
  });

  it('follows the locale, falls back to the key', () => {
    setLocale('ko');
    expect(t('sync.savedLocal')).toBe('이 기기에 저장됨');
    expect(t('no.such.key')).toBe('no.such.key');
    setLocale('en');
    expect(t('sync.savedLocal')).toBe('Saved on this device');
  });

  it('detects the browser language', () => {
    expect(detectLocale(['ko-KR', 'en-US'])).toBe('ko');
    expect(detectLocale(['fr-FR', 'en-GB'])).toBe('en');
    expect(detectLocale(['fr'])).toBe('en');
  });
});
