import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DOCUMENT_FRAGMENT, META_MAP, SCHEMA_VERSION, SCHEMA_VERSION_KEY } from '../src/editor';
import { cleanTitle, docFromYDoc, firstHeadingText, markdownToDoc, writeDocToYDoc } from '../src/convert';
import { goldenMarkdown } from './convert-helpers';

function golden() {
  const r = markdownToDoc(goldenMarkdown());
  if (!r.ok) throw new Error(r.error);
  return r.value.doc;
}

/** What another device would hold after receiving the document's updates. */
function replica(ydoc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(ydoc));
  return copy;
}

describe('document ⇄ Y.Doc', () => {
  it('a document written into a Y.Doc reads back the same on another replica, with its title', () => {
    const doc = golden();
    const ydoc = new Y.Doc();
    writeDocToYDoc(ydoc, doc, firstHeadingText(doc));
    const r = docFromYDoc(replica(ydoc));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.doc.eq(doc)).toBe(true);
    expect(r.value.title).toBe('두레 회의록 Meeting notes');
    expect(r.value.report).toEqual({ droppedImages: 0, droppedLinks: 0, droppedNodes: 0, flattened: 0 });
  });

  it('writes in one transaction and stamps the schema version, as the editor does on a first edit', () => {
    const ydoc = new Y.Doc();
    let updates = 0;
    ydoc.on('update', () => updates++);
    writeDocToYDoc(ydoc, golden(), 'T', 'import');
    expect(updates).toBe(1);
    expect(ydoc.getMap(META_MAP).get(SCHEMA_VERSION_KEY)).toBe(SCHEMA_VERSION);
    expect(ydoc.getMap(META_MAP).get('title')).toBe('T');
  });

  it('the Y.Doc holds the element tree the editor binding reads (Y.XmlElement.toString lower-cases names)', () => {
    const ydoc = new Y.Doc();
    const r = markdownToDoc('# 제목\n\n- [x] 할 일');
    if (!r.ok) throw new Error(r.error);
    writeDocToYDoc(ydoc, r.value.doc, '');
    expect(ydoc.getXmlFragment(DOCUMENT_FRAGMENT).toString()).toBe(
      '<heading level="1">제목</heading><tasklist><taskitem checked="true"><paragraph>할 일</paragraph></taskitem></tasklist>',
    );
  });

  it('reading never writes, even where the y-prosemirror binding would delete (unknown and invalid nodes)', () => {
    const ydoc = new Y.Doc();
    ydoc.transact(() => {
      const f = ydoc.getXmlFragment(DOCUMENT_FRAGMENT);
      const evil = new Y.XmlElement('script');
      evil.insert(0, [new Y.XmlText('alert(1)')]);
      const cell = new Y.XmlElement('tableCell');
      cell.setAttribute('colspan', 1e9 as unknown as string);
      const p = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      text.insert(0, 'bad link', { link: { href: 'javascript:alert(1)' } });
      p.insert(0, [text]);
      f.insert(0, [evil, cell, p]);
    });
    const before = Y.encodeStateVector(ydoc);
    let updates = 0;
    ydoc.on('update', () => updates++);
    const r = docFromYDoc(ydoc);
    expect(updates).toBe(0);
    expect(Y.encodeStateVector(ydoc)).toEqual(before);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value.doc.toJSON()).toEqual({
      type: 'doc',
      content: [
        { type: 'paragraph', content: [{ type: 'text', text: 'alert(1)' }] },
        {
          type: 'table',
          content: [
            {
              type: 'tableRow',
              content: [
                {
                  type: 'tableCell',
                  attrs: { colspan: 1, rowspan: 1, colwidth: null, align: null },
                  content: [{ type: 'paragraph' }],
                },
              ],
            },
          ],
        },
        { type: 'paragraph', content: [{ type: 'text', text: 'bad link' }] },
      ],
    });
    expect(r.value.report.droppedLinks).toBe(1);
  });

  it('an empty Y.Doc is an empty document with no title', () => {
    const r = docFromYDoc(new Y.Doc());
    expect(r.ok && r.value.doc.toJSON()).toEqual({ type: 'doc', content: [{ type: 'paragraph' }] });
    expect(r.ok && r.value.title).toBe('');
  });

  it('titles are one line, NFC, at most 200 units, never a broken surrogate pair', () => {
    expect(cleanTitle('  a\nb\u2028c  ')).toBe('a b c');
    expect(cleanTitle('\u1112\u1161\u11ab')).toBe('한');
    expect(cleanTitle('가'.repeat(300))).toHaveLength(200);
    expect(cleanTitle('x'.repeat(199) + '😀')).toBe('x'.repeat(199));
  });
});
