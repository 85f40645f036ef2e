/** DOCX ⇄ document, on the device (import through mammoth and the HTML path, export through our own serializer). */
export { docToDocx, TASK_DONE, TASK_OPEN, type DocxExportOptions, type DocxPicture } from './docx-export';
export {
  docxToDoc,
  importDocxFile,
  MAX_DOCX_BYTES,
  type DocxError,
  type DocxImage,
  type DocxImport,
  type DocxOptions,
} from './docx-import';
