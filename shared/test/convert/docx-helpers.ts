/**
 * A document made of every structure DOCX export → import keeps exactly (shared by the node and the
 * browser DOCX tests). What the round trip changes on purpose is left out here and asserted on its
 * own: images (not written), an ordered list's start, code block languages, nested quotes, the
 * nesting of task lists, horizontal rules.
 */
import type { JSONContent } from '@tiptap/core';

const text = (t: string, marks?: JSONContent['marks']): JSONContent =>
  marks ? { type: 'text', text: t, marks } : { type: 'text', text: t };
const p = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });
const item = (...content: JSONContent[]): JSONContent => ({ type: 'listItem', content });
const cell = (type: 'tableCell' | 'tableHeader', t: string): JSONContent => ({ type, content: [p(text(t))] });

export const ROUND_TRIP_DOC: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [text('두레 회의록 Meeting notes')] },
    p(
      text('Plain, '),
      text('굵게', [{ type: 'bold' }]),
      text(', '),
      text('italic', [{ type: 'italic' }]),
      text(', '),
      text('underline', [{ type: 'underline' }]),
      text(', '),
      text('strike', [{ type: 'strike' }]),
      text(', '),
      text('코드', [{ type: 'code' }]),
      text(' and a '),
      text('링크', [{ type: 'link', attrs: { href: 'https://example.org/두레?q=1' } }]),
      text('.'),
    ),
    { type: 'heading', attrs: { level: 2 }, content: [text('Lists')] },
    {
      type: 'bulletList',
      content: [
        item(p(text('첫째')), { type: 'bulletList', content: [item(p(text('nested')))] }),
        item(p(text('second'))),
      ],
    },
    {
      type: 'orderedList',
      content: [item(p(text('one'))), item(p(text('two')), { type: 'orderedList', content: [item(p(text('inner')))] })],
    },
    {
      type: 'taskList',
      content: [
        { type: 'taskItem', attrs: { checked: false }, content: [p(text('할 일'))] },
        { type: 'taskItem', attrs: { checked: true }, content: [p(text('done'))] },
      ],
    },
    { type: 'heading', attrs: { level: 3 }, content: [text('Quotes and code')] },
    { type: 'blockquote', content: [p(text('인용문 A quote'))] },
    { type: 'codeBlock', content: [text("const greeting = '안녕하세요';\nreturn greeting;")] },
    { type: 'heading', attrs: { level: 4 }, content: [text('Table')] },
    {
      type: 'table',
      content: [
        { type: 'tableRow', content: [cell('tableHeader', '이름'), cell('tableHeader', 'Role')] },
        { type: 'tableRow', content: [cell('tableCell', '김민지'), cell('tableCell', 'notes')] },
      ],
    },
    p(text('끝.')),
  ],
};
