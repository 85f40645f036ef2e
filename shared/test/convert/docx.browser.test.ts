/**
 * DOCX import in Chromium (it needs DOMParser, as the HTML import does): editor JSON → docx →
 * mammoth → editor JSON keeps the structure, and a Word-style file that our exporter did not write
 * (fixtures/word-style.docx, see make-word-style-docx.py) imports with its headings, lists, table and
 * link, and without its javascript: link.
 */
import type { JSONContent } from '@tiptap/core';
import { describe, expect, it } from 'vitest';
import { docToDocx, docxToDoc, importDocxFile } from '../../src/convert/docx';
import { converterSchema, normalizeDoc } from '../../src/convert';
import fixtureUrl from '../fixtures/word-style.docx?url';
import imageFixtureUrl from '../fixtures/word-image.docx?url';
import { ROUND_TRIP_DOC } from './docx-helpers';

const normalized = (doc: JSONContent): JSONContent => normalizeDoc(doc, converterSchema().schema).doc.toJSON();

async function fixture(url = fixtureUrl): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

describe('DOCX round trip', () => {
  it('editor JSON → docx → editor JSON keeps headings, marks, links, nested lists, tasks, quote, code and table', async () => {
    const r = await docxToDoc(await docToDocx(ROUND_TRIP_DOC, '회의록'));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.doc.toJSON()).toEqual(normalized(ROUND_TRIP_DOC));
    expect(r.value.report).toEqual({ droppedImages: 0, droppedLinks: 0, droppedNodes: 0, flattened: 0 });
  });

  it('an image becomes its alt text in brackets (the blob store is not exported)', async () => {
    const doc: JSONContent = {
      type: 'doc',
      content: [{ type: 'image', attrs: { blobId: 'Abcdefghijklmnop_-0123', alt: '도표' } }],
    };
    const r = await docxToDoc(await docToDocx(doc));
    expect(r.ok && r.value.doc.textContent).toBe('[도표]');
  });
});

describe('a Word-style .docx', () => {
  it('imports headings, marks, nested bullets, a numbered list, the table and the https link; the javascript: link is reported', async () => {
    const r = await importDocxFile(await fixture(), 'minutes.docx');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const json = r.value.doc.toJSON() as JSONContent;
    const types = json.content!.map((n) => n.type);
    expect(types).toEqual([
      'heading',
      'paragraph',
      'heading',
      'bulletList',
      'orderedList',
      'paragraph',
      'table',
      'paragraph',
    ]);
    expect(r.value.title).toBe('두레 회의록');
    expect(json.content![2]).toEqual({
      type: 'heading',
      attrs: { level: 2 },
      content: [{ type: 'text', text: '안건' }],
    });
    const marks = json.content![1]!.content!.flatMap((t) => (t.marks ?? []).map((m) => `${m.type}:${t.text}`));
    expect(marks).toEqual(['bold:bold', 'italic:italic', 'underline:underlined', 'strike:struck']);
    expect(json.content![3]!.content![0]!.content![1]!.type).toBe('bulletList');
    expect(r.value.doc.child(3).textContent).toBe('첫째 항목nested bulletsecond item');
    expect(r.value.doc.child(4).childCount).toBe(2);
    const links = json.content![5]!.content!.filter((t) => t.marks?.some((m) => m.type === 'link'));
    expect(links.map((t) => [t.text, t.marks![0]!.attrs!.href])).toEqual([
      ['the site', 'https://example.org/%EB%91%90%EB%A0%88'],
    ]);
    expect(r.value.doc.child(5).textContent).toBe('Visit the site or this trap.');
    const table = r.value.doc.child(6);
    expect(table.child(0).child(0).type.name).toBe('tableHeader');
    expect(table.textContent).toBe('이름역할김민지기록');
    expect(r.value.report.droppedLinks).toBe(1);
  });

  it('a file that is not a Word document is refused, not imported empty', async () => {
    const bytes = await fixture();
    expect(await docxToDoc(bytes.slice(0, 300))).toMatchObject({ ok: false, error: 'not-docx' });
    expect(await docxToDoc(new TextEncoder().encode('<html>'))).toMatchObject({ ok: false, error: 'not-docx' });
  });
});

describe('pictures in a .docx', () => {
  it('are handed to keepImage and become image nodes under the blob id it answers, with their alt text', async () => {
    const seen: { contentType: string; head: number[] }[] = [];
    const r = await docxToDoc(await fixture(imageFixtureUrl), undefined, {
      keepImage: (image) => {
        seen.push({ contentType: image.contentType, head: [...image.bytes.slice(0, 4)] });
        return Promise.resolve('Picture0000000000001');
      },
    });
    expect(seen).toEqual([{ contentType: 'image/png', head: [0x89, 0x50, 0x4e, 0x47] }]);
    expect(r.ok && r.value.doc.toJSON()).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: '그림 아래' }] },
        { type: 'image', attrs: { blobId: 'Picture0000000000001', alt: '빨간 점', width: null, height: null } },
      ],
    });
    expect(r.ok && r.value.report.droppedImages).toBe(0);
  });

  it('are dropped and counted without keepImage, or when it declines or answers a malformed id', async () => {
    const bytes = await fixture(imageFixtureUrl);
    for (const keepImage of [undefined, () => Promise.resolve(null), () => Promise.resolve('bad id!')]) {
      const r = await docxToDoc(bytes, undefined, { keepImage });
      expect(r.ok && r.value.doc.textContent).toBe('그림 아래');
      expect(r.ok && r.value.doc.childCount).toBe(1);
      expect(r.ok && r.value.report.droppedImages).toBe(1);
    }
  });

  it('survive export → import: the same bytes come back with their alt text', async () => {
    const png = await pictureOfFixture();
    expect([...png.slice(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const doc: JSONContent = {
      type: 'doc',
      content: [{ type: 'image', attrs: { blobId: 'Abcdefghijklmnop_-0123', alt: '빨간 점' } }],
    };
    const bytes = await docToDocx(doc, '', {
      image: () => Promise.resolve({ bytes: png, mime: 'image/png', width: 2, height: 2 }),
    });
    const kept: Uint8Array[] = [];
    const r = await docxToDoc(bytes, undefined, {
      keepImage: (image) => {
        kept.push(image.bytes);
        return Promise.resolve('Abcdefghijklmnop_-0123');
      },
    });
    expect(kept).toEqual([png]);
    expect(r.ok && r.value.doc.toJSON()).toEqual(normalized(doc));
  });
});

/** The PNG inside fixtures/word-image.docx, as keepImage receives it. */
async function pictureOfFixture(): Promise<Uint8Array> {
  let png: Uint8Array = new Uint8Array();
  await docxToDoc(await fixture(imageFixtureUrl), undefined, {
    keepImage: (image) => {
      png = image.bytes;
      return Promise.resolve(null);
    },
  });
  return png;
}
