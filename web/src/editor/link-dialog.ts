import type { Editor } from '@tiptap/core';
import { promptDialog } from '../ui/dialogs';
import { t } from '../i18n/i18n';
import { currentLink, isAcceptableLink } from './kit';

/** Asks for a link target; only http(s), mailto and in-document anchors are accepted. */
export async function promptLink(editor: Editor, apply: (href: string) => boolean): Promise<void> {
  const url = await promptDialog({
    title: t('link.dialogTitle'),
    confirmLabel: t('common.apply'),
    testid: 'link-dialog',
    input: { label: t('link.url'), value: currentLink(editor), type: 'text', placeholder: t('link.placeholder') },
    validate: (v) => (isAcceptableLink(v) ? undefined : t('link.rejected')),
  });
  if (url === null) {
    editor.commands.focus();
    return;
  }
  apply(url);
}
