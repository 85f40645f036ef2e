/**
 * Shared by the converter tests (node, browser, and the CLI integration test): the golden Markdown
 * file, Markdown comparison "after normalisation" (the converter's output differs from hand-written
 * Markdown only in layout no reader sees: table column padding, blank lines between blocks), and a
 * seeded random document generator.
 */
import type { JSONContent } from '@tiptap/core';

/**
 * A Markdown file with every construct the converter supports (a module, not a file, so browser
 * tests can import it too).
 */
export const GOLDEN_MD =
  [
    '# 두레 회의록 Meeting notes',
    '',
    'A paragraph with **bold**, *italic*, ~~strike~~, `inline code`, <u>underline</u> and a [link](https://example.org/path?q=1 "Example").',
    '',
    'A line ending in two spaces  ',
    'breaks here, and ***both*** marks nest: **bold with *italic* inside**.',
    '',
    '## Lists',
    '',
    '- first',
    '  - nested',
    '    - deeper',
    '- second',
    '',
    '3. three',
    '4. four',
    '   1. inner one',
    '   2. inner two',
    '',
    '- [ ] open task',
    '- [x] done task',
    '  - [ ] nested task',
    '',
    '### Quotes and code',
    '',
    '> A quote',
    '>',
    '> > A nested quote',
    '',
    '```ts',
    "const greeting: string = '안녕하세요';",
    '// ``` inside a fence',
    '```',
    '',
    '---',
    '',
    '#### Table',
    '',
    '| 이름 | Count | Note |',
    '| :--- | :---: | ---: |',
    '| 가나다 | **2** | a \\| b |',
    '| x | `y` | [z](https://z.example/) |',
    '',
    '![A diagram \\[draft\\]](dure-blob:Abcdefghijklmnop_-0123)',
    '',
    'Literal characters: \\*not emphasis\\*, \\_not either\\_, 5 &lt; 6 &amp; 7 &gt; 2.',
    '',
    '한국어 문단입니다. 한글 **굵게**, *기울임*, 그리고 `코드`.',
  ].join('\n') + '\n';

export const goldenMarkdown = (): string => GOLDEN_MD;

function tableRow(line: string): string {
  const cells = line
    .trim()
    .replace(/^\||\|$/g, '')
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
  const dashes = cells.map((c) => (/^:?-+:?$/.test(c) ? c.replace(/-+/, '---') : c));
  return `| ${dashes.join(' | ')} |`;
}

export function normalizeMarkdown(md: string): string {
  return md
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map((l) => (l.trimStart().startsWith('|') ? tableRow(l) : l))
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

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

/** A random document of our schema (see convert-property.test.ts for what it leaves out). */
export function randomDoc(seed: number, opts: { singleSpaces?: boolean } = {}): JSONContent {
  const r = rng(seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)]!;
  const int = (n: number) => Math.floor(r() * n);
  const word = (inCell: boolean, inCode: boolean): string => {
    let s = '';
    for (let i = 0, n = 1 + int(6); i < n; i++) s += pick(ALPHABET);
    if (inCell || opts.singleSpaces) s = s.replace(/ {2,}/g, ' ');
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
