/**
 * Turns any ProseMirror-shaped JSON (from a Markdown parse, an HTML parse or a Y.Doc that a hostile
 * editor wrote) into a valid node of OUR schema, and counts what it had to leave out.
 *
 * It is an allowlist: known node and mark types only, each attribute checked (the same rules the
 * editor applies at render time: safeHref, blob ids, span limits), unknown attributes dropped. The
 * structure is repaired rather than rejected (text at the top level gets a paragraph, a table cell
 * outside a table gets its table, an image inside a paragraph splits it), so an import never fails
 * for a file that merely does not fit our schema, and never keeps anything it cannot check.
 */
import { Fragment, type Mark, type Node as PMNode, type NodeType, type Schema } from '@tiptap/pm/model';
import { isBlobId, isValidColwidth, isValidSpan, safeHref } from '../editor';

/** Deeper nesting than this is flattened to its text: no real document needs it, and it bounds recursion. */
export const MAX_DEPTH = 64;
const MAX_TEXT_ATTR = 500;
const HEADING_LEVELS = 4;

export interface ConvertReport {
  /** images that were not blob references of this document (remote, data:, missing id) */
  droppedImages: number;
  /** links whose target is not allowed (javascript:, data:, too long, ...): the text stays, the link goes */
  droppedLinks: number;
  /** nodes and marks of types our schema does not have, or that could not be placed */
  droppedNodes: number;
  /** subtrees nested deeper than MAX_DEPTH, kept as plain text */
  flattened: number;
}

export function emptyReport(): ConvertReport {
  return { droppedImages: 0, droppedLinks: 0, droppedNodes: 0, flattened: 0 };
}

export interface NormalizeOptions {
  /**
   * Markdown's whitespace rules (CommonMark 4.8, 6.7): a soft line break (a "\n" inside text) is a
   * space, and spaces or tabs at the start or end of a line (of a paragraph, or around a hard break)
   * are not content. Without this, a parse → serialise → parse round trip grows such whitespace.
   */
  markdownWhitespace?: boolean;
}

type Raw = Record<string, unknown>;

const isRaw = (x: unknown): x is Raw => typeof x === 'object' && x !== null && !Array.isArray(x);
const own = (o: object, k: string): boolean => Object.prototype.hasOwnProperty.call(o, k);

function textAttr(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v.slice(0, MAX_TEXT_ATTR) : null;
}

function intIn(v: unknown, min: number, max: number): number | null {
  const n = typeof v === 'string' && /^-?\d{1,9}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isInteger(n) && n >= min && n <= max ? n : null;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[]): T | null {
  return typeof v === 'string' && (allowed as readonly string[]).includes(v) ? (v as T) : null;
}

class Normalizer {
  readonly report = emptyReport();

  constructor(
    private readonly schema: Schema,
    private readonly opts: NormalizeOptions,
  ) {}

  /** Checked attributes for a node, or null when the node must go. */
  private nodeAttrs(type: NodeType, raw: unknown): Record<string, unknown> | null {
    const a: Raw = isRaw(raw) ? raw : {};
    switch (type.name) {
      case 'heading': {
        // a deeper heading is still a heading: the deepest one the editor has
        const level = intIn(a.level, 1, 1000000000) ?? 1;
        return { level: Math.min(level, HEADING_LEVELS) };
      }
      case 'codeBlock':
        return { language: typeof a.language === 'string' && /^[\w+#.-]{1,40}$/.test(a.language) ? a.language : null };
      case 'orderedList':
        return { start: intIn(a.start, -1000000, 1000000) ?? 1, type: oneOf(a.type, ['1', 'a', 'A', 'i', 'I']) };
      case 'taskItem':
        return { checked: a.checked === true || a.checked === 'true' };
      case 'tableCell':
      case 'tableHeader':
        return {
          colspan: isValidSpan(a.colspan) ? a.colspan : 1,
          rowspan: isValidSpan(a.rowspan) ? a.rowspan : 1,
          colwidth: isValidColwidth(a.colwidth ?? null) ? (a.colwidth ?? null) : null,
          align: oneOf(a.align, ['left', 'right', 'center']),
        };
      case 'image': {
        if (!isBlobId(a.blobId)) {
          this.report.droppedImages++;
          return null;
        }
        return {
          blobId: a.blobId,
          alt: textAttr(a.alt),
          width: intIn(a.width, 1, 100000),
          height: intIn(a.height, 1, 100000),
        };
      }
      default:
        return {};
    }
  }

  private marks(raw: unknown): readonly Mark[] {
    let set: readonly Mark[] = [];
    if (!Array.isArray(raw)) return set;
    for (const m of raw) {
      const name = isRaw(m) ? m.type : undefined;
      if (typeof name !== 'string' || !own(this.schema.marks, name)) {
        this.report.droppedNodes++;
        continue;
      }
      const type = this.schema.marks[name]!;
      let attrs: Record<string, unknown> = {};
      if (name === 'link') {
        const a: Raw = isRaw(m) && isRaw(m.attrs) ? m.attrs : {};
        const href = safeHref(a.href);
        if (href === null) {
          this.report.droppedLinks++;
          continue;
        }
        attrs = { href, title: textAttr(a.title) };
      }
      set = type.create(attrs).addToSet(set);
    }
    return set;
  }

  private text(raw: Raw, inCode: boolean): PMNode[] {
    if (typeof raw.text !== 'string' || raw.text === '') return [];
    const text = this.opts.markdownWhitespace && !inCode ? raw.text.replace(/\r?\n/g, ' ') : raw.text;
    return [this.schema.text(text, this.marks(raw.marks))];
  }

  /** A subtree too deep to rebuild: its text, as one paragraph. */
  private flatText(raw: Raw): PMNode[] {
    this.report.flattened++;
    const parts: string[] = [];
    const stack: unknown[] = [raw];
    // bounded by the input's size: every step pops one value, and every value was pushed once
    while (stack.length > 0) {
      const x = stack.pop();
      if (!isRaw(x)) continue;
      if (typeof x.text === 'string') parts.push(x.text);
      if (Array.isArray(x.content)) for (let i = x.content.length - 1; i >= 0; i--) stack.push(x.content[i]);
    }
    const text = parts.join(' ').trim();
    return text ? [this.schema.nodes.paragraph!.create(null, this.schema.text(text))] : [];
  }

  node(raw: unknown, depth: number, inCode: boolean): PMNode[] {
    if (!isRaw(raw)) return [];
    if (raw.type === 'text') return this.text(raw, inCode);
    if (depth >= MAX_DEPTH) return this.flatText(raw);
    const name = raw.type;
    const type = typeof name === 'string' && own(this.schema.nodes, name) ? this.schema.nodes[name] : undefined;
    const rawKids = Array.isArray(raw.content) ? raw.content : [];
    if (!type || type === this.schema.topNodeType || type.name === 'text') {
      // an unknown wrapper keeps its content; an unknown leaf is gone
      if (rawKids.length === 0) this.report.droppedNodes++;
      return rawKids.flatMap((c) => this.node(c, depth + 1, inCode));
    }
    const attrs = this.nodeAttrs(type, raw.attrs);
    if (attrs === null) return [];
    if (type.isLeaf) return [type.create(attrs)];
    const code = type.spec.code === true;
    const kids = rawKids.flatMap((c) => this.node(c, depth + 1, code));
    return type.isTextblock ? this.textblock(type, attrs, kids) : [this.container(type, attrs, kids)];
  }

  /** Inline content stays; a block inside splits the textblock around it. */
  textblock(type: NodeType, attrs: Record<string, unknown> | null, kids: readonly PMNode[]): PMNode[] {
    const out: PMNode[] = [];
    let run: PMNode[] = [];
    const trim = this.opts.markdownWhitespace === true && type.spec.code !== true;
    const flush = () => {
      if (trim) run = this.trimLines(run);
      if (run.length > 0) out.push(type.create(attrs, run));
      run = [];
    };
    for (const kid of kids) {
      if (!kid.isInline) {
        flush();
        out.push(kid);
        continue;
      }
      let inline: PMNode | null = kid;
      if (type.spec.code === true) {
        // code keeps characters only: a line break is a newline, anything else inline has no text form
        inline = kid.isText ? kid : kid.type.name === 'hardBreak' ? this.schema.text('\n') : null;
      }
      if (inline && !type.contentMatch.matchType(inline.type)) inline = null;
      if (!inline) {
        this.report.droppedNodes++;
        continue;
      }
      run.push(inline.mark(type.allowedMarks(inline.marks)));
    }
    flush();
    if (out.length === 0) out.push(type.create(attrs));
    return out;
  }

  /** Drops spaces and tabs at the start and end of each line (the block's ends and around hard breaks). */
  private trimLines(run: PMNode[]): PMNode[] {
    const trimmed: PMNode[] = [];
    let lineStart = true;
    for (const n of run) {
      if (n.isText && lineStart) {
        const t = n.text!.replace(/^[ \t]+/, '');
        if (t === '') continue;
        trimmed.push(t === n.text ? n : this.schema.text(t, n.marks));
      } else trimmed.push(n);
      lineStart = !n.isText;
    }
    const out: PMNode[] = [];
    let lineEnd = true;
    for (let i = trimmed.length - 1; i >= 0; i--) {
      const n = trimmed[i]!;
      if (n.isText && lineEnd) {
        const t = n.text!.replace(/[ \t]+$/, '');
        if (t === '') continue;
        out.push(t === n.text ? n : this.schema.text(t, n.marks));
      } else out.push(n);
      lineEnd = !n.isText;
    }
    return out.reverse();
  }

  container(type: NodeType, attrs: Record<string, unknown> | null, kids: readonly PMNode[]): PMNode {
    let match = type.contentMatch;
    const content: PMNode[] = [];
    const place = (node: PMNode): void => {
      const direct = match.matchType(node.type);
      if (direct) {
        content.push(node);
        match = direct;
        return;
      }
      // e.g. a list item that starts with a nested list gets its empty first paragraph
      const before = match.fillBefore(Fragment.from(node));
      if (before && before.childCount > 0) {
        const after = match.matchFragment(before)?.matchType(node.type);
        if (after) {
          before.forEach((n) => content.push(n));
          content.push(node);
          match = after;
          return;
        }
      }
      // e.g. a table cell at the top level gets a row and a table
      const wrapping = match.findWrapping(node.type);
      if (wrapping && wrapping.length > 0) {
        let wrapped: PMNode | null = node;
        for (let i = wrapping.length - 1; i >= 0 && wrapped; i--) wrapped = wrapping[i]!.createAndFill(null, wrapped);
        const after = wrapped ? match.matchType(wrapping[0]!) : null;
        if (wrapped && after) {
          content.push(wrapped);
          match = after;
          return;
        }
      }
      // nothing fits here: try its children one by one (a list item outside a list keeps its paragraphs)
      if (!node.isLeaf && node.childCount > 0 && !node.isTextblock) {
        node.forEach(place);
        return;
      }
      if (node.isTextblock && node.type !== this.schema.nodes.paragraph) {
        place(this.schema.nodes.paragraph!.create(null, node.content));
        return;
      }
      this.report.droppedNodes++;
    };
    for (let i = 0; i < kids.length;) {
      if (kids[i]!.isInline) {
        let j = i;
        while (j < kids.length && kids[j]!.isInline) j++;
        for (const p of this.textblock(this.schema.nodes.paragraph!, null, kids.slice(i, j))) place(p);
        i = j;
      } else {
        place(kids[i]!);
        i++;
      }
    }
    const end = match.fillBefore(Fragment.empty, true);
    const fragment = Fragment.fromArray(content).append(end ?? Fragment.empty);
    if (type.validContent(fragment)) return type.create(attrs, fragment);
    // should not happen with the steps above; an empty node is still valid and safe
    this.report.droppedNodes++;
    return type.createAndFill(attrs)!;
  }
}

/**
 * A valid document of `schema` from untrusted JSON. Never throws for any JSON value; the report says
 * what was left out so a tool can tell its user.
 */
export function normalizeDoc(
  json: unknown,
  schema: Schema,
  opts: NormalizeOptions = {},
): { doc: PMNode; report: ConvertReport } {
  const n = new Normalizer(schema, opts);
  const top = isRaw(json) && json.type === schema.topNodeType.name ? json.content : [json];
  const kids = (Array.isArray(top) ? top : []).flatMap((c) => n.node(c, 1, false));
  return { doc: n.container(schema.topNodeType, null, kids), report: n.report };
}
