/**
 * Counting for the status bar. Pure, so it is tested in Node.
 *
 * Characters are grapheme clusters: a Hangul syllable typed as three jamo, an emoji with a skin tone,
 * or "é" written as e + combining accent each count once, as a reader would count them.
 */
import { Fragment, type Node as ProseMirrorNode } from '@tiptap/pm/model';

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

/**
 * Counts per top-level block, remembered per node. ProseMirror nodes are immutable and an edit keeps
 * every untouched block as the same object, so after the first count only changed blocks are counted
 * again: the status bar stays O(blocks), not O(characters), per update of a long document.
 */
const blockCounts = new WeakMap<ProseMirrorNode, { characters: number; words: number }>();

function countBlock(block: ProseMirrorNode): { characters: number; words: number } {
  let c = blockCounts.get(block);
  if (c === undefined) {
    // the same text the whole-document count reads (CharacterCount: leaves as ' '; words: blocks apart)
    const one = Fragment.from(block);
    c = {
      characters: countCharacters(one.textBetween(0, one.size, undefined, ' ')),
      words: countWords(one.textBetween(0, one.size, ' ', ' ')),
    };
    blockCounts.set(block, c);
  }
  return c;
}

/** Characters and words of a document, as the sum over its top-level blocks. */
export function countDocument(doc: ProseMirrorNode): { characters: number; words: number } {
  let characters = 0;
  let words = 0;
  doc.forEach((block) => {
    const c = countBlock(block);
    characters += c.characters;
    words += c.words;
  });
  return { characters, words };
}
