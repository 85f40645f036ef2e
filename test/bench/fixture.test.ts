import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { buildDoc, FRAGMENT, fragmentText } from './fixture';
import { loadTrace, replayPlain, type Patch, type Trace } from './trace';

const trace = (startContent: string, ...txns: Patch[][]): Trace => {
  const t = { startContent, endContent: '', txns: txns.map((patches) => ({ patches })) };
  return { ...t, endContent: replayPlain(t) };
};

/** Round-trips through the v2 bytes, as the benchmark pages receive them. */
function built(t: Trace): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdateV2(doc, Y.encodeStateAsUpdateV2(buildDoc(t)));
  return doc;
}

const paragraphs = (doc: Y.Doc): string[] =>
  doc
    .getXmlFragment(FRAGMENT)
    .toArray()
    .map((p) => (p as Y.XmlElement).nodeName);

describe('trace replay into paragraphs', () => {
  it('an empty trace is one empty paragraph', () => {
    const doc = built(trace(''));
    expect(paragraphs(doc)).toEqual(['paragraph']);
    expect(fragmentText(doc)).toBe('');
  });

  it('a newline splits a paragraph, deleting it joins them again', () => {
    const t1 = trace('hello world', [[5, 0, '\n']]);
    const d1 = built(t1);
    expect(fragmentText(d1)).toBe('hello\n world');
    expect(paragraphs(d1)).toHaveLength(2);
    const d2 = built(trace('hello world', [[5, 0, '\n']], [[5, 1, '']]));
    expect(fragmentText(d2)).toBe('hello world');
    expect(paragraphs(d2)).toHaveLength(1);
  });

  it('multi-line inserts and deletes across several lines', () => {
    const t = trace('ab\ncd\nef', [[1, 0, 'X\nY\nZ']], [[0, 9, '']], [[0, 0, 'q\n\n']], [[2, 1, '']]);
    const doc = built(t);
    expect(fragmentText(doc)).toBe(t.endContent);
    expect(paragraphs(doc)).toHaveLength(t.endContent.split('\n').length);
  });

  it('transactions with several patches in descending order', () => {
    const t = trace('one\ntwo\nthree', [
      [8, 5, 'THREE'],
      [3, 1, ' '],
      [0, 0, '>'],
    ]);
    expect(fragmentText(built(t))).toBe('>one two\nTHREE');
  });

  it('positions count code points (emoji and Hangul)', () => {
    const t = trace('😀한글\n😀', [[1, 1, '국']], [[4, 0, '🎉']], [[3, 2, '']]);
    expect(fragmentText(built(t))).toBe(t.endContent);
  });

  it('the cursor also moves backwards', () => {
    const t = trace('a\nb\nc\nd', [[7, 0, 'Z']], [[0, 0, 'A']], [[5, 0, '\n']], [[2, 1, '']]);
    expect(fragmentText(built(t))).toBe(t.endContent);
  });

  it.each(['automerge-paper', 'seph-blog1'] as const)('%s: the built document equals the trace end state', (name) => {
    const t = loadTrace(name);
    const doc = built(t);
    expect(fragmentText(doc)).toBe(t.endContent);
    expect(doc.getXmlFragment(FRAGMENT).length).toBe(t.endContent.split('\n').length);
  });
});
