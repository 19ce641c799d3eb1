/**
 * Read and validate a whole content pack before anything is imported. Every
 * problem is reported with its file and field; a pack with any error imports
 * nothing. Warnings (e.g. a wiki article with no debut) do not block import.
 */
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { probeImage } from '../images.js';
import { comparePositions, formatPosition, MAX_SERIES_NAMES, type Position } from '../spoilers/index.js';
import {
  type EntityYaml,
  type EpisodeYaml,
  entitiesFileSchema,
  episodeSchema,
  type RelationshipYaml,
  relationshipsFileSchema,
  type SeriesYaml,
  SLUG,
  seriesSchema,
  wikiFrontMatterSchema,
} from './pack-schema.js';
import type { PackSource } from './pack-source.js';
import { FrontMatterError, resolveSectionDebuts, type SplitMarkdown, splitMarkdown } from './wiki.js';

export interface PackProblem {
  file: string;
  /** 1-based line in `file`, when known (spoiler-lint warnings). */
  line?: number;
  field?: string;
  message: string;
}

export interface PackEpisode {
  dir: string;
  data: EpisodeYaml;
}

export interface PackWikiSection {
  heading: string | null;
  body: string;
  debut: Position;
}

export interface PackWikiArticle {
  path: string;
  slug: string;
  title: string;
  category: string | null;
  debut: Position;
  debutSource: 'front_matter' | 'entity' | 'spoiler_free' | 'end_of_series';
  sections: PackWikiSection[];
}

export interface Pack {
  source: PackSource;
  series: SeriesYaml;
  episodes: PackEpisode[];
  wiki: PackWikiArticle[];
  entities: EntityYaml[];
  relationships: RelationshipYaml[];
  warnings: PackProblem[];
}

export type PackResult = { ok: true; pack: Pack } | { ok: false; problems: PackProblem[]; warnings: PackProblem[] };

const IMAGE_EXT = /\.(jpe?g|png|webp|avif|gif)$/i;

function fieldPath(path: PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
}

export async function readPack(source: PackSource): Promise<PackResult> {
  const problems: PackProblem[] = [];
  const warnings: PackProblem[] = [];

  async function yamlFile<S extends z.ZodType>(file: string, schema: S, prefix: (string | number)[] = []): Promise<z.infer<S> | null> {
    let raw: unknown;
    try {
      // logLevel 'error': an odd tag in a pack is the pack's problem, not a process warning in the server log.
      raw = parseYaml((await source.read(file)).toString('utf8'), { maxAliasCount: 100, logLevel: 'error' });
    } catch (err) {
      problems.push({ file, message: `not valid YAML: ${(err as Error).message.split('\n')[0]}` });
      return null;
    }
    const parsed = schema.safeParse(raw ?? {});
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        problems.push({ file, field: fieldPath([...prefix, ...issue.path]) || undefined, message: issue.message });
      }
      return null;
    }
    return parsed.data;
  }

  let series: SeriesYaml | null = null;
  if (source.has('series.yaml')) series = await yamlFile('series.yaml', seriesSchema);
  else problems.push({ file: 'series.yaml', message: 'missing: a pack must have series.yaml at its root' });

  // Episodes: every episodes/<dir>/episode.yaml.
  const episodeFiles = source.files().filter((f) => /^episodes\/[^/]+\/episode\.ya?ml$/.test(f));
  if (episodeFiles.length === 0) problems.push({ file: 'episodes/', message: 'no episodes: expected episodes/<folder>/episode.yaml' });
  const episodes: PackEpisode[] = [];
  const seenNumbers = new Map<number, string>();
  const imageChecks: Array<{ file: string; field: string; path: string }> = [];
  for (const file of episodeFiles) {
    const dir = file.slice(0, file.lastIndexOf('/'));
    const data = await yamlFile(file, episodeSchema);
    if (!data) continue;
    const other = seenNumbers.get(data.number);
    if (other) problems.push({ file, field: 'number', message: `episode number ${data.number} is also used by ${other}` });
    seenNumbers.set(data.number, file);
    const pageNumbers = new Set<number>();
    data.pages.forEach((p, i) => {
      if (pageNumbers.has(p.number)) problems.push({ file, field: `pages[${i}].number`, message: `page number ${p.number} appears twice` });
      pageNumbers.add(p.number);
      if (p.image === null) {
        if (p.kind !== 'blank') problems.push({ file, field: `pages[${i}].image`, message: 'required unless kind is "blank"' });
      } else imageChecks.push({ file, field: `pages[${i}].image`, path: `${dir}/${p.image}` });
    });
    if (data.cover_image) imageChecks.push({ file, field: 'cover_image', path: `${dir}/${data.cover_image}` });
    data.pages.sort((a, b) => a.number - b.number);
    episodes.push({ dir, data });
  }
  episodes.sort((a, b) => a.data.number - b.data.number);

  // World graph.
  let entities: EntityYaml[] = [];
  let relationships: RelationshipYaml[] = [];
  if (source.has('world/entities.yaml')) {
    entities = (await yamlFile('world/entities.yaml', entitiesFileSchema))?.entities ?? [];
    // Every name and alias is matched in every text a reader is shown: the matcher is sized for this many.
    const names = entities.reduce((n, e) => n + 1 + e.aliases.length, 0);
    if (names > MAX_SERIES_NAMES) {
      problems.push({
        file: 'world/entities.yaml',
        message: `${names} entity names and aliases: a series may have at most ${MAX_SERIES_NAMES} (every one is checked in every text a reader sees)`,
      });
    }
    const slugs = new Set<string>();
    entities.forEach((e, i) => {
      if (slugs.has(e.slug)) problems.push({ file: 'world/entities.yaml', field: `entities[${i}].slug`, message: `duplicate slug "${e.slug}"` });
      slugs.add(e.slug);
      if (e.image_url) imageChecks.push({ file: 'world/entities.yaml', field: `entities[${i}].image_url`, path: `world/${e.image_url}` });
      e.descriptions.forEach((d, j) => {
        if (comparePositions({ episode: d.episode_debut, page: d.page_debut }, { episode: e.episode_debut, page: e.page_debut }) < 0)
          problems.push({
            file: 'world/entities.yaml',
            field: `entities[${i}].descriptions[${j}]`,
            message: `debut ${d.episode_debut}/${d.page_debut} is before the entity's own debut ${e.episode_debut}/${e.page_debut}`,
          });
      });
    });
  }
  if (source.has('world/relationships.yaml')) {
    relationships = (await yamlFile('world/relationships.yaml', relationshipsFileSchema))?.relationships ?? [];
    const bySlug = new Map(entities.map((e) => [e.slug, e]));
    const triples = new Set<string>();
    relationships.forEach((r, i) => {
      const field = `relationships[${i}]`;
      for (const end of ['source', 'target'] as const) {
        if (!bySlug.has(r[end])) problems.push({ file: 'world/relationships.yaml', field: `${field}.${end}`, message: `unknown entity "${r[end]}"` });
      }
      const key = `${r.source}|${r.target}|${r.kind}`;
      if (triples.has(key)) problems.push({ file: 'world/relationships.yaml', field, message: `duplicate edge ${r.source} ${r.kind} ${r.target}` });
      triples.add(key);
    });
  } else if (source.files().some((f) => f.startsWith('world/relationships'))) {
    warnings.push({ file: 'world/', message: 'relationships must be in world/relationships.yaml; other files are ignored' });
  }

  // Wiki.
  const wiki: PackWikiArticle[] = [];
  const first = episodes[0] ? { episode: episodes[0].data.number, page: episodes[0].data.pages[0]?.number ?? 0 } : { episode: 0, page: 0 };
  const lastEp = episodes[episodes.length - 1];
  const end = lastEp ? { episode: lastEp.data.number, page: lastEp.data.pages[lastEp.data.pages.length - 1]?.number ?? 0 } : first;
  const entityDebut = new Map(entities.map((e) => [e.slug, { episode: e.episode_debut, page: e.page_debut }]));
  const wikiSlugs = new Map<string, string>();
  for (const file of source.files().filter((f) => /^wiki\/.+\.md$/i.test(f))) {
    let split: SplitMarkdown;
    try {
      split = splitMarkdown((await source.read(file)).toString('utf8'));
    } catch (err) {
      if (err instanceof FrontMatterError) {
        problems.push({ file, message: err.message });
        continue;
      }
      throw err;
    }
    const fm = wikiFrontMatterSchema.safeParse(split.frontMatter ?? {});
    if (!fm.success) {
      for (const issue of fm.error.issues) problems.push({ file, field: fieldPath(issue.path) || undefined, message: issue.message });
      continue;
    }
    const slug = fm.data.slug ?? file.slice(file.lastIndexOf('/') + 1, -3).toLowerCase();
    if (!SLUG.test(slug)) {
      problems.push({ file, field: 'slug', message: `"${slug}" (from the file name) is not a valid slug: set slug: in the front matter or rename the file` });
      continue;
    }
    const dup = wikiSlugs.get(slug);
    if (dup) {
      problems.push({ file, field: 'slug', message: `slug "${slug}" is also used by ${dup}` });
      continue;
    }
    wikiSlugs.set(slug, file);
    let debut: Position;
    let debutSource: PackWikiArticle['debutSource'];
    if (fm.data.debut) {
      debut = fm.data.debut;
      debutSource = 'front_matter';
    } else if (entityDebut.has(slug)) {
      debut = entityDebut.get(slug)!;
      debutSource = 'entity';
    } else if (fm.data.spoiler_free) {
      debut = first;
      debutSource = 'spoiler_free';
    } else {
      // Fail closed: unannotated lore stays hidden until the reader has finished the series.
      debut = end;
      debutSource = 'end_of_series';
      warnings.push({
        file,
        message: `no debut, no world entity "${slug}" and not spoiler_free: hidden until the end of the series (${formatPosition(end)})`,
      });
    }
    const debuts = resolveSectionDebuts(split.sections, debut);
    wiki.push({
      path: file,
      slug,
      title: fm.data.title,
      category: fm.data.category ?? null,
      debut,
      debutSource,
      sections: split.sections.map((s, i) => ({ heading: s.heading, body: s.body, debut: debuts[i]! })),
    });
  }

  // Referenced images: present, an image type, and a readable header within limits.
  for (const check of imageChecks) {
    if (!IMAGE_EXT.test(check.path)) {
      problems.push({ file: check.file, field: check.field, message: `${check.path}: not an image file (jpg, png, webp, avif or gif)` });
    } else if (!source.has(check.path)) {
      problems.push({ file: check.file, field: check.field, message: `${check.path}: file not found in the pack` });
    } else {
      const bad = await probeImage(await source.read(check.path));
      if (bad) problems.push({ file: check.file, field: check.field, message: `${check.path}: ${bad}` });
    }
  }

  if (!series || problems.length > 0) return { ok: false, problems, warnings };
  return { ok: true, pack: { source, series, episodes, wiki, entities, relationships, warnings } };
}

export function formatProblem(p: PackProblem): string {
  return `${p.file}${p.line ? `:${p.line}` : ''}${p.field ? ` (${p.field})` : ''}: ${p.message}`;
}
