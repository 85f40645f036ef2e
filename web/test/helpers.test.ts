import { describe, expect, it } from 'vitest';
import { matchesTitle } from '../src/search';
import { normalizeTitle } from '../src/title';
import { fitWithin, isAcceptedImage, MAX_IMAGE_SIDE } from '../src/editor/image-prep';
import { formatShortcut } from '../src/editor/commands';
import { relativeTime } from '../src/i18n/relative-time';
import { setLocale } from '../src/i18n/i18n';

describe('title search', () => {
  it('matches Hangul, case-insensitively, across NFC/NFD', () => {
    expect(matchesTitle('회의록 초안', '회의')).toBe(true);
    expect(matchesTitle('회의록 초안', '초안')).toBe(true);
    expect(matchesTitle('회의록 초안', '회의'.normalize('NFD'))).toBe(true);
    expect(matchesTitle('회의록'.normalize('NFD'), '회의록')).toBe(true);
    expect(matchesTitle('Meeting Notes', 'notes')).toBe(true);
    expect(matchesTitle('Meeting Notes', '성명서')).toBe(false);
    expect(matchesTitle('anything', '  ')).toBe(true);
  });
});

describe('titles', () => {
  it('are one line and NFC', () => {
    expect(normalizeTitle('a\nb\tc')).toBe('a b c');
    expect(normalizeTitle('한글'.normalize('NFD'))).toBe('한글');
  });
});

describe('image downscaling', () => {
  it('keeps the aspect ratio and never upscales', () => {
    expect(fitWithin(4000, 2000)).toEqual({ width: MAX_IMAGE_SIDE, height: 1024 });
    expect(fitWithin(1500, 3000)).toEqual({ width: 1024, height: MAX_IMAGE_SIDE });
    expect(fitWithin(800, 600)).toEqual({ width: 800, height: 600 });
    expect(fitWithin(10000, 1)).toEqual({ width: MAX_IMAGE_SIDE, height: 1 });
  });

  it('refuses bad sizes and scriptable formats', () => {
    expect(() => fitWithin(0, 10)).toThrow(RangeError);
    expect(isAcceptedImage('image/svg+xml')).toBe(false);
    expect(isAcceptedImage('text/html')).toBe(false);
    expect(isAcceptedImage('image/png')).toBe(true);
  });
});

describe('shortcuts and times', () => {
  it('formats shortcuts per platform', () => {
    expect(formatShortcut('Mod-Shift-z', false)).toBe('Ctrl+Shift+Z');
    expect(formatShortcut('Mod-b', true)).toBe('⌘B');
  });

  it('says relative times in the UI language', () => {
    const now = Date.UTC(2026, 0, 10);
    setLocale('en');
    expect(relativeTime(now - 3 * 60e3, now)).toBe('3 minutes ago');
    expect(relativeTime(now - 2e3, now)).toBe('now');
    setLocale('ko');
    expect(relativeTime(now - 3 * 60e3, now)).toBe('3분 전');
    expect(relativeTime(now - 2 * 24 * 3600e3, now)).toBe('그저께');
    setLocale('en');
  });
});
