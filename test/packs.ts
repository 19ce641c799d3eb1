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
      // Distinct sizes make every image distinct bytes (identical images are deduplicated by hash).
      const img = await sharp({ create: { width: 60 + e + (opts.seed ?? 0) * 7, height: 90 + p, channels: 3, background: colors[(e * 7 + p) % colors.length]! } })
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
