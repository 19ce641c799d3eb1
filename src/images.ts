/**
 * Image variants for pages, covers and avatars: a display WebP, a thumbnail
 * WebP, a blurhash and the dominant colour (placeholders for unread content).
 * sharp is imported lazily so a server that is only reading never loads it.
 */
import { createHash } from 'node:crypto';
import { encode as encodeBlurhash } from 'blurhash';
import type { Sharp, SharpOptions } from 'sharp';
import { DETECT_WIDTH, detectPanels, type GrayImage, type Panel } from './panels/index.js';

export const IMAGE_LIMITS = { maxBytes: 50 * 1024 * 1024, maxPixels: 60_000_000 };
export const DISPLAY_MAX_WIDTH = 1600;
export const THUMB_WIDTH = 240;
/** Widest full-size copy of a page kept for zooming (a 5× zoom on a phone needs about this much). */
export const FULL_MAX_WIDTH = 4096;
/** Bump when the variant recipe changes, so cached variants are remade. */
export const PIPELINE_VERSION = 'v3:decode-once:display1600q82e2:thumb240q70e2:bh4x3:dominant32:panels2:full4096q82e2';

type SharpFactory = (input: Buffer, options?: SharpOptions) => Sharp;
let sharpPromise: Promise<SharpFactory> | undefined;
async function loadSharp(): Promise<SharpFactory> {
  sharpPromise ??= import('sharp').then((m) => {
    // Two cores: libvips threads per image + our own parallelism would oversubscribe.
    m.default.concurrency(1);
    m.default.cache(false);
    return m.default as unknown as SharpFactory;
  });
  return sharpPromise;
}

export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Cheap header check used by pack validation: returns a problem or null. */
export async function probeImage(bytes: Buffer): Promise<string | null> {
  if (bytes.length > IMAGE_LIMITS.maxBytes) return `larger than ${IMAGE_LIMITS.maxBytes / 1024 / 1024} MB`;
  const sharp = await loadSharp();
  try {
    const meta = await sharp(bytes, { limitInputPixels: IMAGE_LIMITS.maxPixels }).metadata();
    if (!meta.width || !meta.height) return 'image has no dimensions';
    if (meta.width * meta.height > IMAGE_LIMITS.maxPixels) return `more than ${IMAGE_LIMITS.maxPixels} pixels`;
    return null;
  } catch (err) {
    return `not a readable image (${(err as Error).message})`;
  }
}

export interface EncodedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

export interface MadeVariants {
  display: EncodedImage;
  thumb: EncodedImage;
  blurhash: string;
  color: string;
  /** The page's panels, unordered (`opts.panels`); null when detection was unsure (src/panels/detect.ts). */
  panels?: Panel[] | null;
  /** A page wider than its display variant, at full size up to FULL_MAX_WIDTH (`opts.full`), for zooming. */
  full?: EncodedImage;
}

const hex = (n: number) =>
  Math.max(0, Math.min(255, Math.round(n)))
    .toString(16)
    .padStart(2, '0');

export async function makeVariants(input: Buffer, opts: { displayMaxWidth?: number; thumbWidth?: number; panels?: boolean; full?: boolean } = {}): Promise<MadeVariants> {
  const sharp = await loadSharp();
  const displayWidth = opts.displayMaxWidth ?? DISPLAY_MAX_WIDTH;
  const thumbWidth = opts.thumbWidth ?? THUMB_WIDTH;
  // Decode once (JPEG shrink-on-load included) into raw pixels at display size;
  // every other variant derives from that smaller buffer instead of decoding again.
  const decoded = await sharp(input, { limitInputPixels: IMAGE_LIMITS.maxPixels, failOn: 'error' })
    .rotate()
    .resize({ width: displayWidth, withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  const raw: SharpOptions = { raw: { width: decoded.info.width, height: decoded.info.height, channels: decoded.info.channels } };
  const from = () => sharp(decoded.data, raw);
  const [display, thumb, small, gray, full] = await Promise.all([
    // effort 2 encodes twice as fast as 3 for ~3 % more bytes on comic pages.
    from().webp({ quality: 82, effort: 2 }).toBuffer({ resolveWithObject: true }),
    from().resize({ width: thumbWidth, withoutEnlargement: true }).webp({ quality: 70, effort: 2 }).toBuffer({ resolveWithObject: true }),
    from().resize(32, 32, { fit: 'inside' }).ensureAlpha().raw().toBuffer({ resolveWithObject: true }),
    // Panels are found on a small grey copy (transparency as white paper); pages only.
    opts.panels
      ? from().resize({ width: DETECT_WIDTH, withoutEnlargement: true }).flatten({ background: '#ffffff' }).grayscale().raw().toBuffer({ resolveWithObject: true })
      : null,
    opts.full ? fullSize(sharp, input, displayWidth) : null,
  ]);
  const blurhash = encodeBlurhash(new Uint8ClampedArray(small.data), small.info.width, small.info.height, 4, 3);
  // The dominant colour of the 32 px version is the page's, at a fraction of the cost.
  const d = (await sharp(small.data, { raw: { width: small.info.width, height: small.info.height, channels: small.info.channels } }).stats()).dominant;
  return {
    display: { bytes: display.data, width: display.info.width, height: display.info.height },
    thumb: { bytes: thumb.data, width: thumb.info.width, height: thumb.info.height },
    blurhash,
    color: `#${hex(d.r)}${hex(d.g)}${hex(d.b)}`,
    ...(gray ? { panels: panelsOf({ data: gray.data, width: gray.info.width, height: gray.info.height }) } : {}),
    ...(full ? { full } : {}),
  };
}

/**
 * The page at full size (at most FULL_MAX_WIDTH) when it is wider than its display variant, else null: zooming
 * past the display variant would blur. A second decode, at full resolution, only for such pages.
 */
async function fullSize(sharp: SharpFactory, input: Buffer, displayWidth: number): Promise<EncodedImage | null> {
  const meta = await sharp(input, { limitInputPixels: IMAGE_LIMITS.maxPixels }).metadata();
  // EXIF orientations 5-8 turn the picture a quarter: its width is the stored height.
  const width = (meta.orientation ?? 1) >= 5 ? meta.height : meta.width;
  if (!width || width <= displayWidth) return null;
  const out = await sharp(input, { limitInputPixels: IMAGE_LIMITS.maxPixels, failOn: 'error' })
    .rotate()
    .resize({ width: FULL_MAX_WIDTH, withoutEnlargement: true })
    .webp({ quality: 82, effort: 2 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: out.data, width: out.info.width, height: out.info.height };
}

function panelsOf(img: GrayImage): Panel[] | null {
  const found = detectPanels(img);
  return found.unsure ? null : found.panels;
}

/** Longest side of the image a vision model is sent: enough to read a page, small enough to send quickly. */
export const VISION_MAX_SIDE = 1024;

/**
 * A page made small for a vision model: at most `maxSide` px on its longest side, as JPEG (every vision
 * API takes it; WebP is not universal). Decoded with the same limits as the variants.
 */
export async function visionImage(input: Buffer, maxSide = VISION_MAX_SIDE): Promise<EncodedImage & { mime: 'image/jpeg' }> {
  const sharp = await loadSharp();
  const out = await sharp(input, { limitInputPixels: IMAGE_LIMITS.maxPixels, failOn: 'error' })
    .rotate()
    .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 80 })
    .toBuffer({ resolveWithObject: true });
  return { bytes: out.data, width: out.info.width, height: out.info.height, mime: 'image/jpeg' };
}
