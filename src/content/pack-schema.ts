/**
 * The content-pack format (normative spec: docs/content-packs.md), as zod
 * schemas. Unknown keys are allowed and ignored so packs can carry their own
 * bookkeeping (the Pepper & Carrot pack does).
 */
import { z } from 'zod';

export const SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;
export const SERIES_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A path inside the pack: relative, forward slashes, no `..`, no absolute or drive paths. */
export const relativePath = z
  .string()
  .min(1)
  .max(300)
  .refine((p) => !p.startsWith('/') && !/^[a-zA-Z]:/.test(p) && !p.includes('\\') && !p.split('/').includes('..'), {
    message: 'must be a relative path inside the pack (no "..", no leading "/", forward slashes)',
  });

const text = (max: number) => z.string().max(max);
/** A link the web app shows to readers: http(s) only (a `javascript:` or `data:` URL would run in Folio's page). */
const webUrl = z.url({ protocol: /^https?$/, error: 'must be an http:// or https:// URL' }).max(2_000);
const position = { episode_debut: z.int().min(0).max(1_000_000), page_debut: z.int().min(0).max(100_000) };

export const seriesSchema = z.looseObject({
  id: z.string().regex(SERIES_ID, 'must be lowercase letters, digits and "-" (e.g. "pepper-carrot"), at most 63 characters'),
  title: text(200).min(1),
  description: text(2000).optional(),
  language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a language tag such as "en" or "pt-BR"')
    .default('en'),
  reading_direction: z.enum(['ltr', 'rtl']).default('ltr'),
  layout: z.enum(['paged', 'vertical']).default('paged'),
  license: text(500).optional(),
  license_url: webUrl.optional(),
  attribution: text(1000).default(''),
  author: text(200).optional(),
  homepage: webUrl.optional(),
  show_unread_covers: z.boolean().default(false),
  // Draft a world (entities, relationships, episode summaries) from the text at import; unset = only for a
  // series whose text was transcribed and that has no world of its own (docs/transcription.md).
  draft: z.boolean().optional(),
});

export const PAGE_KINDS = ['title', 'story', 'credits', 'blank'] as const;

/** Most panels a page may list (a dense 4-koma page has 16; beyond this it is not a guided view). */
const MAX_PANELS = 64;
/** A hair over 1: rounding in a tool that wrote fractions must not reject a panel that touches the edge. */
const EDGE = 1.0001;
const fraction = z.number().min(0).max(1);
/** A panel: fractions of the page (0..1) from its top left corner, inside the page. */
const panelSchema = z
  .strictObject({ x: fraction, y: fraction, w: fraction.positive(), h: fraction.positive() })
  .refine((p) => p.x + p.w <= EDGE && p.y + p.h <= EDGE, { message: 'a panel must lie inside the page: x + w and y + h at most 1' });

export const pageSchema = z.looseObject({
  number: z.int().min(0).max(100_000),
  kind: z.enum(PAGE_KINDS).default('story'),
  image: relativePath.nullable().default(null),
  // Absent = the pack authored no text for the page: the importer transcribes its image (docs/transcription.md).
  dialogue: text(50_000).nullable().optional(),
  description: text(5_000).nullable().optional(),
  on_page_credits: text(10_000).nullable().optional(),
  credits_text: text(50_000).nullable().optional(),
  // Guided view's panels, in reading order, replacing the ones found at import; [] = show the page whole.
  panels: z.array(panelSchema).max(MAX_PANELS).optional(),
});

export const episodeSchema = z.looseObject({
  number: z.int().min(0).max(1_000_000),
  slug: text(200).optional(),
  title: text(300).min(1),
  summary: text(10_000).nullable().optional(),
  cover_image: relativePath.nullable().optional(),
  license: text(500).nullable().optional(),
  attribution: text(1000).nullable().optional(),
  pages: z.array(pageSchema).min(1, 'an episode needs at least one page').max(2_000),
});

const debutSchema = z.strictObject({ episode: z.int().min(0), page: z.int().min(0) });

export const wikiFrontMatterSchema = z.looseObject({
  slug: z.string().regex(SLUG, 'must be lowercase letters, digits, "-" or "_"').optional(),
  title: text(300).min(1),
  category: text(100).optional(),
  debut: debutSchema.optional(),
  spoiler_free: z.boolean().default(false),
});

export const entitySchema = z.looseObject({
  slug: z.string().regex(SLUG, 'must be lowercase letters, digits, "-" or "_"'),
  name: text(200).min(1),
  kind: z.string().regex(/^[a-z][a-z_-]{0,39}$/, 'must be a lowercase word such as "character" or "place"'),
  summary: text(5_000).nullable().optional(),
  aliases: z.array(text(200).min(1)).max(50).default([]),
  ...position,
  layout: z.strictObject({ x: z.number().finite(), y: z.number().finite() }).nullable().optional(),
  image_url: relativePath.nullable().optional(),
  descriptions: z
    .array(z.strictObject({ text: text(5_000).min(1), ...position }))
    .max(50)
    .default([]),
});

export const entitiesFileSchema = z.looseObject({ entities: z.array(entitySchema).max(10_000) });

export const relationshipSchema = z.looseObject({
  source: z.string().regex(SLUG),
  target: z.string().regex(SLUG),
  kind: z.string().regex(/^[a-z][a-z_-]{0,39}$/, 'must be a lowercase word such as "friend_of"'),
  summary: text(2_000).nullable().optional(),
  ...position,
});

export const relationshipsFileSchema = z.looseObject({ relationships: z.array(relationshipSchema).max(50_000) });

export type SeriesYaml = z.infer<typeof seriesSchema>;
export type EpisodeYaml = z.infer<typeof episodeSchema>;
export type PageYaml = z.infer<typeof pageSchema>;
export type EntityYaml = z.infer<typeof entitySchema>;
export type RelationshipYaml = z.infer<typeof relationshipSchema>;
export type WikiFrontMatter = z.infer<typeof wikiFrontMatterSchema>;
