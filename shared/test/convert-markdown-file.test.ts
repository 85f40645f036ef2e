import { describe, expect, it } from 'vitest';
import { exportMarkdownFile, importMarkdownFile, splitFrontMatter, titleFromFileName } from '../src/convert';

function imported(text: string, name = 'notes.md') {
  const r = importMarkdownFile(text, name);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('Markdown files: title and front matter', () => {
  it('the title is the front matter title, else the first heading, else the file name', () => {
    expect(imported('---\ntitle: "회의 제목"\nauthor: x\n---\n# Heading\n\nbody').title).toBe('회의 제목');
    expect(imported('intro\n\n## 두 번째 제목\n\nbody').title).toBe('두 번째 제목');
    expect(imported('just text', '/home/u/문서/초안.v2.md').title).toBe('초안.v2');
  });

  it('front matter is not part of the document', () => {
    const { doc } = imported('---\ntitle: t\ntags: [a, b]\n---\n\nbody');
    expect(doc.textContent).toBe('body');
  });

  it('reads quoted, single-quoted and bare titles, and ignores a file that only starts with a rule', () => {
    expect(splitFrontMatter('---\ntitle: "a \\"b\\" \\n c"\n---\n').title).toBe('a "b"   c');
    expect(splitFrontMatter("---\ntitle: 'it''s'\n---\n").title).toBe("it's");
    expect(splitFrontMatter('---\ntitle: plain words # comment\n---\n').title).toBe('plain words');
    expect(splitFrontMatter('\ufeff---\r\ntitle: crlf\r\n---\r\nbody').title).toBe('crlf');
    expect(splitFrontMatter('---\n\nparagraph after a rule')).toEqual({
      title: undefined,
      body: '---\n\nparagraph after a rule',
    });
  });

  it('export adds front matter only when the title is not the first heading, so import gets it back either way', () => {
    const same = imported('# 같은 제목\n\nbody');
    expect(exportMarkdownFile(same.doc, same.title)).toBe('# 같은 제목\n\nbody\n');
    const other = imported('# 본문 제목\n\nbody');
    const file = exportMarkdownFile(other.doc, '다른 "제목"');
    expect(file).toBe('---\ntitle: "다른 \\"제목\\""\n---\n\n# 본문 제목\n\nbody\n');
    const back = imported(file, 'ignored.md');
    expect(back.title).toBe('다른 "제목"');
    expect(back.doc.eq(other.doc)).toBe(true);
    expect(exportMarkdownFile(other.doc, '')).toBe('# 본문 제목\n\nbody\n');
  });

  it('a file name title has no folder and no extension', () => {
    expect(titleFromFileName('C:\\docs\\report.md')).toBe('report');
    expect(titleFromFileName('.hidden')).toBe('.hidden');
  });
});
