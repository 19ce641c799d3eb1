/**
 * Import a content pack: validate everything, make image variants (reusing
 * any already made for the same source bytes), transcribe the pages that carry
 * no authored text, optionally have a vision model describe the pages the pack
 * leaves undescribed, draft a world for a series without one, chunk the text,
 * then publish the whole series in one transaction. An unchanged pack is detected by its
 * content hash and costs one read of its files.
 */
import { mapLimit } from '../concurrency.js';
import type { Database } from '../db/client.js';
import type { DialogueSource, ImageVariants, TranscriptRegion } from '../db/schema.js';
import { looksLikeCredits } from '../drafting/credits.js';
import { type DraftPage, draftWorld, type WorldDraft } from '../drafting/draft.js';
import { withoutSeriesTitle } from '../drafting/title.js';
import { FolioError } from '../errors.js';
import { makeVariants, PIPELINE_VERSION, sha256 } from '../images.js';
import { type Direction, orderPanels, type Panel } from '../panels/index.js';
import { modelLettering, seriesProfile } from '../spoilers/index.js';
import type { Storage } from '../storage/storage.js';
import { contentKey } from '../storage/storage.js';
import { ocrEngineSource, type Transcriber } from '../transcription/ocr-source.js';
import { transcribePages } from '../transcription/transcribe-pages.js';
import { describePages, type PageImage } from '../vision/describe-pages.js';
import type { PageDescriber } from '../vision/describer.js';
import { chunkText, markdownToText } from './chunking.js';
import { lintPack, lintWarnings } from './lint.js';
import { openPack, type PackSource } from './pack-source.js';
import * as q from './queries.js';
import { formatProblem, type Pack, type PackProblem, readPack } from './read-pack.js';

/** Bump when what the importer writes changes, so unchanged packs are re-imported once. */
export const IMPORTER_VERSION = '3';

export type ImportPhase = 'validate' | 'images' | 'transcripts' | 'descriptions' | 'draft' | 'publish';

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
  /**
   * FOLIO_OCR_LANGS: the OCR engine for a series' language, for pages without authored `dialogue`.
   * null = transcription off (those pages stay without text); absent = the offline default.
   */
  transcriber?: Transcriber | null;
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
  /** Pages transcribed now and taken from earlier imports (0 when every page has authored text). */
  transcriptsMade: number;
  transcriptsReused: number;
  /** Entities drafted from the story's text (0 when the pack has a world of its own). */
  entitiesDrafted: number;
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
const VARIANT_SIZES: Record<ImageKind, { displayMaxWidth: number; thumbWidth: number; panels?: boolean; full?: boolean }> = {
  pages: { displayMaxWidth: 1600, thumbWidth: 240, panels: true, full: true },
  covers: { displayMaxWidth: 1200, thumbWidth: 360 },
  avatars: { displayMaxWidth: 512, thumbWidth: 128 },
};

async function packHash(pack: Pack, visionModel: string | null, ocrEngine: string | null): Promise<string> {
  const parts = [`importer:${IMPORTER_VERSION}`, `images:${PIPELINE_VERSION}`];
  // Turning descriptions on, off or to another model is a change: the next import applies it.
  if (visionModel !== null) parts.push(`vision:${visionModel}`);
  // So is another OCR engine (or language data) for a pack with pages to transcribe.
  if (ocrEngine !== null) parts.push(`ocr:${ocrEngine}`);
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
  const none = {
    chunks: 0,
    imagesMade: 0,
    imagesReused: 0,
    descriptionsMade: 0,
    descriptionsReused: 0,
    descriptionsFailed: 0,
    transcriptsMade: 0,
    transcriptsReused: 0,
    entitiesDrafted: 0,
  };
  if (opts.dryRun) return { ...base, ...none, status: 'valid', ms: performance.now() - started };

  const describer = deps.describer ?? null;
  // Pages whose pack leaves `dialogue` out have no authored text: their lettering is transcribed.
  const untranscribed = pack.episodes.flatMap((e) =>
    e.data.pages.filter((p) => p.image && p.kind !== 'blank' && p.dialogue === undefined).map((p) => `${e.dir}/${p.image}`),
  );
  const transcriber: Transcriber | null = deps.transcriber === undefined ? (language) => ocrEngineSource({ language }) : deps.transcriber;
  const ocr = untranscribed.length > 0 && transcriber ? await transcriber(pack.series.language) : null;
  const hash = await packHash(pack, describer?.model ?? null, ocr?.id ?? null);
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
    const stored = async (v: ImageVariants) =>
      (await deps.storage.exists(v.display.key)) && (await deps.storage.exists(v.thumb.key)) && (!v.full || (await deps.storage.exists(v.full.key)));
    if (hit && (await stored(hit))) {
      variants.set(file, hit);
      reused++;
    } else {
      const v = await makeVariants(await source.read(file), VARIANT_SIZES[kind]);
      const displayKey = contentKey(kind, sha256(v.display.bytes), 'webp');
      const thumbKey = contentKey(kind, sha256(v.thumb.bytes), 'webp');
      await deps.storage.put(displayKey, v.display.bytes, 'image/webp');
      await deps.storage.put(thumbKey, v.thumb.bytes, 'image/webp');
      const full = v.full ? { key: contentKey(kind, sha256(v.full.bytes), 'webp'), width: v.full.width, height: v.full.height } : null;
      if (full) await deps.storage.put(full.key, v.full!.bytes, 'image/webp');
      const fresh: ImageVariants = {
        display: { key: displayKey, width: v.display.width, height: v.display.height },
        thumb: { key: thumbKey, width: v.thumb.width, height: v.thumb.height },
        blurhash: v.blurhash,
        color: v.color,
        ...(full ? { full } : {}),
        ...(v.panels !== undefined ? { panels: v.panels } : {}),
      };
      await q.rememberVariants(db, h, PIPELINE_VERSION, fresh);
      variants.set(file, fresh);
      cached.set(h, fresh);
      made++;
    }
    report({ phase: 'images', done: ++done, total: files.length });
  });

  // Transcripts of the lettering, for pages with an image and no authored text.
  let transcribed: Transcribed | null = null;
  let ocrCounts = { made: 0, reused: 0 };
  if (ocr) {
    const out = await transcribePages(
      db,
      ocr,
      untranscribed.map((file) => ({ imageHash: hashes.get(file)!, read: () => source.read(file) })),
      {
        direction: pack.series.reading_direction === 'rtl' ? 'rtl' : 'ltr',
        concurrency: opts.concurrency ?? 2,
        signal: opts.signal,
        onProgress: (d, total) => report({ phase: 'transcripts', done: d, total }),
      },
    );
    transcribed = { byFile: new Map() };
    for (const file of untranscribed) {
      const t = out.transcripts.get(hashes.get(file)!);
      if (t) transcribed.byFile.set(file, { text: t.text, regions: t.regions, source: 'ocr', engine: out.engine });
    }
    ocrCounts = { made: out.read, reused: out.reused };
  }

  // Page descriptions by the vision model, for pages with an image and no description of their own; pages the
  // OCR engine read are transcribed by the model too, with the OCR reading as a hint.
  let described: Described | null = null;
  let vision = { made: 0, reused: 0, failed: 0 };
  if (describer) {
    const byFile = new Map<string, PageImage>();
    for (const e of pack.episodes) {
      for (const p of e.data.pages) {
        if (!p.image) continue;
        const file = `${e.dir}/${p.image}`;
        const transcribe = p.dialogue === undefined && transcribed?.byFile.has(file) === true;
        if (p.description?.trim() && !transcribe) continue;
        byFile.set(file, {
          imageHash: hashes.get(file)!,
          read: () => source.read(file),
          transcribe,
          context: {
            seriesTitle: pack.series.title,
            episode: e.data.number,
            episodeTitle: e.data.title,
            page: p.number,
            dialogue: p.dialogue ?? transcribed?.byFile.get(file)?.text ?? '',
          },
        });
      }
    }
    const out = await describePages(db, describer, [...byFile.values()], {
      concurrency: opts.descriptionConcurrency ?? 1,
      signal: opts.signal,
      onProgress: (d, total) => report({ phase: 'descriptions', done: d, total }),
    });
    described = { model: describer.model, byFile: new Map() };
    let refused = 0;
    const dropped = new Set<string>();
    for (const [file, p] of byFile) {
      const text = out.texts.get(p.imageHash);
      if (text !== undefined) described.byFile.set(file, text);
      const lettering = out.letterings.get(p.imageHash);
      const ocrReading = transcribed?.byFile.get(file);
      if (!p.transcribe || lettering === undefined || !ocrReading) continue;
      // The model's lettering replaces the OCR reading only where that reading backs it (src/spoilers/lettering.ts).
      const checked = modelLettering(ocrReading.text, lettering);
      for (const name of checked.droppedSpeakers) dropped.add(name);
      if (checked.text === null) refused++;
      else transcribed!.byFile.set(file, { ...ocrReading, text: checked.text, source: 'model', engine: describer.model });
    }
    if (refused > 0 || dropped.size > 0) {
      warnings.push({
        file: 'series.yaml',
        message:
          `the vision model's lettering (${describer.model}) was not used on ${refused} page(s) where the OCR reading does not back it` +
          (dropped.size > 0 ? `, and speaker labels the pages do not letter were removed (${[...dropped].slice(0, 5).join(', ')})` : ''),
      });
    }
    vision = { made: out.made, reused: out.reused, failed: out.failed };
    if (out.failed > 0) {
      warnings.push({
        file: 'series.yaml',
        message: `the vision model (${describer.model}) could not describe ${out.failed} page image(s), first: ${out.firstFailure ?? 'not sent'}; they stay without a description and are tried again at the next import`,
      });
    }
  }

  // A world drafted from the story's text: by default for a transcribed series without a world of its own,
  // or as series.yaml's `draft` says. Authored data always wins: names it knows are never drafted again.
  let drafts: WorldDraft | null = null;
  if (pack.series.draft ?? (pack.entities.length === 0 && (transcribed?.byFile.size ?? 0) > 0)) {
    report({ phase: 'draft', done: 0, total: 1 });
    const known = pack.entities.flatMap((x) => [x.name, ...x.aliases]);
    drafts = draftWorld(draftPages(pack, transcribed), { language: pack.series.language, known: { names: known } });
    report({ phase: 'draft', done: 1, total: 1 });
  }

  // With failed descriptions the stored hash differs from the pack's, so importing again retries them.
  const content = buildContent(pack, vision.failed > 0 ? `${hash}${DESCRIPTIONS_INCOMPLETE}` : hash, variants, { described, transcribed, drafts });
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
    transcriptsMade: ocrCounts.made,
    transcriptsReused: ocrCounts.reused,
    entitiesDrafted: drafts?.entities.length ?? 0,
    ms: performance.now() - started,
  };
}

/** A page's panels in reading order: the pack's own (as written; `[]` = the page whole), else those found in its image. */
function pagePanels(p: Pack['episodes'][number]['data']['pages'][number], image: ImageVariants | null, direction: Direction): Panel[] | null {
  if (p.panels !== undefined) return p.panels.length > 0 ? p.panels : null;
  return image?.panels ? orderPanels(image.panels, direction) : null;
}

/** Transcribed page text for buildContent: by page image file, with the OCR regions and who wrote the text. */
export interface Transcribed {
  byFile: Map<string, { text: string; regions: TranscriptRegion[]; source: 'ocr' | 'model'; engine: string }>;
}

/** A page's text and where it comes from: the pack's own always wins over a transcript. */
function pageText(dir: string, p: Pack['episodes'][number]['data']['pages'][number], transcribed: Transcribed | null) {
  if (p.dialogue !== undefined || !p.image) return { text: p.dialogue ?? '', source: 'authored' as DialogueSource, transcript: null };
  const t = transcribed?.byFile.get(`${dir}/${p.image}`) ?? null;
  return { text: t?.text ?? '', source: (t?.source ?? 'authored') as DialogueSource, transcript: t };
}

/**
 * Every page's final text, in reading order, for drafting: a transcribed page that reads like credits counts as
 * credits, and the series' own title (a logo) is not the story naming anyone.
 */
function draftPages(pack: Pack, transcribed: Transcribed | null): DraftPage[] {
  return pack.episodes.flatMap((e) =>
    e.data.pages.map((p, i) => {
      const { text, source } = pageText(e.dir, p, transcribed);
      const kind = source !== 'authored' && looksLikeCredits(text) ? 'credits' : p.kind;
      return { episode: e.data.number, page: p.number, kind, text: withoutSeriesTitle(text, pack.series.title, { openingPage: i === 0 && source !== 'authored' }) };
    }),
  );
}

/** Machine-written page descriptions for buildContent: by page image file, and the model that wrote them. */
export interface Described {
  model: string;
  byFile: Map<string, string>;
}

/** What the importer made beside the pack: descriptions, transcripts, a drafted world. */
export interface Machine {
  described?: Described | null;
  transcribed?: Transcribed | null;
  drafts?: WorldDraft | null;
}

/** Rows for one series, from a validated pack and its image variants (pure). */
export function buildContent(pack: Pack, contentHash: string, variants: Map<string, ImageVariants>, machine: Machine = {}): q.SeriesContent {
  const { described = null, transcribed = null, drafts = null } = machine;
  const draftedSummaries = new Map((drafts?.summaries ?? []).map((x) => [x.episode, x.text]));
  const s = pack.series;
  const seriesId = s.id;
  const direction: Direction = s.reading_direction === 'rtl' ? 'rtl' : 'ltr';
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
      // A drafted summary only fills a gap; like any summary it is shown once the episode is finished.
      summary: d.summary ?? draftedSummaries.get(d.number) ?? null,
      summaryDrafted: !d.summary && draftedSummaries.has(d.number),
      cover: d.cover_image ? (variants.get(`${e.dir}/${d.cover_image}`) ?? null) : null,
      license: d.license ?? null,
      attribution: d.attribution ?? null,
      pageCount: pagesSorted.length,
      firstPage: pagesSorted[0]!.number,
      lastPage: pagesSorted[pagesSorted.length - 1]!.number,
    });
    for (const p of pagesSorted) {
      const image = p.image ? (variants.get(`${e.dir}/${p.image}`) ?? null) : null;
      const { text: dialogue, source: dialogueSource, transcript } = pageText(e.dir, p, transcribed);
      const credits = [p.on_page_credits, p.credits_text].filter((x): x is string => !!x).join('\n') || null;
      // The pack's own description always wins; a machine-written one only fills a gap.
      const generated = p.image && !p.description?.trim() ? (described?.byFile.get(`${e.dir}/${p.image}`) ?? null) : null;
      out.pages.push({
        seriesId,
        episode: d.number,
        number: p.number,
        kind: p.kind,
        image,
        dialogue,
        description: p.description ?? null,
        credits,
        generatedDescription: generated,
        generatedDescriptionModel: generated === null ? null : described!.model,
        dialogueSource,
        transcriptEngine: transcript?.engine ?? null,
        transcriptRegions: transcript?.regions ?? null,
        panels: pagePanels(p, image, direction),
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

  // Authored data always wins: a drafted entity never replaces an authored slug, and drafted edges need both ends.
  const authored = new Set(pack.entities.map((x) => x.slug));
  const draftedEntities = (drafts?.entities ?? []).filter((x) => !authored.has(x.slug));
  const drafted = new Set(draftedEntities.map((x) => x.slug));
  const edgeKey = (r: { source: string; target: string; kind: string }) => `${r.source} ${r.target} ${r.kind}`;
  const authoredEdges = new Set(pack.relationships.map(edgeKey));
  const draftedEdges = (drafts?.relationships ?? []).filter(
    (r) => (drafted.has(r.source) || authored.has(r.source)) && (drafted.has(r.target) || authored.has(r.target)) && !authoredEdges.has(edgeKey(r)),
  );
  for (const ent of [...pack.entities, ...draftedEntities]) {
    out.entities.push({
      drafted: drafted.has(ent.slug),
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
  for (const [i, r] of [...pack.relationships, ...draftedEdges].entries()) {
    out.relationships.push({
      drafted: i >= pack.relationships.length,
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
