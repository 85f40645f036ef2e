import { describe, expect, it } from 'vitest';
import { docToHtml, htmlDocument, htmlToDoc, markdownToDoc } from '../src/convert';
import { goldenMarkdown } from './convert-helpers';

/** The golden file as HTML: every construct of the schema, no script, no fetch (images carry only data-blob-id). */
const GOLDEN_HTML = [
  '<h1>두레 회의록 Meeting notes</h1>',
  '<p>A paragraph with <strong>bold</strong>, <em>italic</em>, <s>strike</s>, <code>inline code</code>, <u>underline</u> and a <a target="_blank" rel="noopener noreferrer nofollow" href="https://example.org/path?q=1" title="Example">link</a>.</p>',
  '<p>A line ending in two spaces<br>breaks here, and <strong><em>both</em></strong> marks nest: <strong>bold with <em>italic</em> inside</strong>.</p>',
  '<h2>Lists</h2>',
  '<ul><li><p>first</p><ul><li><p>nested</p><ul><li><p>deeper</p></li></ul></li></ul></li><li><p>second</p></li></ul>',
  '<ol start="3"><li><p>three</p></li><li><p>four</p><ol><li><p>inner one</p></li><li><p>inner two</p></li></ol></li></ol>',
  '<ul data-type="taskList">',
  '<li data-type="taskItem"><label><input type="checkbox"><span></span></label><div><p>open task</p></div></li>',
  '<li data-checked="true" data-type="taskItem"><label><input type="checkbox" checked="checked"><span></span></label><div><p>done task</p>',
  '<ul data-type="taskList"><li data-type="taskItem"><label><input type="checkbox"><span></span></label><div><p>nested task</p></div></li></ul>',
  '</div></li></ul>',
  '<h3>Quotes and code</h3>',
  '<blockquote><p>A quote</p><blockquote><p>A nested quote</p></blockquote></blockquote>',
  '<pre><code class="language-ts">const greeting: string = \'안녕하세요\';\n// ``` inside a fence</code></pre>',
  '<hr>',
  '<h4>Table</h4>',
  '<table style="min-width: 75px"><colgroup><col style="min-width: 25px"><col style="min-width: 25px"><col style="min-width: 25px"></colgroup><tbody>',
  '<tr><th style="text-align: left"><p>이름</p></th><th style="text-align: center"><p>Count</p></th><th style="text-align: right"><p>Note</p></th></tr>',
  '<tr><td style="text-align: left"><p>가나다</p></td><td style="text-align: center"><p><strong>2</strong></p></td><td style="text-align: right"><p>a | b</p></td></tr>',
  '<tr><td style="text-align: left"><p>x</p></td><td style="text-align: center"><p><code>y</code></p></td><td style="text-align: right"><p><a target="_blank" rel="noopener noreferrer nofollow" href="https://z.example/">z</a></p></td></tr>',
  '</tbody></table>',
  '<img data-blob-id="Abcdefghijklmnop_-0123" alt="A diagram [draft]">',
  '<p>Literal characters: *not emphasis*, _not either_, 5 &lt; 6 &amp; 7 &gt; 2.</p>',
  '<p>한국어 문단입니다. 한글 <strong>굵게</strong>, <em>기울임</em>, 그리고 <code>코드</code>.</p>',
].join('');

function golden() {
  const r = markdownToDoc(goldenMarkdown());
  if (!r.ok) throw new Error(r.error);
  return r.value.doc;
}

describe('HTML export (no DOM needed)', () => {
  it('writes every construct of the schema', () => {
    expect(docToHtml(golden())).toBe(GOLDEN_HTML);
  });

  it('accepts document JSON as well as a node', () => {
    expect(docToHtml(golden().toJSON())).toBe(GOLDEN_HTML);
  });

  it('escapes text and attribute values', () => {
    const html = docToHtml({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [
            {
              type: 'text',
              text: '<b>"&"</b>',
              marks: [{ type: 'link', attrs: { href: 'https://a.example/?q="><script>', title: '"><img>' } }],
            },
          ],
        },
      ],
    });
    expect(html).toBe(
      '<p><a target="_blank" rel="noopener noreferrer nofollow" href="https://a.example/?q=%22%3E%3Cscript%3E" title="&quot;&gt;&lt;img&gt;">&lt;b&gt;"&amp;"&lt;/b&gt;</a></p>',
    );
  });

  it('a standalone file has a charset, an escaped title and a CSP that forbids every fetch and script', () => {
    const file = htmlDocument('회의 <록>', '<p>x</p>');
    expect(file).toContain('<meta charset="utf-8">');
    expect(file).toContain(`content="default-src 'none'; style-src 'unsafe-inline'"`);
    expect(file).toContain('<title>회의 &lt;록&gt;</title>');
    expect(file).toContain('<body>\n<p>x</p>\n</body>');
  });
});

describe('HTML import', () => {
  it('needs a DOM parser: in plain Node it says so as a value', () => {
    const r = htmlToDoc('<p>x</p>');
    expect(r).toEqual({ ok: false, error: 'no-dom' });
  });
});
