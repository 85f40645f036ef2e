/**
 * The document title field. The title lives in the encrypted Y.Doc, so it merges like the text; the
 * field follows changes from other tabs except while the user is typing in it.
 */
import type * as Y from 'yjs';
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';
import { MAX_TITLE_LENGTH, normalizeTitle } from '../title';
import { getDocTitle, setDocTitle } from './doc-title';

const TITLE_ORIGIN = Symbol('dure.title');

export interface TitleField {
  readonly el: HTMLInputElement;
  dispose(): void;
}

export function createTitleField(
  ydoc: Y.Doc,
  opts: { readOnly: boolean; onChange(title: string): void; onEnter(): void },
): TitleField {
  const el = h('input', {
    class: 'title-input',
    testid: 'document-title',
    attrs: {
      type: 'text',
      maxlength: MAX_TITLE_LENGTH,
      placeholder: t('editor.untitled'),
      'aria-label': t('editor.titleLabel'),
      autocomplete: 'off',
    },
  });
  el.value = getDocTitle(ydoc);
  el.readOnly = opts.readOnly;
  el.addEventListener('input', () => {
    const v = normalizeTitle(el.value);
    setDocTitle(ydoc, v, TITLE_ORIGIN);
    opts.onChange(v);
  });
  el.addEventListener('keydown', (e) => {
    // isComposing: the Enter that commits a Hangul syllable must not jump into the text.
    if (e.key === 'Enter' && !e.isComposing) {
      e.preventDefault();
      opts.onEnter();
    }
  });
  const meta = ydoc.getMap('meta');
  const onMeta = (_e: unknown, tr: { origin: unknown }): void => {
    // Another tab renamed the document; never rewrite the field under the user's caret.
    if (tr.origin !== TITLE_ORIGIN && document.activeElement !== el) el.value = getDocTitle(ydoc);
  };
  meta.observe(onMeta);
  return { el, dispose: () => meta.unobserve(onMeta) };
}
