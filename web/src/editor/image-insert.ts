/** Image upload: pick a file, downscale it, store it as an encrypted blob, insert it by blobId. */
import type { Editor } from '@tiptap/core';
import type { OpenedDoc } from '../core/types';
import { h } from '../ui/dom';
import { ACCEPTED_IMAGE_TYPES, prepareImage } from './image-prep';

export type ImageErrorCode = 'unsupported' | 'undecodable' | 'too-large' | 'store-failed';

/** Prepares and stores one image file; returns its blobId, or reports why not. */
export async function storeImageFile(
  doc: OpenedDoc,
  file: File,
  onError: (code: ImageErrorCode) => void,
): Promise<string | undefined> {
  const prepared = await prepareImage(file);
  if (!prepared.ok) {
    onError(prepared.error);
    return undefined;
  }
  const stored = await doc.putBlob(prepared.value.bytes, prepared.value.mime);
  if (!stored.ok) {
    onError(stored.error === 'too-large' ? 'too-large' : 'store-failed');
    return undefined;
  }
  return stored.value;
}

export function pickAndInsertImage(
  editor: Editor,
  doc: OpenedDoc,
  onError: (code: ImageErrorCode) => void,
  insertImage: (editor: Editor, blobId: string, alt: string) => boolean,
): void {
  const input = h('input', { attrs: { type: 'file', accept: ACCEPTED_IMAGE_TYPES.join(','), hidden: true } });
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.remove();
    if (!file) return;
    void storeImageFile(doc, file, onError).then((blobId) => {
      if (blobId !== undefined) insertImage(editor, blobId, file.name.replace(/\.[a-z0-9]+$/i, ''));
    });
  });
  document.body.append(input);
  input.click();
}
