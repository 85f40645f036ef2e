/** The small buttons beside the title: export, print (or save as PDF, on the device) and the shortcut list. */
import type { Editor } from '@tiptap/core';
import type * as Y from 'yjs';
import { h } from '../ui/dom';
import type { Banners } from '../ui/banners';
import { infoDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { formatShortcut } from './commands';
import { shortcutList } from './kit';
import { downloadFile, exportAs, type BlobUrlOf, type DownloadFormat } from './export';

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

const FORMATS: readonly { format: DownloadFormat; labelKey: string; testid: string }[] = [
  { format: 'markdown', labelKey: 'export.markdown', testid: 'export-markdown' },
  { format: 'html', labelKey: 'export.html', testid: 'export-html' },
  { format: 'docx', labelKey: 'export.docx', testid: 'export-docx' },
  { format: 'json', labelKey: 'export.json', testid: 'export-json' },
];

/** "Export" and its menu of formats; the file is made in this page from the open Y.Doc. */
function createExportMenu(ydoc: Y.Doc, onError: (text: string) => void, blobUrlOf?: BlobUrlOf): HTMLElement {
  const button = h('button', {
    class: 'btn small',
    text: t('export.button'),
    testid: 'export-document',
    attrs: { type: 'button', 'aria-haspopup': 'menu', 'aria-expanded': 'false', title: t('export.hint') },
  });
  const menu = h('div', { class: 'export-menu', testid: 'export-menu', attrs: { role: 'menu' } });
  menu.hidden = true;
  const setOpen = (open: boolean): void => {
    menu.hidden = !open;
    button.setAttribute('aria-expanded', String(open));
  };
  for (const f of FORMATS) {
    menu.append(
      h('button', {
        class: 'btn small',
        text: t(f.labelKey),
        testid: f.testid,
        attrs: { type: 'button', role: 'menuitem' },
        on: {
          click: () => {
            setOpen(false);
            button.focus();
            void exportAs(ydoc, f.format, t('editor.untitled'), blobUrlOf).then(
              (r) => (r.ok ? downloadFile(r.value) : onError(t('export.failed'))),
              () => onError(t('export.failed')),
            );
          },
        },
      }),
    );
  }
  button.addEventListener('click', () => {
    setOpen(menu.hidden);
    if (!menu.hidden) menu.querySelector('button')?.focus();
  });
  const wrap = h('div', { class: 'export-wrap' }, button, menu);
  wrap.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && !menu.hidden) {
      setOpen(false);
      button.focus();
    }
  });
  wrap.addEventListener('focusout', (e) => {
    if (!wrap.contains(e.relatedTarget as Node | null)) setOpen(false);
  });
  return wrap;
}

/**
 * `ydoc` is the open document (the export reads it, never the editor's view of it); without it
 * there is no export button.
 */
/** The editor's own blob resolver (the image extension's option), so a Word export can embed pictures. */
function imageResolver(editor: Editor): BlobUrlOf | undefined {
  const image = editor.extensionManager.extensions.find((e) => e.name === 'image');
  const resolve = (image?.options as { resolveBlob?: unknown } | undefined)?.resolveBlob;
  return typeof resolve === 'function' ? (resolve as BlobUrlOf) : undefined;
}

export function createDocActions(editor: Editor, ydoc?: Y.Doc, banners?: Banners): HTMLElement {
  const onError = (text: string): void =>
    banners?.show('export', { kind: 'error', text, testid: 'export-error', dismissLabel: t('common.dismiss') });
  return h(
    'div',
    { class: 'doc-actions-bar' },
    ydoc ? createExportMenu(ydoc, onError, imageResolver(editor)) : null,
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
