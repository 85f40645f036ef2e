/** Long enough for any real title, short enough that a list row and a meta record stay small. */
export const MAX_TITLE_LENGTH = 200;

/** Titles are one line: newlines and other control characters (pasted text) become spaces. */
export function normalizeTitle(raw: string): string {
  // eslint-disable-next-line no-control-regex
  return raw.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ').normalize('NFC');
}
