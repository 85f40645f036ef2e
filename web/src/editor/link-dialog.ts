import type { Editor } from '@tiptap/core';
import { promptDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { currentLink, setLink } from './kit';
import { safeHref } from '@dure/shared/editor/safe-href';

/** Asks for a link target; only http(s), mailto and in-document anchors are accepted. */
export async function promptLink(editor: Editor): Promise<void> {
  const url = await promptDialog({
    title: t('link.dialogTitle'),
    confirmLabel: t('common.apply'),
    testid: 'link-dialog',
    input: { label: t('link.url'), value: currentLink(editor), type: 'url', placeholder: 'https://' },
    validate: (v) => (v.trim() === '' || safeHref(v.trim()) !== null ? undefined : t('link.rejected')),
  });
  if (url === null) {
    editor.commands.focus();
    return;
  }
  setLink(editor, url);
}
