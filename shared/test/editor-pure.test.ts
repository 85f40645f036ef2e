import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { sanitizeAttributes, sanitizeDOMOutputSpec } from '../src/editor/inert';
import {
  checkSchema,
  checkSchemaVersion,
  META_MAP,
  SCHEMA_VERSION,
  SCHEMA_VERSION_KEY,
  SCHEMA_VERSION_ORIGIN,
  stampSchemaVersion,
} from '../src/editor/schema-version';
import { isValidColwidth, isValidSpan } from '../src/editor/table';
import { countCharacters, countDocument, countWords } from '../src/editor/words';
import { createEditorExtensions } from '../src/editor/extensions';
import { getSchema } from '@tiptap/core';
import { Fragment, Slice } from '@tiptap/pm/model';
import { EDITOR_COMMANDS } from '../src/editor/commands';

describe('countWords', () => {
  it.each([
    ['', 0],
    ['   ', 0],
    ['hello world', 2],
    ['hello   world\n\nagain', 3],
    ['한국어를 배웁니다', 2],
    ['우리는 오늘 회의에서 성명서를 함께 썼다.', 6],
    ['회의록 — 2026년 11월', 3],
    ['- 항목', 1],
    ['Dure(두레)는 협업 편집기', 3],
    ['東京へ行く', 5],
    ['e-mail, co-op!', 2],
    ['한국어\u3000띄어쓰기', 2],
  ])('%j -> %i', (text, n) => {
    expect(countWords(text)).toBe(n);
  });
});

describe('countCharacters', () => {
  it('counts graphemes, not UTF-16 units or jamo', () => {
    expect(countCharacters('한글')).toBe(2);
    expect(countCharacters('\u1112\u1161\u11ab')).toBe(1); // 한 as decomposed jamo
    expect(countCharacters('👍🏽')).toBe(1);
    expect(countCharacters('e\u0301')).toBe(1);
    expect(countCharacters('abc')).toBe(3);
  });
});

describe('sanitizeAttributes', () => {
  it('drops event handlers, style and src everywhere', () => {
    expect(
      sanitizeAttributes('p', { onclick: 'x()', ONMOUSEOVER: 'x()', style: 'background:url(//evil/)', class: 'ok' }),
    ).toEqual({ class: 'ok' });
    expect(
      sanitizeAttributes('img', {
        src: 'http://127.0.0.1:9/p.png',
        onerror: 'x()',
        'data-blob-id': 'AAAAAAAAAAAAAAAAAAAAAA',
        alt: 'a',
      }),
    ).toEqual({
      'data-blob-id': 'AAAAAAAAAAAAAAAAAAAAAA',
      alt: 'a',
    });
    expect(sanitizeAttributes('img', { srcset: 'http://evil/ 1x', 'data-blob-id': '../../x' })).toEqual({});
  });

  it('checks link targets and forces rel/target on external links', () => {
    expect(sanitizeAttributes('a', { href: 'javascript:alert(1)', target: '_self', rel: 'opener' })).toEqual({});
    expect(sanitizeAttributes('a', { href: 'https://example.org' })).toEqual({
      href: 'https://example.org/',
      target: '_blank',
      rel: 'noopener noreferrer nofollow',
    });
    expect(sanitizeAttributes('a', { href: '#s1', target: '_blank' })).toEqual({ href: '#s1' });
  });

  it('keeps table spans numeric and styles to widths/alignment', () => {
    expect(
      sanitizeAttributes('td', { colspan: '2', rowspan: '1e9', colwidth: '100,200', style: 'text-align: center' }),
    ).toEqual({
      colspan: '2',
      colwidth: '100,200',
      style: 'text-align: center',
    });
    expect(
      sanitizeAttributes('td', { colspan: '2" onmouseover="x', style: 'text-align: center; background: url(x)' }),
    ).toEqual({});
    expect(sanitizeAttributes('table', { style: 'min-width: 75px' })).toEqual({ style: 'min-width: 75px' });
    expect(sanitizeAttributes('col', { style: 'width: 0;background:url(//evil/)px' })).toEqual({});
  });

  it('refuses object values (attacker-chosen toString)', () => {
    expect(sanitizeAttributes('p', { class: { toString: () => 'x' } })).toEqual({});
  });
});

describe('sanitizeDOMOutputSpec', () => {
  it('rewrites unknown tags and strips nested attributes, keeping holes', () => {
    const out = sanitizeDOMOutputSpec([
      'script',
      { src: 'x' },
      ['a', { href: 'javascript:x', onclick: 'y' }, 0],
      ['iframe', { src: 'x' }],
    ]);
    expect(out).toEqual(['div', {}, ['a', {}, 0], ['span', {}]]);
  });
  it('leaves plain specs intact', () => {
    expect(sanitizeDOMOutputSpec(['h2', 0])).toEqual(['h2', 0]);
    expect(sanitizeDOMOutputSpec(['p', {}, 0])).toEqual(['p', {}, 0]);
    expect(sanitizeDOMOutputSpec(['p', { onclick: 'x' }, 0])).toEqual(['p', {}, 0]);
    expect(
      sanitizeDOMOutputSpec([
        'li',
        { 'data-type': 'taskItem', 'data-checked': 'true' },
        ['label', ['input', { type: 'checkbox', checked: 'checked' }]],
        ['div', 0],
      ]),
    ).toEqual([
      'li',
      { 'data-type': 'taskItem', 'data-checked': 'true' },
      ['label', {}, ['input', { type: 'checkbox', checked: 'checked' }]],
      ['div', 0],
    ]);
  });
});

describe('table attribute validation', () => {
  it('accepts sane spans and widths only', () => {
    expect(isValidSpan(1)).toBe(true);
    expect(isValidSpan(1000)).toBe(true);
    for (const v of [0, -1, 1.5, 1e9, '2', null, Number.NaN]) expect(isValidSpan(v)).toBe(false);
    expect(isValidColwidth(null)).toBe(true);
    expect(isValidColwidth([100, 0])).toBe(true);
    for (const v of [['100px'], [Number.NaN], [-1], '100', [1e9]]) expect(isValidColwidth(v)).toBe(false);
  });
});

describe('schema version', () => {
  it('a fresh document is ok and opening it writes nothing', () => {
    const doc = new Y.Doc();
    const before = Y.encodeStateAsUpdate(doc);
    expect(checkSchema(doc)).toEqual({ ok: true });
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
  });

  it('stamps once, with its own origin, without touching other meta keys', () => {
    const doc = new Y.Doc();
    doc.getMap(META_MAP).set('title', '회의록');
    const origins: unknown[] = [];
    doc.on('update', (_u: Uint8Array, origin: unknown) => origins.push(origin));
    expect(stampSchemaVersion(doc)).toBe(true);
    expect(stampSchemaVersion(doc)).toBe(false);
    expect(origins).toEqual([SCHEMA_VERSION_ORIGIN]);
    expect(doc.getMap(META_MAP).toJSON()).toEqual({ title: '회의록', [SCHEMA_VERSION_KEY]: SCHEMA_VERSION });
  });

  it('reports a newer version and never overwrites it', () => {
    const doc = new Y.Doc();
    doc.getMap(META_MAP).set(SCHEMA_VERSION_KEY, SCHEMA_VERSION + 1);
    expect(checkSchema(doc)).toEqual({ ok: false, error: 'newer-schema', found: SCHEMA_VERSION + 1 });
    expect(stampSchemaVersion(doc)).toBe(false);
    expect(doc.getMap(META_MAP).get(SCHEMA_VERSION_KEY)).toBe(SCHEMA_VERSION + 1);
  });

  it('treats garbage as not editable', () => {
    for (const v of ['1', 0, -3, 1.5, null, {}]) {
      const r = checkSchemaVersion(v);
      expect(r.ok, String(v)).toBe(false);
      if (!r.ok) expect(r.error).toBe('invalid-schema');
    }
    expect(checkSchemaVersion(SCHEMA_VERSION)).toEqual({ ok: true });
  });
});

describe('EDITOR_COMMANDS', () => {
  it('has unique names and i18n keys under editor.', () => {
    const names = EDITOR_COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const c of EDITOR_COMMANDS) expect(c.i18nKey).toBe(`editor.${c.name}`);
    expect(names).toEqual(
      expect.arrayContaining([
        'undo',
        'redo',
        'bold',
        'italic',
        'underline',
        'strike',
        'code',
        'link',
        'heading1',
        'bulletList',
        'orderedList',
        'taskList',
        'blockquote',
        'codeBlock',
        'horizontalRule',
        'table',
      ]),
    );
  });
});

describe('countDocument (per-block counts, remembered)', () => {
  const schema = getSchema(createEditorExtensions({ ydoc: new Y.Doc() }));
  const p = (text: string) => ({ type: 'paragraph', content: text ? [{ type: 'text', text }] : [] });
  const whole = (doc: ReturnType<typeof schema.nodeFromJSON>) => ({
    characters: countCharacters(doc.textBetween(0, doc.content.size, undefined, ' ')),
    words: countWords(doc.textBetween(0, doc.content.size, ' ', ' ')),
  });
  const doc = schema.nodeFromJSON({
    type: 'doc',
    content: [
      { type: 'heading', attrs: { level: 1 }, content: [{ type: 'text', text: '성명서 초안' }] },
      p('우리는 오늘 회의에서 성명서를 함께 썼다.'),
      p(''),
      { type: 'horizontalRule' },
      {
        type: 'bulletList',
        content: [
          { type: 'listItem', content: [p('first item'), p('둘째')] },
          { type: 'listItem', content: [p('東京へ行く')] },
        ],
      },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: [
              { type: 'tableCell', content: [p('a1 cell')] },
              { type: 'tableCell', content: [p('b1')] },
            ],
          },
        ],
      },
      p('e-mail, co-op! 👍🏽 café'),
    ],
  });

  it('equals counting the whole text at once', () => {
    expect(countDocument(doc)).toEqual(whole(doc));
    expect(countDocument(doc).words).toBeGreaterThan(10);
  });

  it('follows an edit: a changed block is counted again, the others are reused', () => {
    expect(countDocument(doc)).toEqual(whole(doc));
    const edited = doc.replace(
      doc.child(0).nodeSize + 1,
      doc.child(0).nodeSize + 1,
      new Slice(Fragment.from(schema.text('아주 긴 ')), 0, 0),
    );
    expect(edited.child(2)).toBe(doc.child(2));
    expect(countDocument(edited)).toEqual(whole(edited));
    expect(countDocument(edited).words).toBe(countDocument(doc).words + 2);
  });
});
