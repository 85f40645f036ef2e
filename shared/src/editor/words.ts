/**
 * Counting for the status bar. Pure, so it is tested in Node.
 *
 * Characters are grapheme clusters: a Hangul syllable typed as three jamo, an emoji with a skin tone,
 * or "é" written as e + combining accent each count once, as a reader would count them.
 */

const graphemes =
  typeof Intl !== 'undefined' && 'Segmenter' in Intl
    ? new Intl.Segmenter(undefined, { granularity: 'grapheme' })
    : null;

export function countCharacters(text: string): number {
  if (graphemes === null) return [...text].length;
  let n = 0;
  for (const _ of graphemes.segment(text)) n++;
  return n;
}

// A word needs at least one letter or digit: a lone "-" or "…" between spaces is not a word.
const WORDISH = /[\p{L}\p{N}]/u;
// Scripts written without spaces between words; each character is counted as one word there, which
// is how word processors count Chinese and Japanese. Hangul is NOT in this list: Korean separates
// words (eojeol) with spaces, so "한국어를 배웁니다" is two words.
const UNSPACED = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/u;
const UNSPACED_G = /[\p{Script=Han}\p{Script=Hiragana}\p{Script=Katakana}]/gu;

export function countWords(text: string): number {
  let n = 0;
  for (const token of text.split(/[\s\u3000]+/u)) {
    if (!WORDISH.test(token)) continue;
    if (!UNSPACED.test(token)) {
      n++;
      continue;
    }
    const unspaced = token.match(UNSPACED_G)?.length ?? 0;
    // the rest of the token (e.g. latin letters or hangul glued to kanji) counts as one more word
    const rest = token.replace(UNSPACED_G, ' ');
    n += unspaced + rest.split(' ').filter((t) => WORDISH.test(t)).length;
  }
  return n;
}
