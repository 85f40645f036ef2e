/** Character and word counts under the editor, refreshed at most once per frame. */
import type { Editor } from '@tiptap/core';
import { h } from '../ui/dom';
import { t } from '../i18n/i18n';
import { editorStats } from './kit';

export function createCounts(editor: Editor): { el: HTMLElement; dispose(): void } {
  const chars = h('span', { testid: 'char-count' });
  const words = h('span', { testid: 'word-count' });
  let frame = 0;
  const update = (): void => {
    frame = 0;
    const s = editorStats(editor);
    chars.textContent = t('editor.characters', { count: s.characters.toLocaleString() });
    words.textContent = t('editor.words', { count: s.words.toLocaleString() });
    chars.dataset.count = String(s.characters);
    words.dataset.count = String(s.words);
  };
  const onUpdate = (): void => {
    if (frame === 0) frame = requestAnimationFrame(update);
  };
  update();
  editor.on('update', onUpdate);
  const el = h('footer', { class: 'editor-foot', attrs: { 'aria-label': t('editor.statsLabel') } }, chars, words);
  return {
    el,
    dispose: () => {
      editor.off('update', onUpdate);
      cancelAnimationFrame(frame);
    },
  };
}
