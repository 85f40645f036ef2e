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
import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import { converterSchema, docToMarkdown, markdownToDoc, normalizeDoc } from '../src/convert';

/** mulberry32: small, seedable, good enough to spread choices. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [...'abc 한글 *_[]()#>-+|\\`~<&!.:1=\'"'];
const BLOB = 'Abcdefghijklmnop_-0123';

function randomDoc(seed: number): JSONContent {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const word = (inCell: boolean, inCode: boolean): string => {
    let s = '';
    for (let i = 0, n = 1 + int(6); i < n; i++) s += pick(ALPHABET);
    if (inCell) s = s.replace(/ {2,}/g, ' ');
    if (inCode) s = s.replace(/\\/g, '');
    return s.trim() || 'x';
  };
  const inline = (inCell = false): JSONContent[] => {
    const out: JSONContent[] = [];
    for (let i = 0, n = 1 + int(4); i < n; i++) {
      const marks: { type: string; attrs?: Record<string, unknown> }[] = [];
      if (r() < 0.2) marks.push({ type: 'bold' });
      if (r() < 0.2) marks.push({ type: 'italic' });
      if (r() < 0.1) marks.push({ type: 'strike' });
      if (r() < 0.05) marks.push({ type: 'underline' });
      const code = r() < 0.1 && marks.length === 0;
      if (code) marks.push({ type: 'code' });
      if (r() < 0.1)
        marks.push({
          type: 'link',
          attrs: { href: pick(['https://example.com/a', 'https://e.example/b_c?d=1', 'mailto:a@b.example']) },
        });
      if (i > 0 && out[out.length - 1]?.type !== 'hardBreak') out.push({ type: 'text', text: ' ' });
      out.push({ type: 'text', text: word(inCell, code), ...(marks.length ? { marks } : {}) });
      if (r() < 0.05 && i < n - 1) out.push({ type: 'hardBreak' });
    }
    return out;
  };
  const para = (inCell = false): JSONContent => ({ type: 'paragraph', content: inline(inCell) });
  const block = (depth: number): JSONContent => {
    const k = r();
    if (depth > 2 || k < 0.3) return para();
    if (k < 0.4) return { type: 'heading', attrs: { level: 1 + int(4) }, content: inline() };
    if (k < 0.55)
      return {
        type: pick(['bulletList', 'orderedList']),
        content: Array.from({ length: 1 + int(3) }, () => ({
          type: 'listItem',
          content: [para(), ...(r() < 0.4 ? [block(depth + 1)] : [])],
        })),
      };
    if (k < 0.65)
      return {
        type: 'taskList',
        content: Array.from({ length: 1 + int(3) }, () => ({
          type: 'taskItem',
          attrs: { checked: r() < 0.5 },
          content: [para(), ...(r() < 0.3 ? [block(depth + 1)] : [])],
        })),
      };
    if (k < 0.73) return { type: 'blockquote', content: Array.from({ length: 1 + int(2) }, () => block(depth + 1)) };
    if (k < 0.81)
      return {
        type: 'codeBlock',
        attrs: { language: pick([null, 'js', 'ts']) },
        content: [{ type: 'text', text: `${word(false, false)}\n  ${word(false, false)}` }],
      };
    if (k < 0.86) return { type: 'horizontalRule' };
    if (k < 0.93) {
      const cols = 1 + int(3);
      const row = (type: string) => ({
        type: 'tableRow',
        content: Array.from({ length: cols }, () => ({ type, content: [para(true)] })),
      });
      return {
        type: 'table',
        content: [row('tableHeader'), ...Array.from({ length: 1 + int(2) }, () => row('tableCell'))],
      };
    }
    return { type: 'image', attrs: { blobId: BLOB, alt: word(false, false) } };
  };
  return { type: 'doc', content: Array.from({ length: 1 + int(5) }, () => block(0)) };
}

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
