/**
 * Markdown comparison "after normalisation": the converter's output differs from hand-written
 * Markdown only in layout that no reader sees (table column padding, blank lines between blocks).
 */

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
