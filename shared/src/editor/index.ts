export { createEditorExtensions, DOCUMENT_FRAGMENT, MIRROR_ORIGIN, type EditorExtensionOptions } from './extensions';
export { safeHref, isAnchorHref, MAX_HREF_LENGTH } from './safe-href';
export {
  SCHEMA_VERSION,
  META_MAP,
  SCHEMA_VERSION_KEY,
  SCHEMA_VERSION_ORIGIN,
  checkSchema,
  checkSchemaVersion,
  readSchemaVersion,
  stampSchemaVersion,
  SchemaVersionGuard,
  type SchemaCheck,
} from './schema-version';
export {
  EDITOR_COMMANDS,
  editorStats,
  setLink,
  type EditorCommand,
  type EditorCommandGroup,
  type EditorStats,
} from './commands';
export { countCharacters, countDocument, countWords } from './words';
export { sanitizeDOMOutputSpec, sanitizeAttributes, makeSchemaInert, InertRendering, BLOB_ID } from './inert';
export { DureImage, ImageUpload, isBlobId, type ResolveBlob, type StoreImage } from './image';
export { cleanPastedHTML, isWordHTML, PasteCleanup } from './paste';
export { isValidSpan, isValidColwidth, MAX_SPAN } from './table';
export {
  CompositionGate,
  combineHolds,
  compositionGateKey,
  type CompositionGateOptions,
  type HoldRemote,
} from './composition';
