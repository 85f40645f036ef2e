/**
 * Markdown round trip over seeded random documents (ESSENTIALS.md §4.4 #4): doc → md → doc is the
 * same document. The alphabet holds every Markdown-significant ASCII character next to Hangul, so
 * escaping (tiptap #8134, #8154), nested lists (#8182), block syntax at line starts and breaks in
 * headings are exercised. A failing seed prints its Markdown; add it to KEPT_SEEDS once fixed.
 *
 * Known limits, excluded by the generator and documented in shared/cli/README.md:
 * - runs of spaces inside a table cell become one space (GFM cells are one trimmed line);
 * - spaces at the start or end of a line are not content (CommonMark), so text never has them;
 * - a backslash inside inline code (marked reads "\`" as an escape inside a code span, and in a
 *   table cell GFM turns "\|" into "|" even there).
 */
import { describe, expect, it } from 'vitest';
import { converterSchema, docToMarkdown, markdownToDoc, normalizeDoc } from '../src/convert';
import { randomDoc } from './convert-helpers';

/** Seeds that once failed (kept so they stay fixed), then a fresh range. */
const KEPT_SEEDS = [2, 4, 6, 11, 37, 47, 64, 83, 102, 115, 120, 127, 136, 196, 1016, 1037, 1054, 1086, 1176];
const SEEDS = [...KEPT_SEEDS, ...Array.from({ length: 200 }, (_, i) => 2000 + i)];

// about 10 ms per document; the limit only guards against a hang on a loaded machine
describe('Markdown round trip of random documents', { timeout: 60_000 }, () => {
  const { schema } = converterSchema();
  it(`doc → md → doc is the same document for ${SEEDS.length} seeded documents`, () => {
    const failures: string[] = [];
    for (const seed of SEEDS) {
      const doc = normalizeDoc(randomDoc(seed), schema).doc;
      const md = docToMarkdown(doc);
      const back = markdownToDoc(md);
      if (!back.ok || !back.value.doc.eq(doc)) failures.push(`seed ${seed}:\n${md}`);
    }
    expect(failures).toEqual([]);
  });

  it('is stable: serialising the re-read document gives the same Markdown', () => {
    for (const seed of SEEDS.slice(0, 50)) {
      const md = docToMarkdown(normalizeDoc(randomDoc(seed), schema).doc);
      const back = markdownToDoc(md);
      expect(back.ok && docToMarkdown(back.value.doc)).toBe(md);
    }
  });
});
