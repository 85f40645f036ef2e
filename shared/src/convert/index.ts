/** Markdown and HTML ⇄ document ⇄ Y.Doc, for the CLI, the web app and the desktop app. */
export { BLOB_SCHEME, blobIdOfHref, converterSchema } from './schema';
export { normalizeDoc, emptyReport, MAX_DEPTH, type ConvertReport, type NormalizeOptions } from './normalize';
export { markdownToDoc, docToMarkdown, MAX_MARKDOWN_CHARS, type MarkdownError } from './markdown';
export { docToHtml, htmlDocument, htmlToDoc, MAX_HTML_CHARS, type HtmlError } from './html';
export {
  cleanTitle,
  docFromYDoc,
  firstHeadingText,
  readTitle,
  writeDocToYDoc,
  MAX_TITLE_LENGTH,
  TITLE_KEY,
  type YDocReadError,
} from './ydoc';
export { exportMarkdownFile, importMarkdownFile, splitFrontMatter, titleFromFileName } from './markdown-file';
