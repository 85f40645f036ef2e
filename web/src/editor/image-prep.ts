/**
 * Images are downscaled on the device before they are encrypted and stored: a phone photo of 12 MB
 * would otherwise be synced to every collaborator at full size.
 */

/** Longest side kept as is; larger images are scaled down to this. */
export const MAX_IMAGE_SIDE = 2048;
/** Files above this are re-encoded even when their pixel size is fine. */
export const MAX_IMAGE_BYTES = 1 << 20;
/** Only raster formats the browser can decode; SVG can carry script and is refused. */
export const ACCEPTED_IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
/** Re-encoding attempts, each 25% smaller, before giving up on the byte budget. */
const MAX_ATTEMPTS = 5;

export const isAcceptedImage = (type: string): boolean => (ACCEPTED_IMAGE_TYPES as readonly string[]).includes(type);

/** The size to draw at: aspect ratio kept, longest side at most `maxSide`, never upscaled. */
export function fitWithin(width: number, height: number, maxSide = MAX_IMAGE_SIDE): { width: number; height: number } {
  if (!(width > 0 && height > 0)) throw new RangeError('image dimensions must be positive');
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export type PreparedImage = { bytes: Uint8Array; mime: string; width: number; height: number };
export type PrepareError = 'unsupported' | 'undecodable' | 'too-large';

function encode(canvas: HTMLCanvasElement, type: string): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, type, 0.85));
}

export async function prepareImage(
  file: Blob,
): Promise<{ ok: true; value: PreparedImage } | { ok: false; error: PrepareError }> {
  if (!isAcceptedImage(file.type)) return { ok: false, error: 'unsupported' };
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return { ok: false, error: 'undecodable' };
  }
  try {
    let size = fitWithin(bitmap.width, bitmap.height);
    const small = size.width === bitmap.width && file.size <= MAX_IMAGE_BYTES;
    // GIFs are kept as they are when small (re-encoding would drop the animation).
    if (small)
      return {
        ok: true,
        value: {
          bytes: new Uint8Array(await file.arrayBuffer()),
          mime: file.type,
          width: bitmap.width,
          height: bitmap.height,
        },
      };
    // JPEG for photos; WebP keeps PNG transparency (Chromium and Firefox encode it; others fall back to PNG).
    const type = file.type === 'image/jpeg' ? 'image/jpeg' : 'image/webp';
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const canvas = document.createElement('canvas');
      canvas.width = size.width;
      canvas.height = size.height;
      const g = canvas.getContext('2d');
      if (!g) return { ok: false, error: 'undecodable' };
      g.drawImage(bitmap, 0, 0, size.width, size.height);
      const out = await encode(canvas, type);
      if (out && out.size <= MAX_IMAGE_BYTES) {
        return {
          ok: true,
          value: {
            bytes: new Uint8Array(await out.arrayBuffer()),
            mime: out.type,
            width: size.width,
            height: size.height,
          },
        };
      }
      size = fitWithin(size.width, size.height, Math.floor(Math.max(size.width, size.height) * 0.75));
    }
    return { ok: false, error: 'too-large' };
  } finally {
    bitmap.close();
  }
}
