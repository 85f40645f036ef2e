/**
 * HTML ⇄ document.
 *
 * Export needs no DOM: every node and mark is rendered through the schema's own `toDOM` (which
 * makeSchemaInert wraps in the editor's render allowlist) and the resulting DOMOutputSpec arrays are
 * written as a string, so the CLI can export in plain Node. Import needs an HTML parser: it takes the
 * platform's DOMParser (browser, Electron renderer) and reports `no-dom` elsewhere. Parsing happens in
 * an inert document (no script runs, nothing loads), then through OUR schema's parse rules (unknown
 * tags dropped, only `img[data-blob-id]` is an image, links checked by safeHref), then normalize.ts.
 */
import type { JSONContent } from '@tiptap/core';
import { DOMParser as PMDOMParser, type DOMOutputSpec, type Mark, type Node as PMNode } from '@tiptap/pm/model';
import { safeHref } from '../editor/safe-href';
import { err, ok, type Result } from '../result';
import { normalizeDoc, type ConvertReport } from './normalize';
import { converterSchema } from './schema';

/** Same bound as Markdown: an HTML file of more characters is refused before parsing. */
export const MAX_HTML_CHARS = 8 * 1024 * 1024;

const VOID = new Set(['br', 'hr', 'img', 'input', 'col']);

function escapeText(s: string): string {
  return s.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

function escapeAttr(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

const TAG_NAME = /^[a-z][a-z0-9]*$/;
const ATTR_NAME = /^[a-z][a-z0-9-]*$/;

/**
 * Writes a DOMOutputSpec; `hole` is called where the spec has its content hole (0). The specs come
 * from the allowlisted toDOM, so the tag and attribute checks here are a second line, not the first.
 */
function writeSpec(spec: DOMOutputSpec, hole: () => string): string {
  if (typeof spec === 'string') return escapeText(spec);
  if (!Array.isArray(spec)) return ''; // a DOM node (only in a browser, never from our schema): left out
  const [rawTag, ...rest] = spec as readonly unknown[];
  const tag = typeof rawTag === 'string' ? rawTag.toLowerCase() : '';
  if (!TAG_NAME.test(tag)) return '';
  let attrs = '';
  let children = rest;
  const first = rest[0];
  if (typeof first === 'object' && first !== null && !Array.isArray(first)) {
    for (const [name, value] of Object.entries(first as Record<string, unknown>)) {
      if (value === null || value === undefined || !ATTR_NAME.test(name)) continue;
      attrs += value === '' ? ` ${name}` : ` ${name}="${escapeAttr(String(value))}"`;
    }
    children = rest.slice(1);
  }
  if (VOID.has(tag)) return `<${tag}${attrs}>`;
  let inner = '';
  for (const child of children) inner += child === 0 ? hole() : writeSpec(child as DOMOutputSpec, hole);
  return `<${tag}${attrs}>${inner}</${tag}>`;
}

function writeMarked(marks: readonly Mark[], inner: () => string): string {
  if (marks.length === 0) return inner();
  const [outer, ...others] = marks;
  const toDOM = outer!.type.spec.toDOM;
  if (!toDOM) return writeMarked(others, inner);
  return writeSpec(toDOM(outer!, true), () => writeMarked(others, inner));
}

/** Inline content: adjacent nodes that share marks share the marks' elements, as in the DOMSerializer. */
function writeInline(parent: PMNode): string {
  let out = '';
  let i = 0;
  const nodes: PMNode[] = [];
  parent.forEach((n) => nodes.push(n));
  while (i < nodes.length) {
    const outer = nodes[i]!.marks[0];
    if (!outer) {
      out += writeNode(nodes[i]!);
      i++;
      continue;
    }
    // the run of following nodes that also carry `outer` as their outermost mark
    let j = i + 1;
    while (j < nodes.length && nodes[j]!.marks[0]?.eq(outer)) j++;
    const run = nodes.slice(i, j).map((n) => n.mark(n.marks.slice(1)));
    const { schema } = converterSchema();
    const inner = schema.nodes.paragraph!.create(null, run);
    out += writeMarked([outer], () => writeInline(inner));
    i = j;
  }
  return out;
}

function writeNode(node: PMNode): string {
  if (node.isText) return escapeText(node.text ?? '');
  const toDOM = node.type.spec.toDOM;
  const content = () => (node.inlineContent ? writeInline(node) : writeChildren(node));
  if (!toDOM) return content();
  return writeSpec(toDOM(node), content);
}

function writeChildren(node: PMNode): string {
  let out = '';
  node.forEach((child) => (out += writeNode(child)));
  return out;
}

/** The document body as HTML (no scripts, no remote references: images carry only data-blob-id). */
export function docToHtml(doc: PMNode | JSONContent): string {
  const { schema } = converterSchema();
  const json = 'toJSON' in doc && typeof doc.toJSON === 'function' ? (doc as PMNode).toJSON() : doc;
  return writeChildren(normalizeDoc(json, schema).doc);
}

/**
 * Shown as in the editor: spaces kept (the editor is white-space: pre-wrap), task items with their
 * box beside the text, tables with borders.
 */
const STYLE =
  'p,h1,h2,h3,h4,th,td{white-space:pre-wrap}' +
  'ul[data-type=taskList]{list-style:none;padding-left:0}' +
  'li[data-type=taskItem]{display:flex;gap:.5em}' +
  'table{border-collapse:collapse}th,td{border:1px solid #999;padding:.2em .4em;vertical-align:top}' +
  'li p,td p,th p{margin:.2em 0}';

/**
 * A standalone HTML file. Its Content-Security-Policy forbids every fetch and script, so even a
 * reader that opens it from disk in a browser loads nothing.
 */
export function htmlDocument(title: string, bodyHtml: string): string {
  return (
    '<!doctype html>\n<html>\n<head>\n<meta charset="utf-8">\n' +
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">\n` +
    `<title>${escapeText(title)}</title>\n<style>${STYLE}</style>\n</head>\n<body>\n${bodyHtml}\n</body>\n</html>\n`
  );
}

export type HtmlError = 'too-large' | 'no-dom';

interface DOMParserLike {
  parseFromString(html: string, type: 'text/html'): Document;
}

/**
 * Parses HTML into a valid document of our schema. `parser` defaults to the platform's DOMParser;
 * without one (plain Node) the result is `no-dom`.
 */
export function htmlToDoc(
  html: string,
  parser?: DOMParserLike,
): Result<{ doc: PMNode; report: ConvertReport }, HtmlError> {
  if (html.length > MAX_HTML_CHARS) return err('too-large', `more than ${MAX_HTML_CHARS} characters`);
  const Platform = (globalThis as { DOMParser?: new () => DOMParserLike }).DOMParser;
  const p = parser ?? (Platform ? new Platform() : undefined);
  if (!p) return err('no-dom');
  const { schema } = converterSchema();
  // a document made by DOMParser has no browsing context: its scripts never run, its images never load
  const dom = p.parseFromString(html, 'text/html');
  const parsed = PMDOMParser.fromSchema(schema).parse(dom.body);
  const normalized = normalizeDoc(parsed.toJSON(), schema);
  // The schema's parse rules already skip external images and unsafe links, so normalizeDoc never sees
  // them; count them from the page so the user is told what was left out.
  const images = dom.body.querySelectorAll('img:not([data-blob-id])').length;
  const links = [...dom.body.querySelectorAll('a[href]')].filter((a) => safeHref(a.getAttribute('href')) === null);
  const { report } = normalized;
  return ok({
    doc: normalized.doc,
    report: {
      ...report,
      droppedImages: Math.max(report.droppedImages, images),
      droppedLinks: Math.max(report.droppedLinks, links.length),
    },
  });
}
