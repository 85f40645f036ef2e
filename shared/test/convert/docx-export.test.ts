/**
 * DOCX export and the importer's refusals, in Node. Node has no DOMParser, so the full import
 * (mammoth → HTML → our schema) is tested in Chromium (docx.browser.test.ts); here mammoth reads
 * the exported bytes back to HTML, which is what Word's structure looks like to any reader.
 */
import { readFileSync } from 'node:fs';
import mammoth from 'mammoth';
import { describe, expect, it } from 'vitest';
import { docToDocx, docxToDoc, MAX_DOCX_BYTES } from '../../src/convert/docx';
import { ROUND_TRIP_DOC } from './docx-helpers';

async function htmlOf(bytes: Uint8Array): Promise<string> {
  const r = await mammoth.convertToHtml({ buffer: Buffer.from(bytes) });
  return r.value;
}

describe('docToDocx', () => {
  it('writes a ZIP whose document uses Word heading styles, numbering, a header row and an external hyperlink', async () => {
    const bytes = await docToDocx(ROUND_TRIP_DOC, '회의록');
    expect([...bytes.slice(0, 4)]).toEqual([0x50, 0x4b, 3, 4]);
    const html = await htmlOf(bytes);
    expect(html).toContain('<h1>두레 회의록 Meeting notes</h1>');
    expect(html).toContain('<h4>Table</h4>');
    expect(html).toContain('<ul><li>첫째<ul><li>nested</li></ul></li><li>second</li></ul>');
    expect(html).toContain('<ol><li>one</li><li>two<ol><li>inner</li></ol></li></ol>');
    expect(html).toContain('<thead><tr><th><p>이름</p></th><th><p>Role</p></th></tr></thead>');
    expect(html).toContain('<tbody><tr><td><p>김민지</p></td>');
    expect(html).toContain('<a href="https://example.org/%EB%91%90%EB%A0%88?q=1">링크</a>');
    expect(html).toContain('<strong>굵게</strong>');
    expect(html).toContain('<s>strike</s>');
    expect(html).toContain('<p>☐ 할 일</p><p>☑ done</p>');
  });

  it('writes code blocks and quotes in the monospace "Code" and the "Quote" paragraph styles', async () => {
    const bytes = await docToDocx(ROUND_TRIP_DOC);
    const html = (
      await mammoth.convertToHtml(
        { buffer: Buffer.from(bytes) },
        { styleMap: ["p[style-name='Code'] => pre:separator('\\n')", "p[style-name='Quote'] => blockquote > p:fresh"] },
      )
    ).value;
    expect(html).toContain("<pre>const greeting = '안녕하세요';\nreturn greeting;</pre>");
    expect(html).toContain('<blockquote><p>인용문 A quote</p></blockquote>');
  });

  it('never writes a link the editor would not open, nor an image it cannot read', async () => {
    const bytes = await docToDocx({
      type: 'doc',
      content: [
        {
          type: 'paragraph',
          content: [{ type: 'text', text: 'trap', marks: [{ type: 'link', attrs: { href: 'javascript:alert(1)' } }] }],
        },
        { type: 'image', attrs: { blobId: 'Abcdefghijklmnop_-0123', alt: '도표' } },
      ],
    });
    const html = await htmlOf(bytes);
    expect(html).not.toContain('javascript');
    expect(html).toContain('<p>trap</p>');
    expect(html).toContain('[도표]');
  });
});

/** A 2×2 red PNG (the picture of fixtures/word-image.docx). */
const RED_PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEElEQVR4nGP4z8AARAwQCgAf7gP9i18U1AAAAABJRU5ErkJggg==';

describe('docToDocx pictures', () => {
  const doc = {
    type: 'doc',
    content: [
      { type: 'image', attrs: { blobId: 'Abcdefghijklmnop_-0123', alt: '빨간 점' } },
      { type: 'image', attrs: { blobId: 'WebpWebpWebpWebp_-0123', alt: 'webp' } },
      { type: 'image', attrs: { blobId: 'MissingMissing00_-0123', alt: 'gone' } },
    ],
  };

  it('embeds the pictures the caller hands over, with their alt text; others stay alt text in brackets', async () => {
    const asked: string[] = [];
    const bytes = await docToDocx(doc, '', {
      image: (blobId) => {
        asked.push(blobId);
        if (blobId === 'MissingMissing00_-0123') return Promise.resolve(null);
        const mime = blobId.startsWith('Webp') ? 'image/webp' : 'image/png';
        return Promise.resolve({ bytes: Buffer.from(RED_PNG, 'base64'), mime, width: 2, height: 2 });
      },
    });
    expect(asked).toEqual(['Abcdefghijklmnop_-0123', 'WebpWebpWebpWebp_-0123', 'MissingMissing00_-0123']);
    const html = await htmlOf(bytes);
    expect(html).toContain(`<img alt="빨간 점" src="data:image/png;base64,${RED_PNG}" />`);
    expect(html).toContain('<em>[webp]</em>');
    expect(html).toContain('<em>[gone]</em>');
  });
});

describe('docxToDoc refusals', () => {
  it('refuses bytes that are not a ZIP, and a ZIP that is not a Word document', async () => {
    expect(await docxToDoc(new TextEncoder().encode('# not a docx'))).toMatchObject({ ok: false, error: 'not-docx' });
    const zipOnly = readFileSync(new URL('../fixtures/word-style.docx', import.meta.url)).subarray(0, 200);
    const r = await docxToDoc(new Uint8Array(zipOnly), { parseFromString: () => ({}) as Document });
    expect(r).toMatchObject({ ok: false, error: 'not-docx' });
  });

  it('refuses a file over the size limit before unzipping it', async () => {
    const big = new Uint8Array(MAX_DOCX_BYTES + 1);
    big.set([0x50, 0x4b, 3, 4]);
    expect(await docxToDoc(big)).toMatchObject({ ok: false, error: 'too-large' });
  });

  it('says no-dom where there is no HTML parser (plain Node), instead of guessing', async () => {
    const bytes = readFileSync(new URL('../fixtures/word-style.docx', import.meta.url));
    expect(await docxToDoc(new Uint8Array(bytes))).toMatchObject({ ok: false, error: 'no-dom' });
  });
});
