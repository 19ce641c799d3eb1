/**
 * `folio draft export`: a stored series written back out as an editable content
 * pack — every page's text (authored or transcribed, now as `dialogue`), the
 * world (drafted or authored) and the episode summaries — which imports back as
 * it is. Images are the stored display variants (WebP). Everything exported is
 * authored from then on: the pack sets `draft: false`, so review it and import it.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'yaml';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { Storage } from '../storage/storage.js';
import { countWikiArticles, seriesForExport } from './queries.js';

export interface ExportResult {
  seriesId: string;
  episodes: number;
  pages: number;
  transcribedPages: number;
  entities: number;
  draftedEntities: number;
  relationships: number;
  images: number;
  /** Parts of the series a pack export does not carry (the wiki), for the operator to keep. */
  notes: string[];
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

export async function exportSeries(db: Db, storage: Storage, seriesId: string, dir: string, onProgress?: (done: number, total: number) => void): Promise<ExportResult> {
  const data = await seriesForExport(db, seriesId);
  if (!data) throw new FolioError('not_found:series', `No series "${seriesId}" to export.`);
  const s = data.series;
  let images = 0;
  const copies: Array<{ key: string; file: string }> = [];
  const copy = (key: string | undefined, file: string): string | null => {
    if (!key) return null;
    copies.push({ key, file });
    return file;
  };
  const write = async (file: string, text: string) => {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await writeFile(join(dir, file), text);
  };

  await write(
    'series.yaml',
    stringify({
      id: s.id,
      title: s.title,
      ...(s.description ? { description: s.description } : {}),
      language: s.language,
      reading_direction: s.readingDirection,
      layout: s.layout,
      ...(s.license ? { license: s.license } : {}),
      ...(s.licenseUrl ? { license_url: s.licenseUrl } : {}),
      attribution: s.attribution,
      ...(s.author ? { author: s.author } : {}),
      ...(s.homepage ? { homepage: s.homepage } : {}),
      show_unread_covers: s.showUnreadCovers,
      // The exported text and world are the author's now: importing this pack drafts nothing again.
      draft: false,
    }),
  );

  for (const e of data.episodes) {
    const folder = `episodes/${pad(e.number, 4)}`;
    const cover = copy(e.cover?.display.key, `${folder}/cover.webp`);
    const pages = data.pages
      .filter((p) => p.episode === e.number)
      .map((p) => ({
        number: p.number,
        kind: p.kind,
        image: copy(p.image?.display.key, `${folder}/pages/${pad(p.number, 3)}.webp`)?.slice(folder.length + 1) ?? null,
        // Always written, even empty: a page with `dialogue` is authored and is never transcribed again.
        dialogue: p.dialogue,
        ...(p.description ? { description: p.description } : {}),
        ...(p.credits ? { credits_text: p.credits } : {}),
        // The panels found at import, in reading order, for the author to correct (they then win over detection).
        ...(p.panels ? { panels: p.panels } : {}),
      }));
    await write(
      `${folder}/episode.yaml`,
      stringify({
        number: e.number,
        slug: e.slug,
        title: e.title,
        ...(e.summary ? { summary: e.summary } : {}),
        ...(cover ? { cover_image: cover.slice(folder.length + 1) } : {}),
        ...(e.license ? { license: e.license } : {}),
        ...(e.attribution ? { attribution: e.attribution } : {}),
        pages,
      }),
    );
  }

  if (data.entities.length > 0) {
    const descriptions = new Map<string, typeof data.descriptions>();
    for (const d of data.descriptions) descriptions.set(d.entitySlug, [...(descriptions.get(d.entitySlug) ?? []), d]);
    await write(
      'world/entities.yaml',
      stringify({
        entities: data.entities.map((x) => ({
          slug: x.slug,
          name: x.name,
          kind: x.kind,
          aliases: x.aliases,
          episode_debut: x.episode,
          page_debut: x.page,
          ...(x.layoutX !== null && x.layoutY !== null ? { layout: { x: x.layoutX, y: x.layoutY } } : {}),
          ...(x.image ? { image_url: copy(x.image.display.key, `world/images/${x.slug}.webp`)!.slice('world/'.length) } : {}),
          descriptions: (descriptions.get(x.slug) ?? []).map((d) => ({ text: d.text, episode_debut: d.episode, page_debut: d.page })),
        })),
      }),
    );
    await write(
      'world/relationships.yaml',
      stringify({
        relationships: data.relationships.map((r) => ({
          source: r.source,
          target: r.target,
          kind: r.kind,
          ...(r.summary ? { summary: r.summary } : {}),
          episode_debut: r.episode,
          page_debut: r.page,
        })),
      }),
    );
  }

  onProgress?.(0, copies.length);
  for (const c of copies) {
    const obj = await storage.get(c.key);
    if (!obj) throw new FolioError('not_found:image', `The stored image ${c.key} (for ${c.file}) is missing; re-import the series, then export again.`);
    await mkdir(dirname(join(dir, c.file)), { recursive: true });
    await pipeline(obj.body, createWriteStream(join(dir, c.file)));
    onProgress?.(++images, copies.length);
  }

  const wiki = await countWikiArticles(db, seriesId);
  return {
    seriesId,
    episodes: data.episodes.length,
    pages: data.pages.length,
    transcribedPages: data.pages.filter((p) => p.dialogueSource !== 'authored').length,
    entities: data.entities.length,
    draftedEntities: data.entities.filter((x) => x.drafted).length,
    relationships: data.relationships.length,
    images,
    notes: wiki > 0 ? [`the series' ${wiki} wiki article(s) are not exported: keep the pack's own wiki/ folder beside the export`] : [],
  };
}
