/**
 * Object URLs for decrypted images, one per blob, all revoked when the document closes. Only raster
 * image types get their own type: a blob: URL inherits this origin, so a hostile "text/html" blob
 * opened in a tab would run as the app.
 */
import { isAcceptedImage } from './image-prep';

export class BlobUrls {
  private readonly urls = new Map<string, Promise<string | undefined>>();
  private closed = false;

  constructor(private readonly load: (blobId: string) => Promise<{ bytes: Uint8Array; mime: string } | undefined>) {}

  resolve(blobId: string): Promise<string | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    let url = this.urls.get(blobId);
    if (!url) {
      url = this.load(blobId).then((b) => {
        if (!b || this.closed) return undefined;
        const type = isAcceptedImage(b.mime) ? b.mime : 'application/octet-stream';
        return URL.createObjectURL(new Blob([b.bytes as Uint8Array<ArrayBuffer>], { type }));
      });
      this.urls.set(blobId, url);
    }
    return url;
  }

  /** Revokes every URL handed out; later resolves return undefined. */
  revokeAll(): void {
    this.closed = true;
    for (const p of this.urls.values()) void p.then((u) => u && URL.revokeObjectURL(u));
    this.urls.clear();
  }
}
