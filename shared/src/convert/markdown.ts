/**
 * Markdown ⇄ document, through @tiptap/markdown (each extension of our schema carries its own
 * Markdown rules) and then normalize.ts (so a parsed document holds only what our schema allows).
 *
 * Choices (see README in shared/cli):
 * - GFM: headings, emphasis, strike, inline code, links, bullet/ordered/task lists, blockquotes,
 *   fenced code with a language, rules, tables, hard breaks (two spaces or a backslash at line end).
 * - Images are blob references of the document: `![alt](dure-blob:<blobId>)`. Any other image is
 *   left out (and counted), so importing a file never makes anyone fetch anything.
 * - Raw HTML stays literal text, the same in Node and in the browser (the library would parse it
 *   with a DOM only where one exists, so the same file would import differently in the CLI and the
 *   app); `<br>` is a hard break and HTML comments are dropped. Nothing in it is ever interpreted.
 * - Soft line breaks become spaces, as every Markdown viewer shows them.
 */
import type { JSONContent } from '@tiptap/core';
import { MarkdownManager } from '@tiptap/markdown';
import type { Node as PMNode } from '@tiptap/pm/model';
import { err, ok, type Result } from '../result';
import { normalizeDoc, type ConvertReport } from './normalize';
import { converterSchema, joinBlocks } from './schema';

/** Bigger inputs are refused: 8 Mi characters of Markdown is far beyond any document the editor handles well. */
export const MAX_MARKDOWN_CHARS = 8 * 1024 * 1024;

export type MarkdownError = 'too-large' | 'unparseable';

interface HtmlToken {
  text?: string;
  raw?: string;
  block?: boolean;
}

function literalHtml(token: HtmlToken): JSONContent | null {
  const html = token.text || token.raw || '';
  const trimmed = html.trim();
  if (trimmed === '' || /^<!--[\s\S]*?-->$/.test(trimmed)) return null;
  if (/^<br\s*\/?>$/i.test(trimmed)) return { type: 'hardBreak' };
  const text: JSONContent = { type: 'text', text: token.block ? html.replace(/\s+$/, '') : html };
  return token.block ? { type: 'paragraph', content: [text] } : text;
}

let manager: MarkdownManager | undefined;

function markdownManager(): MarkdownManager {
  if (!manager) {
    const m = new MarkdownManager({ extensions: converterSchema().extensions, markedOptions: { gfm: true } });
    // parseHTMLToken is private in the typings; replacing it is the one way to make raw HTML inert and
    // the same everywhere (see above)
    (m as unknown as { parseHTMLToken: (t: HtmlToken) => JSONContent | null }).parseHTMLToken = literalHtml;
    manager = m;
  }
  return manager;
}

/** Parses Markdown into a valid document of our schema; what had to be left out is in `report`. */
export function markdownToDoc(markdown: string): Result<{ doc: PMNode; report: ConvertReport }, MarkdownError> {
  if (markdown.length > MAX_MARKDOWN_CHARS) return err('too-large', `more than ${MAX_MARKDOWN_CHARS} characters`);
  let json: JSONContent;
  try {
    json = markdownManager().parse(markdown.replace(/\r\n?/g, '\n'));
  } catch (e) {
    // e.g. nesting deep enough to exhaust the parser's stack
    return err('unparseable', e instanceof Error ? e.message.slice(0, 200) : undefined);
  }
  return ok(normalizeDoc(json, converterSchema().schema, { markdownWhitespace: true }));
}

/** The document as GFM Markdown; the input is normalised first, so hostile JSON serialises safely. */
export function docToMarkdown(doc: PMNode | JSONContent): string {
  const { schema } = converterSchema();
  const json = 'toJSON' in doc && typeof doc.toJSON === 'function' ? (doc as PMNode).toJSON() : doc;
  const safe = normalizeDoc(json, schema).doc.toJSON() as JSONContent;
  const m = markdownManager();
  return joinBlocks(safe.content ?? [], (block) => m.serialize({ type: 'doc', content: [block] })) + '\n';
}
