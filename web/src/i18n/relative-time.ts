import { getLocale } from './i18n';

const UNITS: readonly [Intl.RelativeTimeFormatUnit, number][] = [
  ['year', 365 * 24 * 3600e3],
  ['month', 30 * 24 * 3600e3],
  ['week', 7 * 24 * 3600e3],
  ['day', 24 * 3600e3],
  ['hour', 3600e3],
  ['minute', 60e3],
  ['second', 1e3],
];

/** "3 minutes ago" / "3분 전", in the UI language; `now` is a parameter so it can be tested. */
export function relativeTime(then: number, now = Date.now()): string {
  const diff = then - now;
  const fmt = new Intl.RelativeTimeFormat(getLocale(), { numeric: 'auto' });
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms || unit === 'second') {
      // Anything under ten seconds reads as "now" rather than a ticking counter.
      if (unit === 'second' && Math.abs(diff) < 10e3) return fmt.format(0, 'second');
      return fmt.format(Math.round(diff / ms), unit);
    }
  }
  return fmt.format(0, 'second');
}

/** Absolute date and time for the tooltip next to the relative one. */
export const absoluteTime = (then: number): string =>
  new Intl.DateTimeFormat(getLocale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(then));
