/** Write CBZ archives for tests: real zips of real images, with an optional ComicInfo.xml. */
import { zipSync } from 'fflate';
import sharp from 'sharp';

export async function makeCbz(opts: { pages: number; comicInfo?: string; extra?: Record<string, Uint8Array>; seed?: number }): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (let p = 1; p <= opts.pages; p++) {
    const seed = (opts.seed ?? 0) * 31 + p;
    files[`page${p}.jpg`] = await sharp({
      create: { width: 50 + (seed % 40), height: 80 + p, channels: 3, background: { r: (seed * 53) % 255, g: (seed * 97) % 255, b: 120 } },
    })
      .jpeg()
      .toBuffer();
  }
  if (opts.comicInfo !== undefined) files['ComicInfo.xml'] = new TextEncoder().encode(opts.comicInfo);
  Object.assign(files, opts.extra ?? {});
  return zipSync(files);
}

export const comicInfo = (fields: Record<string, string | number>): string =>
  `<?xml version="1.0" encoding="utf-8"?>\n<ComicInfo xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n${Object.entries(fields)
    .map(([k, v]) => `  <${k}>${String(v).replace(/&/g, '&amp;').replace(/</g, '&lt;')}</${k}>`)
    .join('\n')}\n</ComicInfo>\n`;

/** A CBZ of real page images (no text at all), e.g. Pepper&Carrot's, as a reader's library holds them. */
export async function cbzOfImages(images: Array<{ name: string; bytes: Uint8Array }>, info?: string): Promise<Uint8Array> {
  const files: Record<string, Uint8Array> = {};
  for (const i of images) files[i.name] = i.bytes;
  if (info !== undefined) files['ComicInfo.xml'] = new TextEncoder().encode(info);
  return zipSync(files, { level: 0 });
}
