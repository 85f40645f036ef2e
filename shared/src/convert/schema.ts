/**
 * The converters' view of the editor schema: the same extension set as the editor (so a converted
 * document is exactly what the editor would hold), built once, with the render allowlist applied and
 * the image node taught the Markdown blob-reference syntax.
 */
import { getSchema, type AnyExtension, type JSONContent } from '@tiptap/core';
import type { Schema } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { createEditorExtensions, DureImage, isBlobId, makeSchemaInert } from '../editor';

/** Images are references to a blob of the document: `![alt](dure-blob:<blobId>)`. */
export const BLOB_SCHEME = 'dure-blob:';

/** The blob id of a `dure-blob:` reference, or null for anything else (remote and data: images). */
export function blobIdOfHref(href: unknown): string | null {
  if (typeof href !== 'string' || !href.startsWith(BLOB_SCHEME)) return null;
  const id = href.slice(BLOB_SCHEME.length);
  return isBlobId(id) ? id : null;
}

function escapeAlt(alt: string): string {
  return alt.replace(/[\\[\]]/g, (c) => '\\' + c).replace(/\s+/g, ' ');
}

/**
 * The image node with Markdown support. A Markdown image that is not a blob reference becomes a
 * placeholder the normaliser removes and counts (see normalize.ts), so nothing is fetched, ever.
 */
const MarkdownImage = DureImage.extend({
  markdownTokenName: 'image',
  parseMarkdown: (token: { href?: unknown; text?: unknown }) => ({
    type: 'image',
    attrs: {
      blobId: blobIdOfHref(token.href),
      alt: typeof token.text === 'string' && token.text !== '' ? token.text : null,
    },
  }),
  renderMarkdown: (node: JSONContent) => {
    const blobId = node.attrs?.blobId;
    if (!isBlobId(blobId)) return '';
    const alt = typeof node.attrs?.alt === 'string' ? node.attrs.alt : '';
    return `![${escapeAlt(alt)}](${BLOB_SCHEME}${blobId})`;
  },
});

let cached: { extensions: AnyExtension[]; schema: Schema } | undefined;

/** The editor's extensions (image with Markdown support) and their schema, with inert rendering. */
export function converterSchema(): { extensions: AnyExtension[]; schema: Schema } {
  if (!cached) {
    // the extension set needs a Y.Doc only for collaboration options; none of that runs here
    const extensions = createEditorExtensions({ ydoc: new Y.Doc() }).map((e) =>
      e.name === 'image' ? MarkdownImage : e,
    );
    const schema = getSchema(extensions);
    makeSchemaInert(schema);
    cached = { extensions, schema };
  }
  return cached;
}
