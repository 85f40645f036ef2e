/**
 * Images live in the document's encrypted blob store, never in the Y.Doc and never at a remote URL.
 *
 * The node stores only a blob reference (plus alt text and size). It has no `src` attribute at all,
 * so a `src` that a hostile peer writes into the Y.Doc is dropped by ProseMirror when it builds the
 * node. The editor shows a blob only through the app's `resolveBlob` (an object URL of the decrypted
 * bytes) and shows a placeholder until then. Pasted HTML keeps no remote image (that would be a
 * tracking pixel); pasted or dropped image files go through the app's `storeImage`.
 */
import { Extension, Node, type Editor } from '@tiptap/core';
import type { Node as PMNode } from '@tiptap/pm/model';
import { Plugin, PluginKey } from '@tiptap/pm/state';
import { BLOB_ID } from './inert';

export type ResolveBlob = (blobId: string) => Promise<string | undefined>;
/** Stores an image file as a blob of the document; resolves to its blob id, or undefined if refused. */
export type StoreImage = (file: File) => Promise<string | undefined>;

export interface DureImageOptions {
  resolveBlob: ResolveBlob | undefined;
}

export function isBlobId(value: unknown): value is string {
  return typeof value === 'string' && BLOB_ID.test(value);
}

function dimension(value: unknown): number | null {
  const n =
    typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  return Number.isInteger(n) && n > 0 && n <= 100000 ? n : null;
}

function altText(value: unknown): string | null {
  return typeof value === 'string' ? value.slice(0, 500) : null;
}

export const DureImage = Node.create<DureImageOptions>({
  name: 'image',
  group: 'block',
  atom: true,
  draggable: true,
  selectable: true,

  addOptions() {
    return { resolveBlob: undefined };
  },

  addAttributes() {
    return {
      blobId: {
        default: null,
        parseHTML: (el) => {
          const id = el.getAttribute('data-blob-id');
          return isBlobId(id) ? id : null;
        },
        renderHTML: (attrs) => (isBlobId(attrs.blobId) ? { 'data-blob-id': attrs.blobId } : {}),
      },
      alt: {
        default: null,
        parseHTML: (el) => altText(el.getAttribute('alt')),
        renderHTML: (attrs) => (altText(attrs.alt) !== null ? { alt: altText(attrs.alt) } : {}),
      },
      width: {
        default: null,
        parseHTML: (el) => dimension(el.getAttribute('width')),
        renderHTML: (attrs) => (dimension(attrs.width) !== null ? { width: dimension(attrs.width) } : {}),
      },
      height: {
        default: null,
        parseHTML: (el) => dimension(el.getAttribute('height')),
        renderHTML: (attrs) => (dimension(attrs.height) !== null ? { height: dimension(attrs.height) } : {}),
      },
    };
  },

  parseHTML() {
    // only our own images (copied within Dure) parse as images; any other <img> is left out
    return [{ tag: 'img[data-blob-id]', getAttrs: (el) => (isBlobId(el.getAttribute('data-blob-id')) ? null : false) }];
  },

  renderHTML({ HTMLAttributes }) {
    // no src: exported or copied HTML never makes a reader's browser fetch anything
    return ['img', HTMLAttributes];
  },

  renderText({ node }) {
    return typeof node.attrs.alt === 'string' ? node.attrs.alt : '';
  },

  addNodeView() {
    const resolveBlob = this.options.resolveBlob;
    return ({ node }) => new BlobImageView(node, resolveBlob);
  },
});

/** Shows a placeholder, then the resolved blob. Only `blob:` URLs are ever put into `src`. */
class BlobImageView {
  readonly dom: HTMLElement;
  private node: PMNode;
  private generation = 0;

  constructor(
    node: PMNode,
    private readonly resolveBlob: ResolveBlob | undefined,
  ) {
    this.node = node;
    this.dom = document.createElement('div');
    this.dom.className = 'dure-image';
    this.dom.contentEditable = 'false';
    this.render();
  }

  private render(): void {
    const gen = ++this.generation;
    const { blobId } = this.node.attrs;
    const placeholder = document.createElement('span');
    placeholder.className = 'dure-image-placeholder';
    placeholder.setAttribute('role', 'img');
    const alt = altText(this.node.attrs.alt);
    if (alt) placeholder.setAttribute('aria-label', alt);
    placeholder.textContent = alt ?? '';
    this.dom.replaceChildren(placeholder);
    if (!isBlobId(blobId) || !this.resolveBlob) {
      this.dom.dataset.state = 'missing';
      return;
    }
    this.dom.dataset.state = 'loading';
    this.resolveBlob(blobId).then(
      (url) => {
        if (gen !== this.generation) return;
        if (typeof url !== 'string' || !url.startsWith('blob:')) {
          this.dom.dataset.state = 'missing';
          return;
        }
        const img = document.createElement('img');
        img.alt = alt ?? '';
        const w = dimension(this.node.attrs.width);
        const h = dimension(this.node.attrs.height);
        if (w !== null) img.width = w;
        if (h !== null) img.height = h;
        img.draggable = false;
        img.src = url;
        this.dom.replaceChildren(img);
        this.dom.dataset.state = 'ready';
      },
      () => {
        if (gen === this.generation) this.dom.dataset.state = 'missing';
      },
    );
  }

  update(node: PMNode): boolean {
    if (node.type !== this.node.type) return false;
    const changed =
      node.attrs.blobId !== this.node.attrs.blobId ||
      node.attrs.alt !== this.node.attrs.alt ||
      node.attrs.width !== this.node.attrs.width ||
      node.attrs.height !== this.node.attrs.height;
    this.node = node;
    if (changed) this.render();
    return true;
  }

  ignoreMutation(): boolean {
    return true;
  }

  destroy(): void {
    this.generation++;
  }
}

export interface ImageUploadOptions {
  storeImage: StoreImage | undefined;
}

function imageFiles(list: FileList | null | undefined): File[] {
  return list ? Array.from(list).filter((f) => f.type.startsWith('image/')) : [];
}

async function insertImages(editor: Editor, storeImage: StoreImage, files: File[], at: () => number): Promise<void> {
  for (const file of files) {
    let blobId: string | undefined;
    try {
      blobId = await storeImage(file);
    } catch {
      blobId = undefined; // the app reports storage errors itself; nothing is inserted
    }
    if (!isBlobId(blobId) || editor.isDestroyed || !editor.isEditable) continue;
    const pos = Math.min(at(), editor.state.doc.content.size);
    editor.commands.insertContentAt(pos, { type: 'image', attrs: { blobId, alt: file.name.slice(0, 200) || null } });
  }
}

/** Pasted and dropped image files become blobs via the app's `storeImage`. */
export const ImageUpload = Extension.create<ImageUploadOptions>({
  name: 'dureImageUpload',
  addOptions() {
    return { storeImage: undefined };
  },
  addProseMirrorPlugins() {
    const storeImage = this.options.storeImage;
    const editor = this.editor;
    return [
      new Plugin({
        key: new PluginKey('dureImageUpload'),
        props: {
          handlePaste(view, event) {
            const files = imageFiles(event.clipboardData?.files);
            if (files.length === 0 || !storeImage || !view.editable) return false;
            void insertImages(editor, storeImage, files, () => editor.state.selection.to);
            return true;
          },
          handleDrop(view, event, _slice, moved) {
            if (moved) return false;
            const files = imageFiles(event.dataTransfer?.files);
            if (files.length === 0 || !storeImage || !view.editable) return false;
            event.preventDefault();
            const dropAt =
              view.posAtCoords({ left: event.clientX, top: event.clientY })?.pos ?? view.state.selection.to;
            void insertImages(editor, storeImage, files, () => dropAt);
            return true;
          },
        },
      }),
    ];
  },
});
