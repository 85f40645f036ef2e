/**
 * Hostile input through every converter path (Markdown file, document JSON as a hostile editor could
 * write it into a Y.Doc): nothing executable or fetching survives, oversized attributes are cut or
 * dropped, and the converters never throw.
 */
import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import { converterSchema, docToHtml, docToMarkdown, markdownToDoc, normalizeDoc } from '../src/convert';

const MB = 'A'.repeat(1024 * 1024);
const BLOB = 'Abcdefghijklmnop_-0123';

function md(input: string) {
  const r = markdownToDoc(input);
  if (!r.ok) throw new Error(`markdownToDoc failed: ${r.error}`);
  return { json: r.value.doc.toJSON() as JSONContent, report: r.value.report, doc: r.value.doc };
}

function marksOf(json: JSONContent): { type: string; attrs?: Record<string, unknown> }[] {
  const out: { type: string; attrs?: Record<string, unknown> }[] = [];
  const walk = (n: JSONContent) => {
    for (const m of n.marks ?? []) out.push(m as { type: string; attrs?: Record<string, unknown> });
    n.content?.forEach(walk);
  };
  walk(json);
  return out;
}

/** What a reader's browser would act on in exported HTML. */
function expectInertHtml(html: string): void {
  expect(html).not.toMatch(/<script/i);
  expect(html).not.toMatch(/<[^>]+\son\w+\s*=/i); // an event attribute inside a tag
  expect(html).not.toMatch(/<[^>]+\s(src|srcset|style\s*=\s*"[^"]*url)/i);
  expect(html).not.toMatch(/href="(?!https?:|mailto:|#)/i);
  expect(html).not.toMatch(/<[^>]*javascript:/i);
}

describe('hostile Markdown', () => {
  it.each([
    ['[click](javascript:alert(1))'],
    ['[click](JaVaScRiPt:alert(1))'],
    ['[click](java\tscript:alert(1))'],
    ['[click](  javascript:alert(1))'],
    ['[click](data:text/html,<script>alert(1)</script>)'],
    ['[click](vbscript:msgbox)'],
    ['[click][ref]\n\n[ref]: javascript:alert(1)'],
    ['<javascript:alert(1)>'],
    ['[click](https://user:pw@bank.example/)'],
  ])('%j keeps its text and loses the link', (input) => {
    const { json, report, doc } = md(input);
    expect(marksOf(json).filter((m) => m.type === 'link')).toEqual([]);
    // marked does not even read a target with a tab in it as a link; the others parse and are refused
    if (input.startsWith('[click]') && !input.includes('\t')) expect(report.droppedLinks).toBe(1);
    // the Markdown export does not bring the link back when read again
    expect(marksOf(md(docToMarkdown(doc)).json).filter((m) => m.type === 'link')).toEqual([]);
    expectInertHtml(docToHtml(doc));
  });

  it('<script> and an onerror image stay literal text, in the document and in every export', () => {
    const { json, doc } = md('<script>alert(1)</script>\n\ntext <img src=x onerror=alert(1)> more\n');
    expect(json.content?.map((n) => n.type)).toEqual(['paragraph', 'paragraph']);
    const html = docToHtml(doc);
    expectInertHtml(html);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // and the Markdown export does not turn it back into live HTML
    expect(docToMarkdown(doc)).not.toMatch(/<script|<img/);
  });

  it('external and data: images are left out and counted; blob references stay', () => {
    const { json, report, doc } = md(
      `![pixel](https://tracker.example/p.png)\n\n![inline](data:image/png;base64,iVBORw0KGgo=)\n\n![ok](dure-blob:${BLOB})\n\n![bad id](dure-blob:../../etc)`,
    );
    expect(report.droppedImages).toBe(3);
    const images = (json.content ?? []).filter((n) => n.type === 'image');
    expect(images.map((i) => i.attrs?.blobId)).toEqual([BLOB]);
    const html = docToHtml(doc);
    expectInertHtml(html);
    expect(html).toBe(`<img data-blob-id="${BLOB}" alt="ok">`);
  });

  it('1 MB attributes: a link target is dropped, alt text and titles are cut, a fence language is dropped', () => {
    const { json, doc } = md(
      `[long](https://example.com/${MB})\n\n[t](https://example.com/ "${MB}")\n\n![${MB}](dure-blob:${BLOB})\n\n\`\`\`${MB}\ncode\n\`\`\``,
    );
    const links = marksOf(json).filter((m) => m.type === 'link');
    expect(links).toHaveLength(1);
    expect(links[0]!.attrs).toMatchObject({ href: 'https://example.com/', title: 'A'.repeat(500) });
    const image = json.content!.find((n) => n.type === 'image')!;
    expect(image.attrs?.alt).toBe('A'.repeat(500));
    const code = json.content!.find((n) => n.type === 'codeBlock')!;
    expect(code.attrs?.language).toBeNull();
    expect(docToHtml(doc).length).toBeLessThan(5000);
    expect(docToMarkdown(doc).length).toBeLessThan(5000);
  });

  it('pathological nesting is a value, never a crash', () => {
    // (marked is quadratic on runs of unclosed brackets: 10^4 take ~0.1 s, 10^5 take seconds)
    for (const input of ['>'.repeat(20000) + ' deep', '- '.repeat(5000) + 'x', '['.repeat(10000), '*'.repeat(100000)]) {
      const r = markdownToDoc(input);
      if (r.ok) {
        r.value.doc.check();
        expect(() => docToMarkdown(r.value.doc)).not.toThrow();
      } else expect(r.error).toBe('unparseable');
    }
  });
});

describe('hostile document JSON (what a hostile editor can write into the Y.Doc)', () => {
  const { schema } = converterSchema();
  const hostile: JSONContent = {
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 99, onclick: 'alert(1)' }, content: [{ type: 'text', text: 'h' }] },
      {
        type: 'paragraph',
        attrs: { style: 'background:url(https://evil.example/)' },
        content: [
          { type: 'text', text: 'x', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] },
          {
            type: 'text',
            text: 'y',
            marks: [
              { type: 'link', attrs: { href: 'https://ok.example/', target: 'evil', rel: 'opener', onmouseover: 'x' } },
            ],
          },
          { type: 'text', text: 'z', marks: [{ type: 'evilMark' }] },
          { type: 'script', content: [{ type: 'text', text: 'alert(1)' }] },
        ],
      },
      { type: 'image', attrs: { src: 'https://evil.example/p.png', blobId: null } },
      { type: 'image', attrs: { blobId: BLOB, src: 'https://evil.example/p.png', onerror: 'alert(1)', width: 1e9 } },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: [
              {
                type: 'tableCell',
                attrs: { colspan: 1e9, rowspan: -1, colwidth: 'x;background:url(y)' },
                content: [{ type: 'paragraph' }],
              },
            ],
          },
        ],
      },
      { type: 'tableCell', content: [{ type: 'text', text: 'orphan cell' }] },
      { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'orphan item' }] }] },
      {
        type: 'codeBlock',
        attrs: { language: '"><script>' },
        content: [{ type: 'text', text: 'c', marks: [{ type: 'bold' }] }, { type: 'hardBreak' }],
      },
      { type: 'text', text: 'top-level text' },
      { type: 'orderedList', attrs: { start: 1e12 }, content: [] },
    ],
  };

  it('normalises to a valid document with every attribute checked', () => {
    const { doc, report } = normalizeDoc(hostile, schema);
    doc.check();
    const json = doc.toJSON() as JSONContent;
    expect(json.content?.map((n) => n.type)).toEqual([
      'heading',
      'paragraph',
      'image',
      'table',
      'table',
      'bulletList',
      'codeBlock',
      'paragraph',
      'orderedList',
    ]);
    expect(json.content![0]!.attrs).toEqual({ level: 4 });
    expect(json.content![1]!.attrs).toBeUndefined();
    expect(marksOf(json.content![1]!)).toEqual([
      {
        type: 'link',
        attrs: {
          href: 'https://ok.example/',
          target: '_blank',
          rel: 'noopener noreferrer nofollow',
          class: null,
          title: null,
        },
      },
    ]);
    expect(json.content![2]!.attrs).toEqual({ blobId: BLOB, alt: null, width: null, height: null });
    expect(json.content![3]!.content![0]!.content![0]!.attrs).toEqual({
      colspan: 1,
      rowspan: 1,
      colwidth: null,
      align: null,
    });
    expect(json.content![6]).toEqual({
      type: 'codeBlock',
      attrs: { language: null },
      content: [{ type: 'text', text: 'c\n' }],
    });
    expect(json.content![8]!.attrs).toEqual({ start: 1, type: null });
    expect(report).toMatchObject({ droppedImages: 1, droppedLinks: 1 });
    expect(report.droppedNodes).toBe(1); // evilMark (a script wrapper keeps its text; code just sheds marks)
  });

  it('exports inert HTML and Markdown', () => {
    const html = docToHtml(hostile);
    expectInertHtml(html);
    expect(html).not.toContain('evil.example');
    expect(html).not.toContain('1000000000');
    const markdown = docToMarkdown(hostile);
    expect(markdown).not.toMatch(/javascript:|evil\.example|<script/);
  });

  it('flattens nesting beyond MAX_DEPTH to text instead of recursing', () => {
    let deep: JSONContent = { type: 'paragraph', content: [{ type: 'text', text: 'bottom' }] };
    for (let i = 0; i < 5000; i++) deep = { type: 'blockquote', content: [deep] };
    const { doc, report } = normalizeDoc({ type: 'doc', content: [deep] }, schema);
    doc.check();
    expect(doc.textContent).toBe('bottom');
    expect(report.flattened).toBe(1);
  });

  it('any JSON value yields a valid document', () => {
    for (const v of [
      null,
      42,
      'doc',
      [],
      { type: 'doc', content: 'x' },
      { type: 'text', text: 5 },
      { type: '__proto__' },
      { type: 'constructor' },
    ]) {
      const { doc } = normalizeDoc(v, schema);
      doc.check();
    }
  });
});
