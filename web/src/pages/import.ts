/**
 * Import of a Markdown, HTML, text or Word (.docx) file as a NEW document, converted on this device
 * (nothing is uploaded). The converters are loaded on first use, so the list page's bundle does not
 * carry them (the DOCX reader, mammoth, is about 92 KB gzip and loads only for a .docx).
 *
 * The conversion runs on the main thread: the HTML path (which DOCX takes too, after mammoth) needs
 * DOMParser, which workers lack. It is bounded instead: files over the size limit are refused before
 * being read, and the button shows a busy state (painted before the conversion starts) until the new
 * document opens.
 */
import type { Node as PMNode } from '@tiptap/pm/model';
import { err, ok, type Result } from '@dure/shared';
import { safeHref } from '@dure/shared/editor/safe-href';
import type { ConvertReport } from '@dure/shared/convert/index';
import type { AppContext } from '../app';
import type { JSONContent } from '@tiptap/core';
import type { AppCore, CoreError, OpenedDoc } from '../core/types';
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';

export const MAX_IMPORT_BYTES = 5 * 1024 * 1024;
/** Word files carry their pictures (which are counted, not kept), so they may be larger; = MAX_DOCX_BYTES. */
export const MAX_IMPORT_DOCX_BYTES = 20 * 1024 * 1024;
export const IMPORT_ACCEPT = '.md,.markdown,.html,.htm,.txt,.docx';

export type ImportError = 'too-large' | 'unsupported' | 'unreadable' | CoreError;

export interface Converted {
  readonly doc: PMNode;
  readonly title: string;
  readonly report: ConvertReport;
  /**
   * Pictures from a Word file, prepared like an inserted image (downscaled, raster only), by the
   * temporary blob id the doc refers to them with; createDocFrom stores them in the new document's
   * blob store and puts the real ids in.
   */
  readonly images?: ReadonlyMap<string, { readonly bytes: Uint8Array; readonly mime: string }>;
}

const kindOf = (name: string): 'markdown' | 'html' | 'docx' | undefined => {
  const ext = /\.([^.]+)$/.exec(name.toLowerCase())?.[1];
  if (ext === 'md' || ext === 'markdown' || ext === 'txt') return 'markdown';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'docx') return 'docx';
  return undefined;
};

/** The size limit for a file of this name. */
export const importLimitFor = (name: string): number =>
  kindOf(name) === 'docx' ? MAX_IMPORT_DOCX_BYTES : MAX_IMPORT_BYTES;

async function convertDocx(file: File): Promise<Result<Converted, 'too-large' | 'unreadable'>> {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await file.arrayBuffer());
  } catch {
    return err('unreadable');
  }
  const [d, { prepareImage }] = await Promise.all([
    import('@dure/shared/convert/docx'),
    import('../editor/image-prep'),
  ]);
  const images = new Map<string, { bytes: Uint8Array; mime: string }>();
  const keepImage = async (image: { bytes: Uint8Array; contentType: string }): Promise<string | null> => {
    const prepared = await prepareImage(
      new Blob([image.bytes as Uint8Array<ArrayBuffer>], { type: image.contentType }),
    );
    if (!prepared.ok) return null;
    const id = `docximport${images.size.toString().padStart(8, '0')}`;
    images.set(id, { bytes: prepared.value.bytes, mime: prepared.value.mime });
    return id;
  };
  const r = await d.importDocxFile(bytes, file.name, undefined, { keepImage });
  if (!r.ok) return err(r.error === 'too-large' ? 'too-large' : 'unreadable');
  return ok({ doc: r.value.doc, title: r.value.title, report: r.value.report, images });
}

/** Stores the pictures the doc refers to and swaps their temporary ids for the stored blobs' ids. */
async function storeImages(doc: OpenedDoc, converted: Converted): Promise<Result<PMNode, CoreError | 'too-large'>> {
  const images = converted.images;
  if (!images || images.size === 0) return ok(converted.doc);
  const ids = new Map<string, string>();
  const json = converted.doc.toJSON() as JSONContent;
  const walk = async (node: JSONContent): Promise<Result<true, CoreError | 'too-large'>> => {
    const temp = node.type === 'image' ? node.attrs?.blobId : undefined;
    const image = typeof temp === 'string' ? images.get(temp) : undefined;
    if (node.attrs && typeof temp === 'string' && image) {
      let id = ids.get(temp);
      if (id === undefined) {
        const stored = await doc.putBlob(image.bytes, image.mime);
        if (!stored.ok) return stored;
        id = stored.value;
        ids.set(temp, id);
      }
      node.attrs = { ...node.attrs, blobId: id };
    }
    for (const child of node.content ?? []) {
      const r = await walk(child);
      if (!r.ok) return r;
    }
    return ok(true);
  };
  const r = await walk(json);
  if (!r.ok) return r;
  const { converterSchema } = await import('@dure/shared/convert/index');
  return ok(converterSchema().schema.nodeFromJSON(json));
}

/** The file as a document of our schema, its title and what was left out. */
export async function convertFile(file: File): Promise<Result<Converted, 'too-large' | 'unsupported' | 'unreadable'>> {
  const kind = kindOf(file.name);
  if (file.size > importLimitFor(file.name)) return err('too-large');
  if (!kind) return err('unsupported');
  if (kind === 'docx') return convertDocx(file);
  let text: string;
  try {
    text = await file.text();
  } catch {
    return err('unreadable');
  }
  const c = await import('@dure/shared/convert/index');
  if (kind === 'markdown') {
    const r = c.importMarkdownFile(text, file.name);
    return r.ok ? ok(r.value) : err(r.error === 'too-large' ? 'too-large' : 'unreadable');
  }
  // parsed once: for the <title> here and for the body by htmlToDoc (an inert document: nothing runs or loads)
  const dom = new DOMParser().parseFromString(text, 'text/html');
  const r = c.htmlToDoc(text, { parseFromString: () => dom });
  if (!r.ok) return err(r.error === 'too-large' ? 'too-large' : 'unreadable');
  const title = c.cleanTitle(dom.title) || c.firstHeadingText(r.value.doc) || c.titleFromFileName(file.name);
  return ok({ doc: r.value.doc, title, report: withHtmlLeftOut(r.value.report, dom) });
}

/**
 * The HTML parser's rules skip an image that is not one of ours and a link whose target is not
 * allowed without counting them (only normalize.ts counts, and they never reach it), so they are
 * counted here from the parsed page; the larger count wins, so nothing is told twice.
 */
function withHtmlLeftOut(report: ConvertReport, dom: Document): ConvertReport {
  const images = dom.body.querySelectorAll('img:not([data-blob-id])').length;
  const links = [...dom.body.querySelectorAll('a[href]')].filter((a) => safeHref(a.getAttribute('href')) === null);
  return {
    ...report,
    droppedImages: Math.max(report.droppedImages, images),
    droppedLinks: Math.max(report.droppedLinks, links.length),
  };
}

/**
 * Creates a document holding `converted`: the body, title and schema stamp are written in one Y.Doc
 * transaction, saved, and listed under its title. A document that could not be filled is removed.
 */
export async function createDocFrom(core: AppCore, converted: Converted): Promise<Result<string, CoreError>> {
  const created = await core.createDoc();
  if (!created.ok) return created;
  const docId = created.value;
  const opened = await core.openDoc(docId);
  if (!opened.ok) {
    await core.deleteDoc(docId);
    return opened;
  }
  const doc = opened.value;
  let body: Result<PMNode, CoreError | 'too-large'>;
  try {
    body = await storeImages(doc, converted);
    if (!body.ok) {
      await doc.close();
      await core.deleteDoc(docId);
      return err(body.error === 'too-large' ? 'io' : body.error);
    }
  } catch (e) {
    await doc.close();
    await core.deleteDoc(docId);
    throw e;
  }
  try {
    const { writeDocToYDoc, cleanTitle } = await import('@dure/shared/convert/index');
    writeDocToYDoc(doc.ydoc, body.value, converted.title);
    await doc.setMeta({ title: cleanTitle(converted.title), updatedAt: Date.now() });
    await doc.flush();
  } finally {
    await doc.close();
  }
  return ok(docId);
}

export async function importFile(
  core: AppCore,
  file: File,
): Promise<Result<{ docId: string; report: ConvertReport }, ImportError>> {
  const c = await convertFile(file);
  if (!c.ok) return c;
  const d = await createDocFrom(core, c.value);
  return d.ok ? ok({ docId: d.value, report: c.value.report }) : d;
}

/** One sentence naming what the converter left out, or undefined when nothing was. */
export function leftOutSentence(report: ConvertReport): string | undefined {
  const parts: string[] = [];
  if (report.droppedImages > 0) parts.push(t('import.part.images', { count: report.droppedImages }));
  if (report.droppedLinks > 0) parts.push(t('import.part.links', { count: report.droppedLinks }));
  if (report.droppedNodes > 0) parts.push(t('import.part.nodes', { count: report.droppedNodes }));
  if (report.flattened > 0) parts.push(t('import.part.flattened', { count: report.flattened }));
  return parts.length === 0 ? undefined : t('import.leftOut', { items: parts.join(t('import.separator')) });
}

/** `fileName`, when given, picks the size limit the message names (Word files have a larger one). */
export function importErrorText(e: ImportError, fileName = ''): string {
  switch (e) {
    case 'too-large':
      return t('import.tooLarge', { mb: importLimitFor(fileName) / 1024 / 1024 });
    case 'unsupported':
      return t('import.unsupported');
    case 'unreadable':
      return t('import.unreadable');
    case 'quota':
      return t('errors.quota');
    case 'locked':
      return t('errors.locked');
    default:
      return t('errors.storage');
  }
}

const nextPaint = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));

/** The list's "Import" button and its hidden file picker. */
export function createImportControl(ctx: AppContext): HTMLElement {
  const input = h('input', {
    testid: 'import-file',
    attrs: { type: 'file', accept: IMPORT_ACCEPT, hidden: true, 'aria-label': t('import.button') },
  });
  const label = h('span', { text: t('import.button') });
  const button = h(
    'button',
    {
      class: 'btn',
      testid: 'import-document',
      attrs: { type: 'button', title: t('import.hint') },
      on: { click: () => input.click() },
    },
    label,
  );

  async function run(file: File): Promise<void> {
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
    label.textContent = t('import.working');
    ctx.banners.hide('import');
    await nextPaint();
    let r: Awaited<ReturnType<typeof importFile>>;
    try {
      r = await importFile(ctx.core, file);
    } catch (e) {
      console.error('import failed', e);
      r = err('unreadable');
    } finally {
      button.disabled = false;
      button.removeAttribute('aria-busy');
      label.textContent = t('import.button');
    }
    if (!r.ok) {
      ctx.banners.show('import', {
        kind: 'error',
        testid: 'import-error',
        text: importErrorText(r.error, file.name),
        dismissLabel: t('common.dismiss'),
      });
      return;
    }
    const note = leftOutSentence(r.value.report);
    if (note) {
      ctx.banners.show('import', {
        kind: 'info',
        testid: 'import-report',
        text: note,
        dismissLabel: t('common.dismiss'),
      });
    }
    ctx.navigate({ name: 'doc', docId: r.value.docId });
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    // cleared so that choosing the same file again still fires 'change'
    input.value = '';
    if (file) void run(file);
  });
  return h('span', { class: 'import-control' }, button, input);
}
