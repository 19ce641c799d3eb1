/** Small synthetic content packs written to temp dirs, for import tests. */
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { stringify } from 'yaml';

export interface TinyPackOptions {
  id?: string;
  title?: string;
  episodes?: number;
  pagesPerEpisode?: number;
  /** Text of page p of episode e. */
  dialogue?: (e: number, p: number) => string;
  /** Packs with different seeds share no image (same seed: identical images, deduplicated by hash). */
  seed?: number;
  /**
   * The size of page p of episode e's image, e.g. larger than the display variant (default: about 60 × 90,
   * a little different for every page and seed). Such pages get a few shapes drawn on their colour, placed by
   * episode, page and seed, so that pages of one size are still distinct images.
   */
  pageSize?: (e: number, p: number) => { width: number; height: number };
}

const colors = ['#c0392b', '#2980b9', '#27ae60', '#8e44ad', '#d35400', '#16a085'];

export async function writeTinyPack(opts: TinyPackOptions = {}, dir?: string): Promise<string> {
  const root = dir ?? (await mkdtemp(join(tmpdir(), 'folio-pack-')));
  const id = opts.id ?? 'tiny';
  await writeFile(join(root, 'series.yaml'), stringify({ id, title: opts.title ?? 'Tiny', license: 'MIT', attribution: 'Folio tests' }));
  for (let e = 1; e <= (opts.episodes ?? 2); e++) {
    const epDir = join(root, 'episodes', `ep${e}`);
    await mkdir(join(epDir, 'pages'), { recursive: true });
    const pages = [];
    for (let p = 1; p <= (opts.pagesPerEpisode ?? 3); p++) {
      const background = colors[(e * 7 + p) % colors.length]!;
      const size = opts.pageSize?.(e, p);
      // Distinct sizes make every image distinct bytes (identical images are deduplicated by hash).
      const img = size
        ? await sharp({ create: { ...size, channels: 3, background } })
            .composite([{ input: shapes(size, e * 101 + p * 7 + (opts.seed ?? 0) * 13) }])
            .jpeg()
            .toBuffer()
        : await sharp({ create: { width: 60 + e + (opts.seed ?? 0) * 7, height: 90 + p, channels: 3, background } })
            .jpeg()
            .toBuffer();
      await writeFile(join(epDir, 'pages', `${p}.jpg`), img);
      pages.push({ number: p, kind: 'story', image: `pages/${p}.jpg`, dialogue: opts.dialogue?.(e, p) ?? `Line of episode ${e} page ${p}\n` });
    }
    await writeFile(
      join(epDir, 'cover.jpg'),
      await sharp({ create: { width: 80 + (opts.seed ?? 0) * 7, height: 60, channels: 3, background: colors[e % colors.length]! } })
        .jpeg()
        .toBuffer(),
    );
    await writeFile(join(epDir, 'episode.yaml'), stringify({ number: e, title: `Episode title ${e}`, summary: `Summary of ${e}`, cover_image: 'cover.jpg', pages }));
  }
  return root;
}

/** An SVG of a few bordered shapes over the given size (a cheap picture with edges), placed by `n`. */
function shapes(size: { width: number; height: number }, n: number): Buffer {
  const { width: w, height: h } = size;
  const at = (k: number, span: number) => Math.round((((n * (k + 3) * 37) % 89) / 100) * span);
  const stroke = Math.max(2, Math.round(w / 150));
  const items = [
    `<rect x="${at(1, w * 0.6)}" y="${at(2, h * 0.6)}" width="${Math.round(w * 0.3)}" height="${Math.round(h * 0.2)}" fill="#f5f0e6" stroke="#111" stroke-width="${stroke}"/>`,
    `<circle cx="${Math.round(w * 0.2) + at(3, w * 0.6)}" cy="${Math.round(h * 0.2) + at(4, h * 0.6)}" r="${Math.round(w * 0.12)}" fill="#f1c40f" stroke="#111" stroke-width="${stroke}"/>`,
    `<line x1="0" y1="${at(5, h)}" x2="${w}" y2="${at(6, h)}" stroke="#111" stroke-width="${stroke}"/>`,
  ];
  return Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}">${items.join('')}</svg>`);
}
