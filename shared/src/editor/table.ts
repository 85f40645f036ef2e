/**
 * Tables with span and width attributes that are numbers in a sane range, whatever the Y.Doc holds.
 *
 * prosemirror-tables loops `colspan` times per cell when it maps a table, so a peer that writes
 * colspan = 1e9 would hang every reader; a `colwidth` that is a string ends up inside a style
 * attribute. The attribute `validate` rejects such values when ProseMirror builds the node (the
 * binding then drops the cell), and the parse rules clamp what pasted HTML carries.
 */
import { Table, TableCell, TableHeader, TableKit } from '@tiptap/extension-table';
import { localOnlyAppend } from './local-only';

export const MAX_SPAN = 1000;
const MAX_WIDTH = 100000;

export function isValidSpan(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= MAX_SPAN;
}

export function isValidColwidth(v: unknown): v is number[] | null {
  return (
    v === null ||
    (Array.isArray(v) &&
      v.length <= MAX_SPAN &&
      v.every((w) => typeof w === 'number' && Number.isInteger(w) && w >= 0 && w <= MAX_WIDTH))
  );
}

function parseSpan(el: HTMLElement, name: string): number {
  const n = Number.parseInt(el.getAttribute(name) ?? '', 10);
  return Number.isInteger(n) && n >= 1 ? Math.min(n, MAX_SPAN) : 1;
}

function parseColwidth(el: HTMLElement): number[] | null {
  const raw = el.getAttribute('colwidth');
  if (!raw) return null;
  const widths = raw.split(',').map((w) => Number.parseInt(w, 10));
  return widths.every((w) => Number.isInteger(w) && w >= 0 && w <= MAX_WIDTH) ? widths.slice(0, MAX_SPAN) : null;
}

function must(ok: boolean, what: string): void {
  if (!ok) throw new RangeError(`invalid table attribute ${what}`);
}

const safeCellAttributes = {
  colspan: {
    default: 1,
    parseHTML: (el: HTMLElement) => parseSpan(el, 'colspan'),
    validate: (v: unknown) => must(isValidSpan(v), 'colspan'),
  },
  rowspan: {
    default: 1,
    parseHTML: (el: HTMLElement) => parseSpan(el, 'rowspan'),
    validate: (v: unknown) => must(isValidSpan(v), 'rowspan'),
  },
  colwidth: {
    default: null,
    parseHTML: parseColwidth,
    validate: (v: unknown) => must(isValidColwidth(v), 'colwidth'),
  },
};

export const SafeTableCell = TableCell.extend({
  addAttributes() {
    return { ...this.parent?.(), ...safeCellAttributes };
  },
});

export const SafeTableHeader = TableHeader.extend({
  addAttributes() {
    return { ...this.parent?.(), ...safeCellAttributes };
  },
});

/** fixTables runs for local edits only (see local-only.ts): it walks the changed range, the whole document for a remote change. */
export const SafeTable = Table.extend({
  addProseMirrorPlugins() {
    return (this.parent?.() ?? []).map(localOnlyAppend);
  },
});

/** TableKit with column resizing off and rendering through toDOM (so through the allowlist). */
export function safeTableExtensions() {
  return [
    TableKit.configure({ table: false, tableCell: false, tableHeader: false }),
    SafeTable.configure({ resizable: false, View: null }),
    SafeTableCell,
    SafeTableHeader,
  ];
}
