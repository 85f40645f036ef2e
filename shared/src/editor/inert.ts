/**
 * Render-time allowlist for everything the schema turns into DOM.
 *
 * Every node and mark's `toDOM` output passes through `sanitizeDOMOutputSpec` before ProseMirror (or
 * getHTML, or the clipboard serializer) sees it. Document content can come from any peer as a Yjs
 * update that never went through parseHTML, so this is the one place that decides what reaches the
 * DOM: known tags only, known attributes only, each value checked. Event handlers, `style` with
 * `url()`, `src` and anything else an attacker might put in a node's attributes cannot get through
 * even if an extension's own renderHTML were to forward it.
 */
import { Extension } from '@tiptap/core';
import type { DOMOutputSpec, Schema } from '@tiptap/pm/model';
import { safeHref } from './safe-href';

type Check = (value: string) => string | null;

const MAX_TEXT_ATTR = 500;
export const BLOB_ID = /^[A-Za-z0-9_-]{16,128}$/;

const text: Check = (v) => (v.length <= MAX_TEXT_ATTR ? v : v.slice(0, MAX_TEXT_ATTR));
const oneOf =
  (...allowed: string[]): Check =>
  (v) =>
    allowed.includes(v) ? v : null;
const int =
  (min: number, max: number): Check =>
  (v) => {
    if (!/^-?\d{1,9}$/.test(v.trim())) return null;
    const n = Number(v);
    return n >= min && n <= max ? String(n) : null;
  };
const tokens: Check = (v) => (/^[A-Za-z0-9_\- ]{0,200}$/.test(v) ? v : null);
const px: Check = (v) => (/^(min-)?width: ?\d{1,6}(\.\d+)?px;?$/.test(v.trim()) ? v.trim() : null);
const textAlign: Check = (v) => (/^text-align: ?(left|right|center);?$/.test(v.trim()) ? v.trim() : null);
const colwidth: Check = (v) => (/^\d{1,6}(,\d{1,6}){0,999}$/.test(v) ? v : null);
const blobId: Check = (v) => (BLOB_ID.test(v) ? v : null);
const href: Check = (v) => safeHref(v);

const GLOBAL: Record<string, Check> = {
  class: tokens,
  'data-type': tokens,
  dir: oneOf('ltr', 'rtl', 'auto'),
  contenteditable: oneOf('false'),
};

const BY_TAG: Record<string, Record<string, Check>> = {
  a: { href, target: oneOf('_blank'), rel: tokens, title: text },
  img: { 'data-blob-id': blobId, alt: text, title: text, width: int(1, 100000), height: int(1, 100000) },
  td: { colspan: int(1, 1000), rowspan: int(1, 1000), colwidth, style: textAlign },
  th: { colspan: int(1, 1000), rowspan: int(1, 1000), colwidth, style: textAlign },
  table: { style: px },
  col: { style: px },
  ol: { start: int(-1000000, 1000000), type: oneOf('1', 'a', 'A', 'i', 'I') },
  // TaskItem renders the boolean itself: true arrives here as '' (see stringify), false as nothing
  li: { 'data-checked': (v) => (v === '' || v === 'true' ? 'true' : v === 'false' ? 'false' : null) },
  input: { type: oneOf('checkbox'), checked: () => 'checked', disabled: () => 'disabled' },
  pre: {},
  code: {},
};

const TAGS = new Set([
  'p',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'pre',
  'code',
  'ul',
  'ol',
  'li',
  'strong',
  'b',
  'em',
  'i',
  'u',
  's',
  'del',
  'a',
  'br',
  'hr',
  'table',
  'thead',
  'tbody',
  'tr',
  'td',
  'th',
  'colgroup',
  'col',
  'img',
  'span',
  'div',
  'label',
  'input',
  'figure',
  'figcaption',
  'mark',
  'sub',
  'sup',
]);

function stringify(value: unknown): string | null {
  if (value === null || value === undefined || value === false) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : null;
  if (value === true) return '';
  if (Array.isArray(value))
    return value.every((x) => typeof x === 'number' || typeof x === 'string') ? value.join(',') : null;
  // objects would stringify to "[object Object]" at best, attacker-chosen toString at worst
  return null;
}

/** Keeps the allowed attributes of `tag`, each value checked; drops everything else. */
export function sanitizeAttributes(tag: string, attrs: Readonly<Record<string, unknown>>): Record<string, string> {
  const rules = BY_TAG[tag] ?? {};
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(attrs)) {
    const lower = name.toLowerCase();
    const check = Object.prototype.hasOwnProperty.call(rules, lower)
      ? rules[lower]
      : Object.prototype.hasOwnProperty.call(GLOBAL, lower)
        ? GLOBAL[lower]
        : undefined;
    if (!check) continue;
    const value = stringify(raw);
    if (value === null) continue;
    const safe = check(value);
    if (safe !== null) out[lower] = safe;
  }
  if (tag === 'a') {
    // a link opens outside the document in a new tab and tells the target nothing
    if (out.href !== undefined && !out.href.startsWith('#')) {
      out.target = '_blank';
      out.rel = 'noopener noreferrer nofollow';
    } else {
      delete out.target;
      delete out.rel;
    }
  }
  return out;
}

function isAttrs(x: unknown): x is Record<string, unknown> {
  return (
    typeof x === 'object' && x !== null && !Array.isArray(x) && (x as { nodeType?: unknown }).nodeType === undefined
  );
}

function isDomNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && typeof (x as { nodeType?: unknown }).nodeType === 'number';
}

function sanitizeDomTree(node: Node): boolean {
  if (node.nodeType === 3) return true; // text
  if (node.nodeType !== 1) return false;
  const el = node as Element;
  const tag = el.localName;
  if (!TAGS.has(tag) || el.namespaceURI !== 'http://www.w3.org/1999/xhtml') return false;
  const attrs: Record<string, string> = {};
  for (const a of Array.from(el.attributes)) attrs[a.name] = a.value;
  const keep = sanitizeAttributes(tag, attrs);
  for (const a of Array.from(el.attributes)) if (!(a.name in keep)) el.removeAttribute(a.name);
  for (const [k, v] of Object.entries(keep)) if (el.getAttribute(k) !== v) el.setAttribute(k, v);
  return Array.from(el.childNodes).every(sanitizeDomTree);
}

/**
 * Returns a DOMOutputSpec with only allowed tags and attributes. Unknown tags become <span> (or <div>
 * when they hold content, so block content keeps a block container); namespaced tags (svg, math) too.
 */
export function sanitizeDOMOutputSpec(spec: DOMOutputSpec): DOMOutputSpec {
  if (typeof spec === 'string') return spec;
  if (Array.isArray(spec)) {
    const [rawTag, ...rest] = spec as readonly unknown[];
    const tagName = typeof rawTag === 'string' ? rawTag.toLowerCase() : '';
    // fast path for the bulk of a document (['p', {}, 0], ['strong', 0]): nothing to check
    if (TAGS.has(tagName) && rest[rest.length - 1] === 0) {
      if (rest.length === 1) return spec;
      if (rest.length === 2 && isAttrs(rest[0]) && Object.keys(rest[0]).length === 0) return spec;
    }
    let tag = TAGS.has(tagName) ? tagName : 'span';
    let attrs: Record<string, string> = {};
    let children = rest;
    if (isAttrs(rest[0])) {
      attrs = sanitizeAttributes(tag, rest[0]);
      children = rest.slice(1);
    }
    if (tag === 'span' && !TAGS.has(tagName) && children.length > 0) tag = 'div';
    const out: unknown[] = [tag, attrs];
    for (const child of children) {
      if (child === 0) out.push(0);
      else if (typeof child === 'string' || Array.isArray(child) || isDomNode(child))
        out.push(sanitizeDOMOutputSpec(child as DOMOutputSpec));
      // anything else (objects in child position) is not a valid spec part: drop it
    }
    return out as unknown as DOMOutputSpec;
  }
  if (isDomNode(spec)) return sanitizeDomTree(spec) ? spec : ['span', {}];
  if (typeof spec === 'object' && spec !== null && 'dom' in spec) {
    const { dom } = spec as { dom: Node; contentDOM?: HTMLElement };
    const contentDOM = (spec as { contentDOM?: HTMLElement }).contentDOM;
    if (sanitizeDomTree(dom)) return spec;
    return contentDOM ? ['div', {}, 0] : ['span', {}];
  }
  return ['span', {}];
}

const inertSchemas = new WeakSet<Schema>();

/** Wraps every node and mark `toDOM` of the schema with the allowlist. Idempotent per schema. */
export function makeSchemaInert(schema: Schema): void {
  if (inertSchemas.has(schema)) return;
  inertSchemas.add(schema);
  for (const type of Object.values(schema.nodes)) {
    const spec = type.spec;
    const toDOM = spec.toDOM;
    if (toDOM) spec.toDOM = (node) => sanitizeDOMOutputSpec(toDOM(node));
  }
  for (const type of Object.values(schema.marks)) {
    const spec = type.spec;
    const toDOM = spec.toDOM;
    if (toDOM) spec.toDOM = (mark, inline) => sanitizeDOMOutputSpec(toDOM(mark, inline));
  }
}

/**
 * Applies `makeSchemaInert` before the editor view exists (TipTap emits beforeCreate after building
 * the schema and before creating the view, and DOMSerializer reads `spec.toDOM` lazily).
 */
export const InertRendering = Extension.create({
  name: 'dureInertRendering',
  onBeforeCreate() {
    makeSchemaInert(this.editor.schema);
  },
});
