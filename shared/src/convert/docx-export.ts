/**
 * Document → DOCX, written by our own serializer over the `docx` library (no server, no Pro
 * extension: ESSENTIALS.md §4). The document is normalised first, so only our schema's nodes and
 * marks, with checked attributes, reach Word.
 *
 * The mapping is chosen so that docx-import.ts (mammoth) reads the file back to the same structure:
 * headings use Word's built-in "Heading N" styles, lists use numbering definitions (one numbering
 * instance per list, so every numbered list restarts at 1), code blocks and quotes use the paragraph
 * styles "Code" and "Quote" defined here. Task items become paragraphs starting with ☐ or ☑ (Word has
 * no task list); the importer turns such paragraphs back into task items.
 *
 * Pictures are written when the caller hands over their bytes (`image`: the web app reads them from
 * the document's encrypted blob store); a picture it cannot give, or of a type Word does not show
 * (WebP), is written as its alt text in brackets. Not written: an ordered list's start number,
 * column widths.
 */
import type { JSONContent } from '@tiptap/core';
import type { Node as PMNode } from '@tiptap/pm/model';
import type * as Docx from 'docx';
import { normalizeDoc } from './normalize';
import { converterSchema } from './schema';

export const TASK_OPEN = '☐';
export const TASK_DONE = '☑';
export const CODE_STYLE = 'Code';
export const QUOTE_STYLE = 'Quote';
/** a character style, so the importer can tell inline code from text that merely uses a monospace font */
export const CODE_CHAR_STYLE = 'CodeChar';
export const CODE_CHAR_STYLE_NAME = 'Code Char';
const MONO = 'Courier New';
/** Word's list indent per level, in twips. */
const INDENT = 360;
const LIST_LEVELS = 9;

type Lib = typeof Docx;
type Block = Docx.Paragraph | Docx.Table;
type Inline = Docx.ParagraphChild;

/** A picture's bytes and its size in pixels, as the caller holds them. */
export interface DocxPicture {
  readonly bytes: Uint8Array;
  readonly mime: string;
  readonly width: number;
  readonly height: number;
}

export interface DocxExportOptions {
  /** The picture stored under `blobId`, or null when it is not available. */
  readonly image?: (blobId: string) => Promise<DocxPicture | null>;
}

/** Word's page is about 6.5 inches wide: wider pictures are scaled down to this many pixels (96 per inch). */
const MAX_PICTURE_WIDTH = 600;
const WORD_TYPES: Record<string, 'png' | 'jpg' | 'gif' | 'bmp'> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
};

interface Ctx {
  readonly lib: Lib;
  readonly pictures: ReadonlyMap<string, DocxPicture>;
  /** the next numbering instance: each list gets its own, so numbers restart per list */
  instance: number;
}

interface Place {
  /** list nesting: reference and level of the paragraph's bullet or number, if any */
  readonly list?: { reference: 'bullets' | 'numbers'; level: number; instance: number };
  /** left indent in list levels, for paragraphs inside a list item that carry no number */
  readonly indent: number;
  readonly style?: string;
}

interface MarkSet {
  bold?: boolean;
  italics?: boolean;
  underline?: object;
  strike?: boolean;
  font?: string;
  style?: string;
  link?: string;
}

function marksOf(node: JSONContent): MarkSet {
  const m: MarkSet = {};
  for (const mark of node.marks ?? []) {
    if (mark.type === 'bold') m.bold = true;
    else if (mark.type === 'italic') m.italics = true;
    else if (mark.type === 'underline') m.underline = {};
    else if (mark.type === 'strike') m.strike = true;
    else if (mark.type === 'code') {
      m.font = MONO;
      m.style = CODE_CHAR_STYLE;
    } else if (mark.type === 'link' && typeof mark.attrs?.href === 'string') m.link = mark.attrs.href;
  }
  return m;
}

function inlines(ctx: Ctx, node: JSONContent, prefix?: string): Inline[] {
  const { lib } = ctx;
  const out: Inline[] = [];
  if (prefix) out.push(new lib.TextRun(prefix));
  for (const child of node.content ?? []) {
    const { link, ...style } = marksOf(child);
    let run: Docx.TextRun;
    if (child.type === 'text') run = new lib.TextRun({ text: child.text ?? '', ...style });
    else if (child.type === 'hardBreak') run = new lib.TextRun({ break: 1, ...style });
    else continue;
    // a hyperlink per run: adjacent runs of one link stay one link for mammoth (it joins equal hrefs)
    out.push(link ? new lib.ExternalHyperlink({ link, children: [run] }) : run);
  }
  return out;
}

function paragraph(ctx: Ctx, children: Inline[], place: Place, extra: Partial<Docx.IParagraphOptions> = {}) {
  const { lib } = ctx;
  return new lib.Paragraph({
    children,
    ...(place.style ? { style: place.style } : {}),
    ...(place.list
      ? { numbering: place.list }
      : place.indent > 0
        ? { indent: { left: INDENT * (place.indent + 1) } }
        : {}),
    ...extra,
  });
}

const HEADINGS = ['HEADING_1', 'HEADING_2', 'HEADING_3', 'HEADING_4', 'HEADING_5', 'HEADING_6'] as const;

function blocks(ctx: Ctx, nodes: readonly JSONContent[], place: Place): Block[] {
  return nodes.flatMap((n) => block(ctx, n, place));
}

function listItems(ctx: Ctx, list: JSONContent, place: Place, reference: 'bullets' | 'numbers'): Block[] {
  const level = Math.min(place.list ? place.list.level + 1 : place.indent, LIST_LEVELS - 1);
  const instance = ctx.instance++;
  const out: Block[] = [];
  for (const item of list.content ?? []) {
    const [first, ...rest] = item.content ?? [];
    if (first) out.push(...block(ctx, first, { ...place, list: { reference, level, instance } }));
    out.push(...blocks(ctx, rest, { indent: level + 1, style: place.style }));
  }
  return out;
}

function taskItems(ctx: Ctx, list: JSONContent, place: Place): Block[] {
  const indent = place.list ? place.list.level + 1 : place.indent;
  const out: Block[] = [];
  for (const item of list.content ?? []) {
    const [first, ...rest] = item.content ?? [];
    const box = item.attrs?.checked === true ? TASK_DONE : TASK_OPEN;
    const p = first ?? { type: 'paragraph' };
    out.push(paragraph(ctx, inlines(ctx, p, `${box} `), { indent, style: place.style }));
    out.push(...blocks(ctx, rest, { indent: indent + 1, style: place.style }));
  }
  return out;
}

function table(ctx: Ctx, node: JSONContent): Docx.Table {
  const { lib } = ctx;
  const rows = (node.content ?? []).map((row) => {
    const cells = row.content ?? [];
    const header = cells.length > 0 && cells.every((c) => c.type === 'tableHeader');
    return new lib.TableRow({
      // only set when true: docx writes <w:tblHeader/> for any defined value
      ...(header ? { tableHeader: true } : {}),
      children: cells.map((cell) => {
        const colspan = typeof cell.attrs?.colspan === 'number' ? cell.attrs.colspan : 1;
        const rowspan = typeof cell.attrs?.rowspan === 'number' ? cell.attrs.rowspan : 1;
        const content = blocks(ctx, cell.content ?? [], { indent: 0 });
        return new lib.TableCell({
          children: content.length > 0 ? content : [new lib.Paragraph({})],
          ...(colspan > 1 ? { columnSpan: colspan } : {}),
          ...(rowspan > 1 ? { rowSpan: rowspan } : {}),
        });
      }),
    });
  });
  return new lib.Table({ rows, width: { size: 100, type: lib.WidthType.PERCENTAGE } });
}

function block(ctx: Ctx, node: JSONContent, place: Place): Block[] {
  const { lib } = ctx;
  switch (node.type) {
    case 'paragraph':
      return [paragraph(ctx, inlines(ctx, node), place)];
    case 'heading': {
      const level = typeof node.attrs?.level === 'number' ? node.attrs.level : 1;
      const heading = lib.HeadingLevel[HEADINGS[Math.min(Math.max(level, 1), 6) - 1]!];
      return [paragraph(ctx, inlines(ctx, node), { ...place, style: undefined }, { heading })];
    }
    case 'bulletList':
      return listItems(ctx, node, place, 'bullets');
    case 'orderedList':
      return listItems(ctx, node, place, 'numbers');
    case 'taskList':
      return taskItems(ctx, node, place);
    case 'blockquote':
      return blocks(ctx, node.content ?? [], { ...place, style: QUOTE_STYLE });
    case 'codeBlock': {
      // one Word paragraph per line: the importer joins consecutive "Code" paragraphs into one block
      const text = (node.content ?? []).map((t) => t.text ?? '').join('');
      return text
        .split('\n')
        .map((line) => paragraph(ctx, [new lib.TextRun({ text: line, font: MONO })], { ...place, style: CODE_STYLE }));
    }
    case 'horizontalRule':
      return [paragraph(ctx, [], place, { thematicBreak: true })];
    case 'table':
      return [table(ctx, node)];
    case 'image': {
      const alt = typeof node.attrs?.alt === 'string' && node.attrs.alt !== '' ? node.attrs.alt : 'image';
      const picture = typeof node.attrs?.blobId === 'string' ? ctx.pictures.get(node.attrs.blobId) : undefined;
      const type = picture ? WORD_TYPES[picture.mime] : undefined;
      if (!picture || !type || !(picture.width > 0 && picture.height > 0)) {
        return [paragraph(ctx, [new lib.TextRun({ text: `[${alt}]`, italics: true })], place)];
      }
      const scale = Math.min(1, MAX_PICTURE_WIDTH / picture.width);
      const run = new lib.ImageRun({
        type,
        data: picture.bytes,
        transformation: {
          width: Math.max(1, Math.round(picture.width * scale)),
          height: Math.max(1, Math.round(picture.height * scale)),
        },
        altText: { name: alt, description: alt, title: alt },
      });
      return [paragraph(ctx, [run], place)];
    }
    default:
      return [];
  }
}

/** Every picture the document shows, fetched once each before the (synchronous) serializer runs. */
async function picturesOf(doc: JSONContent, options: DocxExportOptions): Promise<Map<string, DocxPicture>> {
  const found = new Map<string, DocxPicture>();
  const { image } = options;
  if (!image) return found;
  const ids = new Set<string>();
  const walk = (n: JSONContent): void => {
    if (n.type === 'image' && typeof n.attrs?.blobId === 'string') ids.add(n.attrs.blobId);
    n.content?.forEach(walk);
  };
  walk(doc);
  for (const id of ids) {
    const picture = await image(id);
    if (picture) found.set(id, picture);
  }
  return found;
}

function levels(lib: Lib, format: 'bullet' | 'decimal'): Docx.ILevelsOptions[] {
  const bullets = ['•', '◦', '▪'];
  return Array.from({ length: LIST_LEVELS }, (_, level) => ({
    level,
    format: format === 'bullet' ? lib.LevelFormat.BULLET : lib.LevelFormat.DECIMAL,
    text: format === 'bullet' ? bullets[level % bullets.length]! : `%${level + 1}.`,
    alignment: lib.AlignmentType.LEFT,
    style: { paragraph: { indent: { left: INDENT * (level + 1), hanging: INDENT / 2 } } },
  }));
}

/**
 * The document as DOCX bytes. `docx` is loaded on first use (about 77 KB gzip), so callers that never
 * export to Word never load it.
 */
export async function docToDocx(
  doc: PMNode | JSONContent,
  title = '',
  options: DocxExportOptions = {},
): Promise<Uint8Array> {
  const lib: Lib = await import('docx');
  const { schema } = converterSchema();
  const json = 'toJSON' in doc && typeof doc.toJSON === 'function' ? (doc as PMNode).toJSON() : doc;
  const normalized = normalizeDoc(json, schema).doc.toJSON() as JSONContent;
  const ctx: Ctx = { lib, instance: 0, pictures: await picturesOf(normalized, options) };
  const children = blocks(ctx, normalized.content ?? [], { indent: 0 });
  const file = new lib.Document({
    title,
    creator: 'Dure',
    styles: {
      characterStyles: [{ id: CODE_CHAR_STYLE, name: CODE_CHAR_STYLE_NAME, run: { font: MONO } }],
      paragraphStyles: [
        {
          id: CODE_STYLE,
          name: CODE_STYLE,
          basedOn: 'Normal',
          run: { font: MONO, size: 20 },
          paragraph: { spacing: { before: 0, after: 0 } },
        },
        {
          id: QUOTE_STYLE,
          name: QUOTE_STYLE,
          basedOn: 'Normal',
          run: { italics: true, color: '555555' },
          paragraph: { indent: { left: INDENT * 2 } },
        },
      ],
    },
    numbering: {
      config: [
        { reference: 'bullets', levels: levels(lib, 'bullet') },
        { reference: 'numbers', levels: levels(lib, 'decimal') },
      ],
    },
    sections: [{ children: children.length > 0 ? children : [new lib.Paragraph({})] }],
  });
  return new Uint8Array(await lib.Packer.toArrayBuffer(file));
}
