/**
 * Builds an editing trace DIRECTLY in Yjs into a rich-text document in TipTap's schema: the
 * Y.XmlFragment 'default' holds one `paragraph` Y.XmlElement per line, each with one Y.XmlText. A
 * newline splits a paragraph; deleting a newline joins two. Replaying the 260k edits through an editor
 * would take a quarter of an hour; this takes seconds, and the bytes are cached in test/bench/.cache/.
 *
 * Run directly (`node --import tsx test/bench/fixture.ts [name...]`) to build and cache the fixtures.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as Y from 'yjs';
import { countPatches, loadTrace, tracePath, TRACE_NAMES, type Trace, type TraceName } from './trace';

export const FRAGMENT = 'default';
export const CACHE_DIR = join(dirname(fileURLToPath(import.meta.url)), '.cache');
/** Bump when the way a fixture is built changes, so stale caches are rebuilt. */
const BUILD_VERSION = 1;

const hasSurrogates = (s: string): boolean => /[\uD800-\uDFFF]/.test(s);

/** UTF-16 offset of code point `cp` in `s` (Y.XmlText counts UTF-16 units; the traces count code points). */
function utf16Offset(s: string, cp: number, astral: boolean): number {
  if (!astral) return cp;
  let i = 0;
  for (let n = 0; n < cp; n++) i += (s.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
  return i;
}

const cpLength = (s: string, astral: boolean): number => (astral ? [...s].length : s.length);

interface Line {
  text: Y.XmlText;
  /** the line's content, kept in JS to map code points to UTF-16 offsets and to check the result */
  str: string;
  /** length in code points */
  len: number;
  astral: boolean;
}

/**
 * The document as lines, with a cursor (line index + the code-point position where that line starts)
 * that moves from the last edit: edits are local, so finding a position costs a few steps, not a scan.
 */
export class RichTextBuilder {
  readonly fragment: Y.XmlFragment;
  private readonly lines: Line[] = [];
  private curLine = 0;
  private curStart = 0;

  constructor(readonly doc: Y.Doc) {
    this.fragment = doc.getXmlFragment(FRAGMENT);
    if (this.fragment.length !== 0) throw new Error('RichTextBuilder needs an empty fragment');
    doc.transact(() => this.insertParagraph(0, ''));
  }

  private makeLine(str: string): { para: Y.XmlElement; line: Line } {
    const para = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    // Preliminary content is applied when the paragraph is integrated.
    if (str.length > 0) text.insert(0, str);
    para.insert(0, [text]);
    const astral = hasSurrogates(str);
    return { para, line: { text, str, len: cpLength(str, astral), astral } };
  }

  private insertParagraph(index: number, str: string): void {
    const { para, line } = this.makeLine(str);
    this.fragment.insert(index, [para]);
    this.lines.splice(index, 0, line);
  }

  /** Moves the cursor to the line holding code-point position `pos` (a line's end, before its newline, counts). */
  private seek(pos: number): { index: number; offset: number } {
    let i = Math.min(this.curLine, this.lines.length - 1);
    let start = i === this.curLine ? this.curStart : 0;
    if (i !== this.curLine) {
      for (let k = 0; k < i; k++) start += this.lines[k]!.len + 1;
    }
    while (pos < start) {
      i--;
      start -= this.lines[i]!.len + 1;
    }
    while (pos > start + this.lines[i]!.len) {
      start += this.lines[i]!.len + 1;
      i++;
      if (i >= this.lines.length) throw new Error(`position ${pos} is past the end of the document`);
    }
    this.curLine = i;
    this.curStart = start;
    return { index: i, offset: pos - start };
  }

  private setLine(line: Line, str: string): void {
    line.str = str;
    line.astral = hasSurrogates(str);
    line.len = cpLength(str, line.astral);
  }

  private insertInLine(index: number, offset: number, s: string): void {
    if (s.length === 0) return;
    const line = this.lines[index]!;
    const at = utf16Offset(line.str, offset, line.astral);
    line.text.insert(at, s);
    this.setLine(line, line.str.slice(0, at) + s + line.str.slice(at));
  }

  /** Splits line `index` at code point `offset`: the tail becomes a new paragraph after it. */
  private split(index: number, offset: number): void {
    const line = this.lines[index]!;
    const at = utf16Offset(line.str, offset, line.astral);
    const tail = line.str.slice(at);
    if (tail.length > 0) line.text.delete(at, tail.length);
    this.setLine(line, line.str.slice(0, at));
    this.insertParagraph(index + 1, tail);
  }

  /** Deletes the newline after line `index`: the next line's text moves to its end, its paragraph goes. */
  private join(index: number): void {
    const line = this.lines[index]!;
    const next = this.lines[index + 1];
    if (!next) throw new Error('cannot delete past the end of the document');
    if (next.str.length > 0) line.text.insert(line.str.length, next.str);
    this.setLine(line, line.str + next.str);
    this.fragment.delete(index + 1, 1);
    this.lines.splice(index + 1, 1);
  }

  delete(pos: number, count: number): void {
    let left = count;
    for (let guard = 0; left > 0; guard++) {
      if (guard > count + 1) throw new Error('delete did not progress');
      const { index, offset } = this.seek(pos);
      const line = this.lines[index]!;
      if (offset < line.len) {
        const k = Math.min(left, line.len - offset);
        const from = utf16Offset(line.str, offset, line.astral);
        const to = utf16Offset(line.str, offset + k, line.astral);
        line.text.delete(from, to - from);
        this.setLine(line, line.str.slice(0, from) + line.str.slice(to));
        left -= k;
      } else {
        this.join(index);
        left -= 1;
      }
    }
  }

  insert(pos: number, s: string): void {
    if (s.length === 0) return;
    const { index, offset } = this.seek(pos);
    const parts = s.split('\n');
    if (parts.length === 1) {
      this.insertInLine(index, offset, s);
      return;
    }
    // "a\nb\nc" at offset k of "XY": split to "X" | "Y", then "X"+"a", new lines "b", "c"+"Y".
    this.split(index, offset);
    this.insertInLine(index, offset, parts[0]!);
    for (let p = 1; p < parts.length - 1; p++) this.insertParagraph(index + p, parts[p]!);
    this.insertInLine(index + parts.length - 1, 0, parts[parts.length - 1]!);
  }

  /** One trace transaction: its patches, in order, as one Yjs transaction. */
  apply(patches: readonly (readonly [number, number, string])[]): void {
    this.doc.transact(() => {
      for (const [pos, del, ins] of patches) {
        if (del > 0) this.delete(pos, del);
        if (ins.length > 0) this.insert(pos, ins);
      }
    });
  }

  get lineCount(): number {
    return this.lines.length;
  }

  /** The text as the builder believes it is (lines joined by newlines). */
  text(): string {
    return this.lines.map((l) => l.str).join('\n');
  }
}

/** The text of a built document read back from Yjs itself: paragraphs joined by newlines. */
export function fragmentText(doc: Y.Doc): string {
  const out: string[] = [];
  for (const para of doc.getXmlFragment(FRAGMENT).toArray()) {
    if (!(para instanceof Y.XmlElement) || para.nodeName !== 'paragraph') throw new Error('not a paragraph');
    out.push(
      para
        .toArray()
        .map((t) => (t instanceof Y.XmlText ? t.toString() : ''))
        .join(''),
    );
  }
  return out.join('\n');
}

export function buildDoc(trace: Trace, clientID = 1): Y.Doc {
  const doc = new Y.Doc();
  // A fixed client id makes the bytes reproducible run to run.
  doc.clientID = clientID;
  const b = new RichTextBuilder(doc);
  if (trace.startContent.length > 0) b.apply([[0, 0, trace.startContent]]);
  for (const txn of trace.txns) b.apply(txn.patches);
  return doc;
}

export interface FixtureMeta {
  readonly name: TraceName;
  readonly buildVersion: number;
  readonly traceSha256: string;
  readonly patches: number;
  readonly chars: number;
  readonly paragraphs: number;
  readonly v1Bytes: number;
  readonly v2Bytes: number;
  readonly buildMs: number;
  /** sha256 of endContent: the page checks the editor shows exactly this */
  readonly textSha256: string;
}

export interface Fixture {
  readonly meta: FixtureMeta;
  readonly v1: Uint8Array;
  readonly v2: Uint8Array;
  readonly v1Path: string;
  readonly v2Path: string;
}

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex');

function cachePaths(name: TraceName): { meta: string; v1: string; v2: string } {
  return {
    meta: join(CACHE_DIR, `${name}.meta.json`),
    v1: join(CACHE_DIR, `${name}.v1.bin`),
    v2: join(CACHE_DIR, `${name}.v2.bin`),
  };
}

/** Builds (or reads from the cache) the fixture of one trace. Throws if the built text differs from the trace's end state. */
export function getFixture(name: TraceName, opts: { rebuild?: boolean } = {}): Fixture {
  const paths = cachePaths(name);
  const traceSha256 = sha256(readFileSync(tracePath(name)));
  if (!opts.rebuild && existsSync(paths.meta) && existsSync(paths.v1) && existsSync(paths.v2)) {
    const meta = JSON.parse(readFileSync(paths.meta, 'utf8')) as FixtureMeta;
    if (meta.buildVersion === BUILD_VERSION && meta.traceSha256 === traceSha256) {
      const v1 = new Uint8Array(readFileSync(paths.v1));
      const v2 = new Uint8Array(readFileSync(paths.v2));
      if (v1.length === meta.v1Bytes && v2.length === meta.v2Bytes)
        return { meta, v1, v2, v1Path: paths.v1, v2Path: paths.v2 };
    }
  }
  const trace = loadTrace(name);
  const t0 = performance.now();
  const doc = buildDoc(trace);
  const buildMs = performance.now() - t0;
  const v1 = Y.encodeStateAsUpdate(doc);
  const v2 = Y.encodeStateAsUpdateV2(doc);
  // Check the bytes, not the builder's own idea of the text: decode into a fresh doc and read it back.
  const check = new Y.Doc();
  Y.applyUpdateV2(check, v2);
  const text = fragmentText(check);
  if (text !== trace.endContent) {
    throw new Error(
      `fixture ${name}: built text (${text.length} chars) differs from the trace's endContent (${trace.endContent.length})`,
    );
  }
  const meta: FixtureMeta = {
    name,
    buildVersion: BUILD_VERSION,
    traceSha256,
    patches: countPatches(trace),
    chars: [...trace.endContent].length,
    paragraphs: check.getXmlFragment(FRAGMENT).length,
    v1Bytes: v1.length,
    v2Bytes: v2.length,
    buildMs: Math.round(buildMs),
    textSha256: sha256(trace.endContent),
  };
  mkdirSync(CACHE_DIR, { recursive: true });
  writeFileSync(paths.v1, v1);
  writeFileSync(paths.v2, v2);
  writeFileSync(paths.meta, JSON.stringify(meta, null, 2) + '\n');
  return { meta, v1, v2, v1Path: paths.v1, v2Path: paths.v2 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const rebuild = args.includes('--rebuild');
  const names = args.filter((a) => !a.startsWith('--'));
  for (const name of names.length > 0 ? names : TRACE_NAMES) {
    if (!(TRACE_NAMES as readonly string[]).includes(name)) throw new Error(`unknown trace ${name}`);
    const f = getFixture(name as TraceName, { rebuild });
    console.log(JSON.stringify(f.meta));
  }
}
