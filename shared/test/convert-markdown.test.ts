import type { JSONContent } from '@tiptap/core';
import type { Node as PMNode } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { docToMarkdown, markdownToDoc, type ConvertReport } from '../src/convert';
import { goldenMarkdown, normalizeMarkdown } from './convert-helpers';

function parse(md: string): { doc: PMNode; json: JSONContent; report: ConvertReport } {
  const r = markdownToDoc(md);
  if (!r.ok) throw new Error(`markdownToDoc failed: ${r.error}`);
  return { doc: r.value.doc, json: r.value.doc.toJSON() as JSONContent, report: r.value.report };
}

/** Every node of a type, depth first. */
function all(json: JSONContent, type: string): JSONContent[] {
  const out: JSONContent[] = [];
  const walk = (n: JSONContent) => {
    if (n.type === type) out.push(n);
    n.content?.forEach(walk);
  };
  walk(json);
  return out;
}

const text = (n: JSONContent): string => (n.text ?? '') + (n.content ?? []).map(text).join('');

describe('Markdown round trip', () => {
  it('md → doc → md gives the golden file back (after normalising table padding and blank lines)', () => {
    const golden = goldenMarkdown();
    const { doc, report } = parse(golden);
    expect(report).toEqual({ droppedImages: 0, droppedLinks: 0, droppedNodes: 0, flattened: 0 });
    expect(normalizeMarkdown(docToMarkdown(doc))).toBe(normalizeMarkdown(golden));
  });

  it('doc → md → doc is the same document', () => {
    const { doc } = parse(goldenMarkdown());
    expect(parse(docToMarkdown(doc)).doc.eq(doc)).toBe(true);
  });

  it('the golden file becomes the structure an editor user sees', () => {
    const { json } = parse(goldenMarkdown());
    const headings = all(json, 'heading').map((h) => [h.attrs?.level, text(h)]);
    expect(headings).toEqual([
      [1, '두레 회의록 Meeting notes'],
      [2, 'Lists'],
      [3, 'Quotes and code'],
      [4, 'Table'],
    ]);
    const marks = new Set(all(json, 'text').flatMap((t) => (t.marks ?? []).map((m) => m.type)));
    expect([...marks].sort()).toEqual(['bold', 'code', 'italic', 'link', 'strike', 'underline']);
    const link = all(json, 'text')
      .flatMap((t) => t.marks ?? [])
      .find((m) => m.type === 'link');
    expect(link?.attrs).toMatchObject({ href: 'https://example.org/path?q=1', title: 'Example' });
    expect(all(json, 'hardBreak')).toHaveLength(1);
    // three levels of bullets, an ordered list starting at 3 with a nested ordered list
    expect(all(json, 'bulletList')).toHaveLength(3);
    const ordered = all(json, 'orderedList');
    expect(ordered.map((o) => o.attrs?.start)).toEqual([3, 1]);
    const tasks = all(json, 'taskItem').map((t) => [t.attrs?.checked, text(t.content![0]!)]);
    expect(tasks).toEqual([
      [false, 'open task'],
      [true, 'done task'],
      [false, 'nested task'],
    ]);
    expect(all(json, 'blockquote')).toHaveLength(2);
    const [code] = all(json, 'codeBlock');
    expect(code?.attrs?.language).toBe('ts');
    expect(text(code!)).toBe("const greeting: string = '안녕하세요';\n// ``` inside a fence");
    expect(all(json, 'horizontalRule')).toHaveLength(1);
    const [table] = all(json, 'table');
    const rows = table!.content!.map((row) => row.content!.map((cell) => [cell.type, text(cell), cell.attrs?.align]));
    expect(rows).toEqual([
      [
        ['tableHeader', '이름', 'left'],
        ['tableHeader', 'Count', 'center'],
        ['tableHeader', 'Note', 'right'],
      ],
      [
        ['tableCell', '가나다', 'left'],
        ['tableCell', '2', 'center'],
        ['tableCell', 'a | b', 'right'],
      ],
      [
        ['tableCell', 'x', 'left'],
        ['tableCell', 'y', 'center'],
        ['tableCell', 'z', 'right'],
      ],
    ]);
    expect(all(json, 'image').map((i) => i.attrs)).toEqual([
      { blobId: 'Abcdefghijklmnop_-0123', alt: 'A diagram [draft]', width: null, height: null },
    ]);
    const literal = all(json, 'paragraph').find((p) => text(p).startsWith('Literal'));
    expect(text(literal!)).toBe('Literal characters: *not emphasis*, _not either_, 5 < 6 & 7 > 2.');
  });

  it('keeps Korean text byte for byte in every construct, including decomposed jamo', () => {
    const nfd = '한글'.normalize('NFD');
    const md = [
      '# 제목 한글',
      '',
      `**굵은 글씨** *기울임* ~~취소선~~ \`코드\` [링크 텍스트](https://example.kr/경로) ${nfd}`,
      '',
      '- 목록 항목',
      '  - 중첩된 항목',
      '',
      '- [x] 완료된 할 일',
      '',
      '> 인용문',
      '',
      '| 열 | 값 |',
      '| --- | --- |',
      '| 가 | 나 |',
      '',
    ].join('\n');
    const { doc, json } = parse(md);
    const all = text(json);
    for (const word of [
      '제목 한글',
      '굵은 글씨',
      '기울임',
      '취소선',
      '코드',
      '링크 텍스트',
      '목록 항목',
      '중첩된 항목',
      '완료된 할 일',
      '인용문',
      '열',
      '값',
      '가',
      '나',
      nfd,
    ])
      expect(all).toContain(word);
    // the link target keeps its Korean path (percent-encoded, as the URL parser canonicalises it)
    expect(JSON.stringify(json)).toContain('https://example.kr/%EA%B2%BD%EB%A1%9C');
    const back = docToMarkdown(doc);
    expect(back).toContain(nfd);
    expect(parse(back).doc.eq(doc)).toBe(true);
  });

  it('soft line breaks read as spaces; both hard-break forms are hard breaks', () => {
    const { json } = parse('one\ntwo  \nthree\\\nfour');
    expect(json.content).toEqual([
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'one two' },
          { type: 'hardBreak' },
          { type: 'text', text: 'three' },
          { type: 'hardBreak' },
          { type: 'text', text: 'four' },
        ],
      },
    ]);
  });

  it('raw HTML is literal text, except <br> (a hard break) and comments (dropped)', () => {
    const { json } = parse('a <b>bold?</b> b<br>c <!-- note -->\n\n<div>block</div>\n\n<!-- hidden -->');
    expect(text(json)).toBe('a <b>bold?</b> bc<div>block</div>');
    expect(all(json, 'hardBreak')).toHaveLength(1);
    expect(all(json, 'text').flatMap((t) => t.marks ?? [])).toEqual([]);
  });

  it('an empty file is an empty document, and an empty document is an empty file', () => {
    const { json, doc } = parse('');
    expect(json).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] });
    expect(docToMarkdown(doc)).toBe('\n');
  });

  it('headings below h4 become paragraphs, as the editor offers h1–h4', () => {
    const { json } = parse('##### five\n\n###### six');
    expect(json.content?.map((n) => [n.type, text(n)])).toEqual([
      ['paragraph', 'five'],
      ['paragraph', 'six'],
    ]);
  });

  it('an image inside a paragraph splits it (images are blocks in our schema); line-end spaces go', () => {
    const { json } = parse('before ![pic](dure-blob:Abcdefghijklmnop_-0123) after');
    expect(json.content?.map((n) => [n.type, text(n)])).toEqual([
      ['paragraph', 'before'],
      ['image', ''],
      ['paragraph', 'after'],
    ]);
  });

  it('refuses input beyond the size limit as a value', () => {
    const r = markdownToDoc('x'.repeat(8 * 1024 * 1024 + 1));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toBe('too-large');
  });
});
