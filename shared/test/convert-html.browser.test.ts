/**
 * HTML import (it needs the platform's DOMParser) and the DOM-free HTML export checked against the
 * editor's own DOMSerializer, in real Chromium.
 */
import type { JSONContent } from '@tiptap/core';
import { DOMSerializer } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { converterSchema, docToHtml, htmlToDoc, markdownToDoc, normalizeDoc } from '../src/convert';
import { GOLDEN_MD, randomDoc } from './convert-helpers';

function golden() {
  const r = markdownToDoc(GOLDEN_MD);
  if (!r.ok) throw new Error(r.error);
  return r.value.doc;
}

function imported(html: string) {
  const r = htmlToDoc(html);
  if (!r.ok) throw new Error(r.error);
  return { doc: r.value.doc, json: r.value.doc.toJSON() as JSONContent, report: r.value.report };
}

function types(json: JSONContent): string[] {
  const out: string[] = [];
  const walk = (n: JSONContent) => {
    out.push(n.type!);
    for (const m of n.marks ?? []) out.push(`mark:${m.type}`);
    n.content?.forEach(walk);
  };
  walk(json);
  return out;
}

describe('HTML in the browser', () => {
  it('the string export is exactly what the editor (DOMSerializer over the inert schema) renders', () => {
    const doc = golden();
    const div = document.createElement('div');
    div.appendChild(DOMSerializer.fromSchema(converterSchema().schema).serializeFragment(doc.content));
    // the DOM writes style values through CSSOM, which adds the final ';'
    expect(docToHtml(doc)).toBe(div.innerHTML.replace(/;"/g, '"'));
  });

  it('export → import gives the same document', () => {
    const doc = golden();
    const back = imported(docToHtml(doc));
    expect(back.report).toEqual({ droppedImages: 0, droppedLinks: 0, droppedNodes: 0, flattened: 0 });
    expect(back.doc.toJSON()).toEqual(doc.toJSON());
  });

  it('imports Korean text and common markup from other tools', () => {
    const { json } = imported(
      '<h1>회의록</h1><p>안건: <b>예산</b>, <i>일정</i><br>참석자 <a href="https://example.kr/">링크</a></p><ul><li>하나</li><li>둘</li></ul>',
    );
    expect(json).toEqual({
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: '회의록' }] },
        {
          type: 'paragraph',
          content: [
            { type: 'text', text: '안건: ' },
            { type: 'text', text: '예산', marks: [{ type: 'bold' }] },
            { type: 'text', text: ', ' },
            { type: 'text', text: '일정', marks: [{ type: 'italic' }] },
            { type: 'hardBreak' },
            { type: 'text', text: '참석자 ' },
            {
              type: 'text',
              text: '링크',
              marks: [
                {
                  type: 'link',
                  attrs: {
                    href: 'https://example.kr/',
                    target: '_blank',
                    rel: 'noopener noreferrer nofollow',
                    class: null,
                    title: null,
                  },
                },
              ],
            },
          ],
        },
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: '하나' }] }] },
            { type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: '둘' }] }] },
          ],
        },
      ],
    });
  });

  it('hostile HTML: nothing runs, nothing loads, only blob images and safe links survive', async () => {
    const w = window as unknown as { __pwned?: number };
    delete w.__pwned;
    const { json, report } = imported(
      [
        '<script>window.__pwned = 1</script>',
        '<img src="/__convert_evil_1.png" onerror="window.__pwned = 2">',
        '<p onclick="window.__pwned = 3" style="background:url(/__convert_evil_2.png)">text</p>',
        '<a href="javascript:window.__pwned = 4">js link</a>',
        '<a href="https://ok.example/" onmouseover="x()">ok link</a>',
        '<svg onload="window.__pwned = 5"><circle r="1"/></svg>',
        '<iframe src="/__convert_evil_3.html"></iframe>',
        '<style>body{background:url(/__convert_evil_4.png)}</style>',
        '<img data-blob-id="Abcdefghijklmnop_-0123" src="/__convert_evil_5.png" alt="kept">',
        `<a href="https://example.com/${'A'.repeat(1024 * 1024)}">huge</a>`,
      ].join(''),
    );
    // give any handler or load a chance to happen
    await new Promise((r) => setTimeout(r, 50));
    expect(w.__pwned).toBeUndefined();
    const fetched = performance.getEntriesByType('resource').filter((e) => e.name.includes('__convert_evil'));
    expect(fetched).toEqual([]);
    expect(types(json).filter((t) => t !== 'doc' && t !== 'paragraph' && t !== 'text')).toEqual(['mark:link', 'image']);
    const html = docToHtml(json);
    expect(html).not.toMatch(/<script|onerror|onclick|onload|javascript:|<svg|<iframe|<style|__convert_evil/i);
    expect(html).toContain('<img data-blob-id="Abcdefghijklmnop_-0123" alt="kept">');
    expect(html).toContain('href="https://ok.example/"');
    // the <img> with only a src, and the javascript: link and the 1 MB one, are left out and counted
    expect(report.droppedImages).toBe(1);
    expect(report.droppedLinks).toBe(2);
  });

  // HTML import collapses runs of spaces outside code, as HTML itself does (white-space: normal)
  it('reports the external images and unsafe links it left out (the parse rules drop them before normalising)', () => {
    const r = htmlToDoc(
      '<p>a<img src="https://tracker.example/p.png"><a href="javascript:alert(1)">b</a>' +
        '<a href="https://ok.example/">c</a><img data-blob-id="AAAAAAAAAAAAAAAAAAAAAA"></p>',
    );
    if (!r.ok) throw new Error(r.error);
    expect(r.value.report.droppedImages).toBe(1);
    expect(r.value.report.droppedLinks).toBe(1);
  });

  it('export → import gives the same document for 150 random documents', () => {
    const { schema } = converterSchema();
    const failures: string[] = [];
    for (let seed = 1; seed <= 150; seed++) {
      const doc = normalizeDoc(randomDoc(seed, { singleSpaces: true }), schema).doc;
      const html = docToHtml(doc);
      const back = htmlToDoc(html);
      if (!back.ok || !back.value.doc.eq(doc)) {
        const a = JSON.stringify(doc.toJSON());
        const b = back.ok ? JSON.stringify(back.value.doc.toJSON()) : back.error;
        let i = 0;
        while (i < a.length && a[i] === b[i]) i++;
        failures.push(
          `seed ${seed}: …${a.slice(Math.max(0, i - 80), i + 80)}\n  vs …${b.slice(Math.max(0, i - 80), i + 80)}`,
        );
      }
    }
    expect(failures).toEqual([]);
  });
});
