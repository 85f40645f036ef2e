/**
 * A Markdown FILE is a document plus its title. The title travels as YAML front matter
 * (`---\ntitle: "…"\n---`, the convention of static site generators and note apps) when it is not
 * simply the document's first heading, so export → import keeps the title either way:
 * - import: front matter `title`, else the first heading, else the file's name;
 * - export: front matter only when the title is set and differs from the first heading.
 */
import type { Node as PMNode } from '@tiptap/pm/model';
import { ok, type Result } from '../result';
import { docToMarkdown, markdownToDoc, type MarkdownError } from './markdown';
import type { ConvertReport } from './normalize';
import { cleanTitle, firstHeadingText } from './ydoc';

const FRONT_MATTER = /^\ufeff?---[ \t]*\n([\s\S]*?)\n(?:---|\.\.\.)[ \t]*(?:\n|$)/;

function unquote(raw: string): string | undefined {
  const v = raw.trim();
  if (v.startsWith('"')) {
    try {
      const s: unknown = JSON.parse(v);
      return typeof s === 'string' ? s : undefined;
    } catch {
      return undefined;
    }
  }
  if (v.startsWith("'")) return v.endsWith("'") && v.length >= 2 ? v.slice(1, -1).replace(/''/g, "'") : undefined;
  return v.replace(/\s+#.*$/, '');
}

/** Splits off YAML front matter; only a one-line `title` is read from it, the rest is dropped. */
export function splitFrontMatter(text: string): { title: string | undefined; body: string } {
  const normalized = text.replace(/\r\n?/g, '\n');
  const m = FRONT_MATTER.exec(normalized);
  if (!m) return { title: undefined, body: normalized.replace(/^\ufeff/, '') };
  const line = m[1]!.split('\n').find((l) => /^title[ \t]*:/.test(l));
  const title = line === undefined ? undefined : unquote(line.slice(line.indexOf(':') + 1));
  return { title: title === undefined ? undefined : cleanTitle(title), body: normalized.slice(m[0].length) };
}

/** The name of a file without its folder and its last extension, as a title. */
export function titleFromFileName(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? '';
  return cleanTitle(base.replace(/\.[^.]*$/, '') || base);
}

export function importMarkdownFile(
  text: string,
  fileName: string,
): Result<{ doc: PMNode; title: string; report: ConvertReport }, MarkdownError> {
  const { title, body } = splitFrontMatter(text);
  const r = markdownToDoc(body);
  if (!r.ok) return r;
  const chosen = title || firstHeadingText(r.value.doc) || titleFromFileName(fileName);
  return ok({ doc: r.value.doc, title: chosen, report: r.value.report });
}

export function exportMarkdownFile(doc: PMNode, title: string): string {
  const body = docToMarkdown(doc);
  const t = cleanTitle(title);
  if (t === '' || t === firstHeadingText(doc)) return body;
  // JSON string syntax is a valid YAML double-quoted scalar
  return `---\ntitle: ${JSON.stringify(t)}\n---\n\n${body}`;
}
