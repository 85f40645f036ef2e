/**
 * The converters' view of the editor schema: the same extension set as the editor (so a converted
 * document is exactly what the editor would hold), built once, with the render allowlist applied and
 * the image node taught the Markdown blob-reference syntax.
 */
import {
  getExtensionField,
  getSchema,
  type AnyExtension,
  type JSONContent,
  type MarkdownRendererHelpers,
  type RenderContext,
} from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { MarkdownLists } from './markdown-lists';
import { createEditorExtensions, isBlobId, makeSchemaInert } from '../editor';

/** Images are references to a blob of the document: `![alt](dure-blob:<blobId>)`. */
export const BLOB_SCHEME = 'dure-blob:';

/** The blob id of a `dure-blob:` reference, or null for anything else (remote and data: images). */
export function blobIdOfHref(href: unknown): string | null {
  if (typeof href !== 'string' || !href.startsWith(BLOB_SCHEME)) return null;
  const id = href.slice(BLOB_SCHEME.length);
  return isBlobId(id) ? id : null;
}

/** Inside `![…]`: brackets, backslashes and what would open inline syntax; one line. */
function escapeAlt(alt: string): string {
  return alt.replace(/[\\[\]`*_<>]/g, (c) => '\\' + c).replace(/[\r\n]+/g, ' ');
}

/** marked hands over the alt text raw: undo CommonMark backslash escapes (ASCII punctuation). */
function unescapeAlt(raw: string): string {
  return raw.replace(/\\([!-/:-@[-`{-~])/g, '$1');
}

/**
 * The image node with Markdown support. A Markdown image that is not a blob reference becomes a
 * placeholder the normaliser removes and counts (see normalize.ts), so nothing is fetched, ever.
 */
const MarkdownImage = {
  markdownTokenName: 'image',
  parseMarkdown: (token: { href?: unknown; text?: unknown }) => ({
    type: 'image',
    attrs: {
      blobId: blobIdOfHref(token.href),
      alt: typeof token.text === 'string' && token.text !== '' ? unescapeAlt(token.text) : null,
    },
  }),
  renderMarkdown: (node: JSONContent) => {
    const blobId = node.attrs?.blobId;
    if (!isBlobId(blobId)) return '';
    const alt = typeof node.attrs?.alt === 'string' ? node.attrs.alt : '';
    return `![${escapeAlt(alt)}](${BLOB_SCHEME}${blobId})`;
  },
};

/** TipTap's own list tokenizers never match (see markdown-lists.ts): marked's native list tokens are used. */
const never = (name: string) => ({ name, level: 'block' as const, start: () => -1, tokenize: () => undefined });
const MarkdownOrderedList = { markdownTokenizer: never('orderedList') };
// renamed token: the manager would otherwise route lists that mix task and plain items to its own code
const MarkdownTaskList = {
  markdownTokenizer: never('taskList'),
  markdownTokenName: 'dureUnusedTaskList',
};

function kitChildren(kit: AnyExtension): AnyExtension[] {
  const add = getExtensionField<(() => AnyExtension[]) | undefined>(kit, 'addExtensions', {
    name: kit.name,
    options: kit.options,
    storage: kit.storage,
  });
  return add ? add() : [kit];
}

/** A heading is one line in Markdown: a break inside it is written as `<br>`, which the parser reads back as a break. */
const MarkdownHardBreak = {
  renderMarkdown: (_node: JSONContent, _h: unknown, ctx: RenderContext) =>
    ctx.parentType === 'heading' ? '<br>' : '  \n',
};

/**
 * `---` right under a paragraph line would make that line a heading (a setext underline); inside a
 * list item the serializer puts no blank line between them, so the rule is written `***` there.
 */
const MarkdownHorizontalRule = {
  renderMarkdown: (_node: JSONContent, _h: unknown, ctx: RenderContext) =>
    ctx.parentType === 'listItem' || ctx.parentType === 'taskItem' ? '***' : '---',
};

/**
 * Text at the start of a line that Markdown would read as block syntax (`# `, `- `, `+ `, `> `, `1. `,
 * a `~~~` fence, a `===` underline) is escaped; leading spaces are dropped, as Markdown drops them on
 * reading and four of them would make an indented code block. The library escapes only inline syntax.
 */
function escapeLineStarts(markdown: string): string {
  return markdown
    .split('\n')
    .map((line) =>
      line
        .replace(/^[ \t]+/, '')
        .replace(/^(#|>|-|\+|=|~~~)/, '\\$1')
        .replace(/^(\d{1,9})([.)])/, '$1\\$2'),
    )
    .join('\n');
}

type ParentRenderer = { parent?: (n: JSONContent, h: MarkdownRendererHelpers, c: RenderContext) => string };

const MarkdownParagraph = {
  renderMarkdown(this: ParentRenderer, node: JSONContent, h: MarkdownRendererHelpers, ctx: RenderContext) {
    return escapeLineStarts(this.parent?.(node, h, ctx) ?? '');
  },
};

/**
 * A list item's first paragraph keeps its later lines (after hard breaks) at the item's content
 * column. The library writes them at the margin, where marked ends the item at the next line and
 * drops the rest (an item `a  \nb` inside a nested list lost `b`).
 */
function indentContinuation(out: string, main: string): string {
  const marker = /^(?:[-+*]|\d{1,9}[.)]) /.exec(out);
  const lines = main.split('\n');
  if (!marker || lines.length < 2) return out;
  const prefix = /^(?:[-+*]|\d{1,9}[.)]) (?:\[[ xX]\] )?/.exec(out)![0];
  if (!out.startsWith(main, prefix.length)) return out;
  const pad = ' '.repeat(marker[0].length);
  const fixed = lines.map((l, i) => (i === 0 || l === '' ? l : pad + l)).join('\n');
  return prefix + fixed + out.slice(prefix.length + main.length);
}

const continuationAware = {
  renderMarkdown(this: ParentRenderer, node: JSONContent, h: MarkdownRendererHelpers, ctx: RenderContext): string {
    const out = this.parent?.(node, h, ctx) ?? '';
    const first = node.content?.[0];
    return first ? indentContinuation(out, h.renderChildren([first])) : out;
  },
};

const LISTS = new Set(['bulletList', 'orderedList', 'taskList']);

/**
 * Blocks joined by blank lines, with `<!-- -->` between two lists of one kind: without it they read
 * back as one list (CommonMark 4.6: an HTML block ends a list; the parser drops comments).
 */
export function joinBlocks(blocks: readonly JSONContent[], render: (b: JSONContent) => string): string {
  const parts: string[] = [];
  let previous: string | undefined;
  for (const block of blocks) {
    const md = render(block).replace(/^\n+|\s+$/g, '');
    if (md === '') continue;
    if (block.type === previous && LISTS.has(block.type ?? '')) parts.push('<!-- -->');
    parts.push(md);
    previous = block.type;
  }
  return parts.join('\n\n');
}

const MarkdownBlockquote = {
  renderMarkdown(node: JSONContent, h: MarkdownRendererHelpers) {
    const inner = joinBlocks(node.content ?? [], (b) => h.renderChildren([b]));
    return inner
      .split('\n')
      .map((line) => (line.trim() === '' ? '>' : `> ${line}`))
      .join('\n');
  },
};

let cached: { extensions: AnyExtension[]; schema: Schema } | undefined;

/** The editor's extensions (image with Markdown support) and their schema, with inert rendering. */
export function converterSchema(): { extensions: AnyExtension[]; schema: Schema } {
  if (!cached) {
    // each replacement extends the editor's own (configured) extension, so options such as
    // TaskItem's `nested` stay as the editor has them
    const replaced: Record<string, object> = {
      image: MarkdownImage,
      orderedList: MarkdownOrderedList,
      taskList: MarkdownTaskList,
      listItem: continuationAware,
      taskItem: continuationAware,
      hardBreak: MarkdownHardBreak,
      horizontalRule: MarkdownHorizontalRule,
      paragraph: MarkdownParagraph,
      blockquote: MarkdownBlockquote,
    };
    // StarterKit opened one level, so single extensions inside it can be swapped; the extension set
    // needs a Y.Doc only for collaboration options, none of which runs here
    const extensions = [MarkdownLists as AnyExtension, ...createEditorExtensions({ ydoc: new Y.Doc() })]
      .flatMap((e) => (e.name === 'starterKit' ? kitChildren(e) : [e]))
      .map((e) => {
        const config = replaced[e.name];
        return config ? (e as unknown as { extend(c: object): AnyExtension }).extend(config) : e;
      });
    const schema = getSchema(extensions);
    makeSchemaInert(schema);
    cached = { extensions, schema };
  }
  return cached;
}
