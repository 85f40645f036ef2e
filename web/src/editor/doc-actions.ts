/** The small buttons beside the title: print (or save as PDF, on the device) and the shortcut list. */
import type { Editor } from '@tiptap/core';
import { h } from '../ui/dom';
import { infoDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { formatShortcut } from './commands';
import { shortcutList } from './kit';

const isApple = (): boolean => /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

function shortcutsTable(): HTMLElement {
  const apple = isApple();
  const rows = shortcutList().map(({ labelKey, shortcut }) =>
    h('tr', {}, h('td', { text: t(labelKey) }), h('td', {}, h('kbd', { text: formatShortcut(shortcut, apple) }))),
  );
  return h(
    'table',
    { class: 'shortcuts' },
    h('thead', {}, h('tr', {}, h('th', { text: t('shortcuts.action') }), h('th', { text: t('shortcuts.keys') }))),
    h('tbody', {}, ...rows),
  );
}

export function createDocActions(editor: Editor): HTMLElement {
  return h(
    'div',
    { class: 'doc-actions-bar' },
    h('button', {
      class: 'btn small',
      text: t('doc.print'),
      testid: 'print-document',
      attrs: { type: 'button', title: t('doc.printHint') },
      on: { click: () => window.print() },
    }),
    h('button', {
      class: 'btn small',
      text: t('shortcuts.button'),
      testid: 'show-shortcuts',
      attrs: { type: 'button' },
      on: {
        click: () =>
          void infoDialog({ title: t('shortcuts.title'), testid: 'shortcuts-dialog', body: shortcutsTable() }).then(
            () => editor.commands.focus(),
          ),
      },
    }),
  );
}
