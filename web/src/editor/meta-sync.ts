/**
 * Keeps the list's copy of a document's title and "last edited" time in step with the document,
 * gathering changes for a while so typing does not rewrite the record on every keystroke.
 */
import type { OpenedDoc } from '../core/types';

/** Closing the page or hiding the tab writes at once (flush), so this only bounds the write rate. */
export const META_DEBOUNCE_MS = 2000;
/**
 * A renamed title is written sooner: a flush started on pagehide may not commit before the page is gone,
 * and the list would show the old title until the document is opened again.
 */
export const TITLE_DEBOUNCE_MS = 300;

type Meta = { title?: string; updatedAt?: number };

export class MetaSync {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private due = 0;
  private dirty: Meta = {};

  constructor(private readonly doc: Pick<OpenedDoc, 'setMeta'>) {}

  mark(m: Meta): void {
    this.dirty = { ...this.dirty, ...m };
    const delay = m.title !== undefined ? TITLE_DEBOUNCE_MS : META_DEBOUNCE_MS;
    const due = Date.now() + delay;
    if (this.timer !== undefined && this.due <= due) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.due = due;
    this.timer = setTimeout(() => void this.flush().catch(() => undefined), delay);
  }

  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const m = this.dirty;
    this.dirty = {};
    return m.title === undefined && m.updatedAt === undefined ? Promise.resolve() : this.doc.setMeta(m);
  }
}
