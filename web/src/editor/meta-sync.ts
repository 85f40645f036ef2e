/**
 * Keeps the list's copy of a document's title and "last edited" time in step with the document,
 * gathering changes for a while so typing does not rewrite the record on every keystroke.
 */
import type { OpenedDoc } from '../core/types';

/** Closing the page or hiding the tab writes at once (flush), so this only bounds the write rate. */
export const META_DEBOUNCE_MS = 2000;

type Meta = { title?: string; updatedAt?: number };

export class MetaSync {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private dirty: Meta = {};

  constructor(private readonly doc: Pick<OpenedDoc, 'setMeta'>) {}

  mark(m: Meta): void {
    this.dirty = { ...this.dirty, ...m };
    if (this.timer === undefined)
      this.timer = setTimeout(() => void this.flush().catch(() => undefined), META_DEBOUNCE_MS);
  }

  flush(): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const m = this.dirty;
    this.dirty = {};
    return m.title === undefined && m.updatedAt === undefined ? Promise.resolve() : this.doc.setMeta(m);
  }
}
