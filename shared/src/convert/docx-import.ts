/**
 * DOCX → document, on the device: mammoth turns Word's styles into semantic HTML, which then takes
 * the existing HTML import path (an inert DOM, OUR schema's parse rules with safeHref on every link,
 * normalize.ts), so a Word file is held to exactly the rules of an HTML file.
 *
 * mammoth does no sanitising itself ("javascript: targets … may reference files outside of the
 * source document"): external file access stays off, and every link and image is checked again by
 * the HTML path. Pictures are never inlined as data: URIs (mammoth's default): the caller's
 * `keepImage` gets their bytes and answers a blob id (the web app stores them in the new document's
 * encrypted blob store), or they are dropped and counted.
 */
import type { Node as PMNode } from '@tiptap/pm/model';
import { err, ok, type Result } from '../result';
import { isBlobId } from '../editor';
import { htmlToDoc } from './html';
import type { ConvertReport } from './normalize';
import { CODE_CHAR_STYLE_NAME, CODE_STYLE, QUOTE_STYLE, TASK_DONE, TASK_OPEN } from './docx-export';
import { titleFromFileName } from './markdown-file';
import { firstHeadingText } from './ydoc';

/** A .docx larger than this is refused before it is unzipped. */
export const MAX_DOCX_BYTES = 20 * 1024 * 1024;

export type DocxError = 'too-large' | 'not-docx' | 'no-dom';

export interface DocxImport {
  readonly doc: PMNode;
  readonly report: ConvertReport;
  /** what mammoth could not map (unknown styles, unsupported elements), each once, for the user */
  readonly warnings: readonly string[];
}

interface DOMParserLike {
  parseFromString(html: string, type: 'text/html'): Document;
}

/** A picture embedded in the .docx, as mammoth hands it over. */
export interface DocxImage {
  readonly bytes: Uint8Array;
  readonly contentType: string;
}

export interface DocxOptions {
  /**
   * Keeps a picture: resolves to the blob id under which the caller will hold it (see
   * web/src/pages/import.ts: stored in the new document's encrypted blob store), or null to drop
   * it. Without this, every picture is dropped and counted.
   */
  readonly keepImage?: (image: DocxImage) => Promise<string | null>;
}

/**
 * Word's built-in names and the ones our exporter writes; mammoth's defaults already map "Heading 1"–
 * "Heading 6", lists, tables, bold, italic, strike and links. Headings 5 and 6 become level 4, the
 * deepest our schema has.
 */
const STYLE_MAP = [
  'u => u',
  `r[style-name='${CODE_CHAR_STYLE_NAME}'] => code`,
  "r[style-name='HTML Code'] => code",
  `p[style-name='${CODE_STYLE}'] => pre:separator('\\n')`,
  "p[style-name='HTML Preformatted'] => pre:separator('\\n')",
  `p[style-name='${QUOTE_STYLE}'] => blockquote > p:fresh`,
  "p[style-name='Intense Quote'] => blockquote > p:fresh",
  "p[style-name='Title'] => h1:fresh",
];

const isZip = (b: Uint8Array): boolean => b.length >= 4 && b[0] === 0x50 && b[1] === 0x4b && b[2] === 3 && b[3] === 4;

const TASK_PREFIX = new RegExp(`^[${TASK_OPEN}${TASK_DONE}]\\s?`);

/**
 * Paragraphs that start with ☐ or ☑ (how docx-export.ts writes task items, and how people type
 * checklists in Word) become task items; consecutive ones form one task list.
 */
function restoreTaskLists(dom: Document): void {
  const paragraphs = [...dom.body.querySelectorAll('p')].filter((p) => TASK_PREFIX.test(p.textContent ?? ''));
  let list: HTMLElement | null = null;
  for (const p of paragraphs) {
    const checked = (p.textContent ?? '').startsWith(TASK_DONE);
    const first = firstText(p);
    if (first) first.data = first.data.replace(TASK_PREFIX, '');
    const item = dom.createElement('li');
    item.setAttribute('data-type', 'taskItem');
    item.setAttribute('data-checked', String(checked));
    const previous = p.previousElementSibling;
    if (!list || previous !== list) {
      list = dom.createElement('ul');
      list.setAttribute('data-type', 'taskList');
      p.before(list);
    }
    list.append(item);
    item.append(p);
  }
}

/**
 * Word anchors every picture in a paragraph of its own; the schema's image is a block, so such a
 * paragraph would leave an empty one behind. A paragraph that holds only pictures is replaced by them.
 */
function liftImages(dom: Document): void {
  for (const p of dom.body.querySelectorAll('p')) {
    const images = p.querySelectorAll('img');
    if (images.length > 0 && (p.textContent ?? '').trim() === '' && p.children.length === images.length) {
      p.replaceWith(...images);
    }
  }
}

function firstText(node: Node): Text | null {
  const walker = node.ownerDocument!.createTreeWalker(node, 4 /* NodeFilter.SHOW_TEXT */);
  return walker.nextNode() as Text | null;
}

/**
 * Converts DOCX bytes into a valid document of our schema. `parser` defaults to the platform's
 * DOMParser; without one (plain Node) the result is `no-dom`, as for HTML.
 */
export async function docxToDoc(
  bytes: Uint8Array,
  parser?: DOMParserLike,
  options: DocxOptions = {},
): Promise<Result<DocxImport, DocxError>> {
  if (bytes.length > MAX_DOCX_BYTES) return err('too-large', `more than ${MAX_DOCX_BYTES} bytes`);
  if (!isZip(bytes)) return err('not-docx', 'not a ZIP container');
  const Platform = (globalThis as { DOMParser?: new () => DOMParserLike }).DOMParser;
  const p = parser ?? (Platform ? new Platform() : undefined);
  if (!p) return err('no-dom');
  const loaded = await import('mammoth');
  // a CommonJS module: its exports are the default export under Node and Vite alike
  const mammoth = loaded.default;
  let images = 0;
  let converted: Awaited<ReturnType<typeof mammoth.convertToHtml>>;
  try {
    const copy = bytes.slice();
    // mammoth's Node build reads `buffer`, its browser build `arrayBuffer`; both accept these bytes
    const input = { buffer: copy, arrayBuffer: copy.buffer } as unknown as Parameters<typeof mammoth.convertToHtml>[0];
    converted = await mammoth.convertToHtml(input, {
      styleMap: STYLE_MAP,
      externalFileAccess: false,
      convertImage: mammoth.images.imgElement(async (image) => {
        const blobId = options.keepImage
          ? await options.keepImage({
              bytes: new Uint8Array(await image.readAsArrayBuffer()),
              contentType: image.contentType,
            })
          : null;
        if (blobId !== null && isBlobId(blobId)) return { src: '', 'data-blob-id': blobId };
        images++;
        return { src: '' };
      }),
    });
  } catch (e) {
    return err('not-docx', e instanceof Error ? e.message : String(e));
  }
  const dom = p.parseFromString(converted.value, 'text/html');
  restoreTaskLists(dom);
  liftImages(dom);
  const r = htmlToDoc(converted.value, { parseFromString: () => dom });
  if (!r.ok) return r.error === 'no-dom' ? err('no-dom') : err('too-large', r.detail);
  const warnings = [...new Set(converted.messages.map((m) => m.message))];
  const report = { ...r.value.report, droppedImages: Math.max(r.value.report.droppedImages, images) };
  return ok({ doc: r.value.doc, report, warnings });
}

/** A .docx FILE: the document, and its title (the first heading, else the file's name). */
export async function importDocxFile(
  bytes: Uint8Array,
  fileName: string,
  parser?: DOMParserLike,
  options?: DocxOptions,
): Promise<Result<DocxImport & { readonly title: string }, DocxError>> {
  const r = await docxToDoc(bytes, parser, options);
  if (!r.ok) return r;
  return ok({ ...r.value, title: firstHeadingText(r.value.doc) || titleFromFileName(fileName) });
}
