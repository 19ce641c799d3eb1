/**
 * Import a content pack: validate everything, make image variants (reusing
 * any already made for the same source bytes), optionally have a vision model
 * describe the pages the pack leaves undescribed, chunk the text, then publish
 * the whole series in one transaction. An unchanged pack is detected by its
 * content hash and costs one read of its files.
 */
import { mapLimit } from '../concurrency.js';
import type { Database } from '../db/client.js';
import type { ImageVariants } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { makeVariants, PIPELINE_VERSION, sha256 } from '../images.js';
import { seriesProfile } from '../spoilers/index.js';
import type { Storage } from '../storage/storage.js';
import { contentKey } from '../storage/storage.js';
import { describePages, type PageImage } from '../vision/describe-pages.js';
import type { PageDescriber } from '../vision/describer.js';
import { chunkText, markdownToText } from './chunking.js';
import { lintPack, lintWarnings } from './lint.js';
import { openPack, type PackSource } from './pack-source.js';
import * as q from './queries.js';
import { formatProblem, type Pack, type PackProblem, readPack } from './read-pack.js';

/** Bump when what the importer writes changes, so unchanged packs are re-imported once. */
export const IMPORTER_VERSION = '2';

export type ImportPhase = 'validate' | 'images' | 'descriptions' | 'publish';

export interface ImportProgress {
  phase: ImportPhase;
  done: number;
  total: number;
}

export interface ImportOptions {
  concurrency?: number;
  onProgress?: (p: ImportProgress) => void;
  /** Validate only; import nothing. */
  dryRun?: boolean;
  /** Abort before publishing (a cancelled job): nothing becomes visible to readers. */
  signal?: AbortSignal;
  /** Vision requests in flight at once (FOLIO_JOB_CONCURRENCY); default 1. */
  descriptionConcurrency?: number;
}

export interface ImportDeps {
  database: Database;
  storage: Storage;
  /** FOLIO_VISION_MODEL: describes pages without a pack `description`; absent = off. */
  describer?: PageDescriber | null;
}

export interface ImportResult {
  seriesId: string;
  title: string;
  status: 'created' | 'updated' | 'unchanged' | 'valid';
  episodes: number;
  pages: number;
  chunks: number;
  imagesMade: number;
  imagesReused: number;
  /** Page descriptions by the vision model: written now, taken from earlier imports, failed (all 0 when off). */
  descriptionsMade: number;
  descriptionsReused: number;
  descriptionsFailed: number;
  warnings: PackProblem[];
  ms: number;
}

export class PackInvalidError extends FolioError {
  constructor(
    readonly origin: string,
    readonly problems: PackProblem[],
    readonly warnings: PackProblem[],
  ) {
    super('bad_request:pack', `${origin}: ${problems.length} problem(s); nothing was imported:\n${problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`, {
      problems,
    });
  }
}

type ImageKind = 'pages' | 'covers' | 'avatars';
const VARIANT_SIZES: Record<ImageKind, { displayMaxWidth: number; thumbWidth: number }> = {
  pages: { displayMaxWidth: 1600, thumbWidth: 240 },
  covers: { displayMaxWidth: 1200, thumbWidth: 360 },
  avatars: { displayMaxWidth: 512, thumbWidth: 128 },
};

async function packHash(pack: Pack, visionModel: string | null): Promise<string> {
  const parts = [`importer:${IMPORTER_VERSION}`, `images:${PIPELINE_VERSION}`];
  // Turning descriptions on, off or to another model is a change: the next import applies it.
  if (visionModel !== null) parts.push(`vision:${visionModel}`);
  for (const f of pack.source.files()) parts.push(`${f}:${sha256(await pack.source.read(f))}`);
  return sha256(Buffer.from(parts.join('\n')));
}

/** Marks a stored content hash whose page descriptions are incomplete, so the next import tries the failed pages again. */
const DESCRIPTIONS_INCOMPLETE = '+descriptions-incomplete';

export async function importPack(deps: ImportDeps, path: string | PackSource, opts: ImportOptions = {}): Promise<ImportResult> {
  const started = performance.now();
  const report = opts.onProgress ?? (() => {});
  const { db } = deps.database;

  report({ phase: 'validate', done: 0, total: 1 });
  const source = typeof path === 'string' ? await openPack(path) : path;
  const result = await readPack(source);
  if (!result.ok) throw new PackInvalidError(source.origin, result.problems, result.warnings);
  const { pack } = result;
  report({ phase: 'validate', done: 1, total: 1 });

  const seriesId = pack.series.id;
  const pageCount = pack.episodes.reduce((n, e) => n + e.data.pages.length, 0);
  // Likely spoilers in the text itself (docs/lint.md): warnings, never a reason to refuse the pack.
  const warnings = [
    ...pack.warnings,
    ...(await lintPack(pack).then(lintWarnings, (err: unknown) => [{ file: 'series.yaml', message: `the spoiler lint could not run: ${(err as Error).message}` }])),
  ];
  const base = { seriesId, title: pack.series.title, episodes: pack.episodes.length, pages: pageCount, warnings };
  const none = { chunks: 0, imagesMade: 0, imagesReused: 0, descriptionsMade: 0, descriptionsReused: 0, descriptionsFailed: 0 };
  if (opts.dryRun) return { ...base, ...none, status: 'valid', ms: performance.now() - started };

  const describer = deps.describer ?? null;
  const hash = await packHash(pack, describer?.model ?? null);
  if ((await q.currentContentHash(db, seriesId)) === hash) {
    return { ...base, ...none, status: 'unchanged', ms: performance.now() - started };
  }

  // Images: every referenced file once, by content hash.
  const wanted = new Map<string, ImageKind>();
  for (const e of pack.episodes) {
    if (e.data.cover_image) wanted.set(`${e.dir}/${e.data.cover_image}`, 'covers');
    for (const p of e.data.pages) if (p.image) wanted.set(`${e.dir}/${p.image}`, 'pages');
  }
  for (const ent of pack.entities) if (ent.image_url) wanted.set(`world/${ent.image_url}`, 'avatars');

  const hashes = new Map<string, string>();
  for (const file of wanted.keys()) hashes.set(file, sha256(await source.read(file)));
  const cached = await q.cachedVariants(db, [...new Set(hashes.values())], PIPELINE_VERSION);
  const variants = new Map<string, ImageVariants>();
  let made = 0;
  let reused = 0;
  let done = 0;
  const files = [...wanted.keys()];
  report({ phase: 'images', done: 0, total: files.length });
  await mapLimit(files, opts.concurrency ?? 2, async (file) => {
    opts.signal?.throwIfAborted();
    const kind = wanted.get(file)!;
    const h = hashes.get(file)!;
    const hit = cached.get(`${h}`);
    if (hit && (await deps.storage.exists(hit.display.key)) && (await deps.storage.exists(hit.thumb.key))) {
      variants.set(file, hit);
      reused++;
    } else {
      const v = await makeVariants(await source.read(file), VARIANT_SIZES[kind]);
      const displayKey = contentKey(kind, sha256(v.display.bytes), 'webp');
      const thumbKey = contentKey(kind, sha256(v.thumb.bytes), 'webp');
      await deps.storage.put(displayKey, v.display.bytes, 'image/webp');
      await deps.storage.put(thumbKey, v.thumb.bytes, 'image/webp');
      const stored: ImageVariants = {
        display: { key: displayKey, width: v.display.width, height: v.display.height },
        thumb: { key: thumbKey, width: v.thumb.width, height: v.thumb.height },
        blurhash: v.blurhash,
        color: v.color,
      };
      await q.rememberVariants(db, h, PIPELINE_VERSION, stored);
      variants.set(file, stored);
      cached.set(h, stored);
      made++;
    }
    report({ phase: 'images', done: ++done, total: files.length });
  });

  // Page descriptions by the vision model, for pages with an image and no description of their own.
  let described: Described | null = null;
  let vision = { made: 0, reused: 0, failed: 0 };
  if (describer) {
    const byFile = new Map<string, PageImage>();
    for (const e of pack.episodes) {
      for (const p of e.data.pages) {
        if (!p.image || p.description?.trim()) continue;
        const file = `${e.dir}/${p.image}`;
        byFile.set(file, {
          imageHash: hashes.get(file)!,
          read: () => source.read(file),
          context: { seriesTitle: pack.series.title, episode: e.data.number, episodeTitle: e.data.title, page: p.number, dialogue: p.dialogue ?? '' },
        });
      }
    }
    const out = await describePages(db, describer, [...byFile.values()], {
      concurrency: opts.descriptionConcurrency ?? 1,
      signal: opts.signal,
      onProgress: (d, total) => report({ phase: 'descriptions', done: d, total }),
    });
    described = { model: describer.model, byFile: new Map() };
    for (const [file, p] of byFile) {
      const text = out.texts.get(p.imageHash);
      if (text !== undefined) described.byFile.set(file, text);
    }
    vision = { made: out.made, reused: out.reused, failed: out.failed };
    if (out.failed > 0) {
      warnings.push({
        file: 'series.yaml',
        message: `the vision model (${describer.model}) could not describe ${out.failed} page image(s), first: ${out.firstFailure ?? 'not sent'}; they stay without a description and are tried again at the next import`,
      });
    }
  }

  // With failed descriptions the stored hash differs from the pack's, so importing again retries them.
  const content = buildContent(pack, vision.failed > 0 ? `${hash}${DESCRIPTIONS_INCOMPLETE}` : hash, variants, described);
  opts.signal?.throwIfAborted();
  report({ phase: 'publish', done: 0, total: 1 });
  const status = await q.publishSeries(db, content);
  await q.refreshStatistics(db);
  report({ phase: 'publish', done: 1, total: 1 });
  return {
    ...base,
    status,
    chunks: content.chunks.length,
    imagesMade: made,
    imagesReused: reused,
    descriptionsMade: vision.made,
    descriptionsReused: vision.reused,
    descriptionsFailed: vision.failed,
    ms: performance.now() - started,
  };
}

/** Machine-written page descriptions for buildContent: by page image file, and the model that wrote them. */
export interface Described {
  model: string;
  byFile: Map<string, string>;
}

/** Rows for one series, from a validated pack and its image variants (pure). */
export function buildContent(pack: Pack, contentHash: string, variants: Map<string, ImageVariants>, described: Described | null = null): q.SeriesContent {
  const s = pack.series;
  const seriesId = s.id;
  const out: q.SeriesContent = {
    series: {
      id: seriesId,
      title: s.title,
      description: s.description ?? null,
      language: s.language,
      readingDirection: s.reading_direction,
      layout: s.layout,
      license: s.license ?? null,
      licenseUrl: s.license_url ?? null,
      attribution: s.attribution,
      author: s.author ?? null,
      homepage: s.homepage ?? null,
      showUnreadCovers: s.show_unread_covers,
      contentHash,
    },
    episodes: [],
    pages: [],
    chunks: [],
    wikiArticles: [],
    wikiSections: [],
    entities: [],
    entityDescriptions: [],
    relationships: [],
    terms: [],
  };
  const addChunks = (episode: number, page: number, source: string, sourceRef: string, text: string) => {
    chunkText(text).forEach((t, ordinal) => {
      out.chunks.push({ seriesId, episode, page, source, sourceRef, ordinal, text: t });
    });
  };

  for (const e of pack.episodes) {
    const d = e.data;
    const pagesSorted = d.pages;
    out.episodes.push({
      seriesId,
      number: d.number,
      slug: d.slug ?? e.dir.slice(e.dir.lastIndexOf('/') + 1),
      title: d.title,
      summary: d.summary ?? null,
      cover: d.cover_image ? (variants.get(`${e.dir}/${d.cover_image}`) ?? null) : null,
      license: d.license ?? null,
      attribution: d.attribution ?? null,
      pageCount: pagesSorted.length,
      firstPage: pagesSorted[0]!.number,
      lastPage: pagesSorted[pagesSorted.length - 1]!.number,
    });
    for (const p of pagesSorted) {
      const dialogue = p.dialogue ?? '';
      const credits = [p.on_page_credits, p.credits_text].filter((x): x is string => !!x).join('\n') || null;
      // The pack's own description always wins; a machine-written one only fills a gap.
      const generated = p.image && !p.description?.trim() ? (described?.byFile.get(`${e.dir}/${p.image}`) ?? null) : null;
      out.pages.push({
        seriesId,
        episode: d.number,
        number: p.number,
        kind: p.kind,
        image: p.image ? (variants.get(`${e.dir}/${p.image}`) ?? null) : null,
        dialogue,
        description: p.description ?? null,
        credits,
        generatedDescription: generated,
        generatedDescriptionModel: generated === null ? null : described!.model,
      });
      const ref = `${d.number}/${p.number}`;
      if (dialogue.trim()) addChunks(d.number, p.number, 'dialogue', ref, dialogue);
      // Page text like any other: under the boundary, and through the unreached-name check wherever it is shown.
      const description = p.description?.trim() ? p.description : generated;
      if (description) addChunks(d.number, p.number, 'description', ref, description);
    }
  }

  for (const a of pack.wiki) {
    out.wikiArticles.push({
      seriesId,
      slug: a.slug,
      title: a.title,
      category: a.category,
      episode: a.debut.episode,
      page: a.debut.page,
      debutSource: a.debutSource,
      sourcePath: a.path,
    });
    a.sections.forEach((sec, ordinal) => {
      out.wikiSections.push({ seriesId, articleSlug: a.slug, ordinal, heading: sec.heading, episode: sec.debut.episode, page: sec.debut.page, body: sec.body });
      const text = markdownToText([sec.heading, sec.body].filter(Boolean).join('\n'));
      if (text.trim()) addChunks(sec.debut.episode, sec.debut.page, 'wiki', `${a.slug}#${ordinal}`, text);
    });
  }

  for (const ent of pack.entities) {
    out.entities.push({
      seriesId,
      slug: ent.slug,
      name: ent.name,
      kind: ent.kind,
      aliases: ent.aliases,
      episode: ent.episode_debut,
      page: ent.page_debut,
      layoutX: ent.layout?.x ?? null,
      layoutY: ent.layout?.y ?? null,
      image: ent.image_url ? (variants.get(`world/${ent.image_url}`) ?? null) : null,
    });
    // The summary is the description at the entity's debut; a listed description repeating it is the same one.
    const seen = new Set<string>();
    const descs = [...(ent.summary ? [{ text: ent.summary, episode_debut: ent.episode_debut, page_debut: ent.page_debut }] : []), ...ent.descriptions].filter((d) => {
      const key = `${d.episode_debut}/${d.page_debut}/${d.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    descs.forEach((d, ordinal) => {
      out.entityDescriptions.push({ seriesId, entitySlug: ent.slug, ordinal, episode: d.episode_debut, page: d.page_debut, text: d.text });
    });
  }
  for (const r of pack.relationships) {
    out.relationships.push({
      seriesId,
      source: r.source,
      target: r.target,
      kind: r.kind,
      summary: r.summary ?? null,
      episode: r.episode_debut,
      page: r.page_debut,
    });
  }
  // What the spoiler guard knows of the series' words (first readable position, distinctive or not).
  out.terms = seriesProfile(out).terms.map((t) => ({ seriesId, ...t }));
  return out;
}
