/**
 * Drizzle table definitions mirroring migrations/*.sql (the SQL files are the
 * source of truth for the database; these give queries their types).
 */
import { sql } from 'drizzle-orm';
import { bigint, bigserial, boolean, customType, doublePrecision, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import type { Panel } from '../contract/api.js';

const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

export interface ImageRef {
  key: string;
  width: number;
  height: number;
}

/** What the importer stores for one source image. */
export interface ImageVariants {
  display: ImageRef;
  thumb: ImageRef;
  blurhash: string;
  color: string;
  /** Page images wider than their display variant: the page at full size, for zooming (src/images.ts). */
  full?: ImageRef;
  /** Page images: the panels found in it, unordered (src/panels); null = detection was unsure. Absent on other images. */
  panels?: Panel[] | null;
}

export const series = pgTable('series', {
  id: text('id').primaryKey(),
  title: text('title').notNull(),
  description: text('description'),
  language: text('language').notNull(),
  readingDirection: text('reading_direction').notNull(),
  layout: text('layout').notNull(),
  license: text('license'),
  licenseUrl: text('license_url'),
  attribution: text('attribution').notNull(),
  author: text('author'),
  homepage: text('homepage'),
  showUnreadCovers: boolean('show_unread_covers').notNull(),
  contentHash: text('content_hash').notNull(),
  importedAt: timestamp('imported_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  /** New with every change to the series, its episodes or its pages (triggers, migration 0015): cached responses key on it. */
  contentVersion: bigint('content_version', { mode: 'number' }).notNull().default(sql`nextval('series_content_version')`),
});

export const episodes = pgTable(
  'episodes',
  {
    seriesId: text('series_id').notNull(),
    number: integer('number').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    summary: text('summary'),
    cover: jsonb('cover').$type<ImageVariants | null>(),
    license: text('license'),
    attribution: text('attribution'),
    pageCount: integer('page_count').notNull(),
    firstPage: integer('first_page').notNull(),
    lastPage: integer('last_page').notNull(),
    /** The summary was drafted from the episode's own text at import (migration 0013), not authored. */
    summaryDrafted: boolean('summary_drafted').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.number] })],
);

export const pages = pgTable(
  'pages',
  {
    seriesId: text('series_id').notNull(),
    episode: integer('episode').notNull(),
    number: integer('number').notNull(),
    kind: text('kind').notNull(),
    image: jsonb('image').$type<ImageVariants | null>(),
    dialogue: text('dialogue').notNull(),
    description: text('description'),
    credits: text('credits'),
    /** Written by FOLIO_VISION_MODEL at import for a page without `description` (migration 0006); never alt text. */
    generatedDescription: text('generated_description'),
    /** `provider:model` that wrote `generatedDescription`. */
    generatedDescriptionModel: text('generated_description_model'),
    /** `authored` (the pack), `ocr` or `model` (transcribed at import, migration 0013). */
    dialogueSource: text('dialogue_source').$type<DialogueSource>().notNull().default('authored'),
    /** The OCR engine or vision model that transcribed the page. */
    transcriptEngine: text('transcript_engine'),
    transcriptRegions: jsonb('transcript_regions').$type<TranscriptRegion[] | null>(),
    /** The page's panels in reading order (the pack's `panels`, else those found at import); null = the page whole (migration 0014). */
    panels: jsonb('panels').$type<Panel[] | null>(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.episode, t.number] })],
);

export const chunks = pgTable('chunks', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  seriesId: text('series_id').notNull(),
  episode: integer('episode').notNull(),
  page: integer('page').notNull(),
  source: text('source').notNull(),
  sourceRef: text('source_ref').notNull(),
  ordinal: integer('ordinal').notNull(),
  text: text('text').notNull(),
  tsv: tsvector('tsv').generatedAlwaysAs(() => 'to_tsvector(english, text)' as never),
});

export const wikiArticles = pgTable(
  'wiki_articles',
  {
    seriesId: text('series_id').notNull(),
    slug: text('slug').notNull(),
    title: text('title').notNull(),
    category: text('category'),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    debutSource: text('debut_source').notNull(),
    sourcePath: text('source_path').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.slug] })],
);

export const wikiSections = pgTable(
  'wiki_sections',
  {
    seriesId: text('series_id').notNull(),
    articleSlug: text('article_slug').notNull(),
    ordinal: integer('ordinal').notNull(),
    heading: text('heading'),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    body: text('body').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.articleSlug, t.ordinal] })],
);

export const entities = pgTable(
  'entities',
  {
    seriesId: text('series_id').notNull(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    kind: text('kind').notNull(),
    aliases: text('aliases').array().notNull(),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    layoutX: doublePrecision('layout_x'),
    layoutY: doublePrecision('layout_y'),
    image: jsonb('image').$type<ImageVariants | null>(),
    /** Drafted from the story's text at import (migration 0013), not authored. */
    drafted: boolean('drafted').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.slug] })],
);

export const entityDescriptions = pgTable(
  'entity_descriptions',
  {
    seriesId: text('series_id').notNull(),
    entitySlug: text('entity_slug').notNull(),
    ordinal: integer('ordinal').notNull(),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    text: text('text').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.entitySlug, t.ordinal] })],
);

export const relationships = pgTable(
  'relationships',
  {
    seriesId: text('series_id').notNull(),
    source: text('source').notNull(),
    target: text('target').notNull(),
    kind: text('kind').notNull(),
    summary: text('summary'),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    drafted: boolean('drafted').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.source, t.target, t.kind] })],
);

/** Every word of a series with its first readable position (migration 0008, spoilers/profile.ts). */
export const seriesTerms = pgTable(
  'series_terms',
  {
    seriesId: text('series_id').notNull(),
    term: text('term').notNull(),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    distinctive: boolean('distinctive').notNull(),
  },
  (t) => [primaryKey({ columns: [t.seriesId, t.term] })],
);

export const imageVariants = pgTable('image_variants', {
  sourceHash: text('source_hash').primaryKey(),
  pipeline: text('pipeline').notNull(),
  variants: jsonb('variants').$type<ImageVariants>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** Vision-model page descriptions by source image and model (migration 0006): re-imports reuse them. */
export type DialogueSource = 'authored' | 'ocr' | 'model';

/** One text region of a transcribed page, in reading order (source-image pixels). */
export interface TranscriptRegion {
  text: string;
  confidence: number;
  box: { x: number; y: number; width: number; height: number };
  sound: boolean;
}

/** OCR transcripts by source image and engine (migration 0013): outlive re-imports, make imports resumable. */
export const pageTranscripts = pgTable(
  'page_transcripts',
  {
    imageHash: text('image_hash').notNull(),
    engine: text('engine').notNull(),
    regions: jsonb('regions').$type<TranscriptRegion[]>().notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.imageHash, t.engine] })],
);

export const visionDescriptions = pgTable(
  'vision_descriptions',
  {
    imageHash: text('image_hash').notNull(),
    model: text('model').notNull(),
    text: text('text').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.imageHash, t.model] })],
);

export const readers = pgTable('readers', {
  id: uuid('id').primaryKey().defaultRandom(),
  /** Before migration 0017 the reader's one token; always null since (devices hold tokens: readerDevices). */
  tokenHash: text('token_hash').unique(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const progress = pgTable(
  'progress',
  {
    readerId: uuid('reader_id').notNull(),
    seriesId: text('series_id').notNull(),
    episode: integer('episode').notNull(),
    page: integer('page').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.readerId, t.seriesId] })],
);

/** The companion (migration 0002): a reader's conversations and their messages, each at the position it was written. */
export const conversations = pgTable(
  'conversations',
  {
    readerId: uuid('reader_id').notNull(),
    id: text('id').notNull(),
    seriesId: text('series_id').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.readerId, t.id] })],
);

export const messages = pgTable('messages', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  readerId: uuid('reader_id').notNull(),
  conversationId: text('conversation_id').notNull(),
  clientId: text('client_id'),
  role: text('role').$type<'user' | 'assistant'>().notNull(),
  text: text('text').notNull(),
  episode: integer('episode').notNull(),
  page: integer('page').notNull(),
  status: text('status').notNull(),
  citations: jsonb('citations').$type<unknown[]>().notNull(),
  suggestions: jsonb('suggestions').$type<string[]>().notNull(),
  model: text('model'),
  inputTokens: integer('input_tokens'),
  outputTokens: integer('output_tokens'),
  ttftMs: integer('ttft_ms'),
  latencyMs: integer('latency_ms'),
  /** Sentences of the answer the guard withheld (migration 0009). */
  withheld: integer('withheld').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

/** Extra reader tokens for AI assistants (migration 0005): hashed, labelled, revocable. */
export const readerTokens = pgTable('reader_tokens', {
  id: uuid('id').primaryKey().defaultRandom(),
  readerId: uuid('reader_id').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  label: text('label').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'string' }),
  // What the token may do (migration 0011, ADR 0028); checked against TOKEN_SCOPES in SQL.
  scopes: text('scopes').array().notNull().default(sql`ARRAY['mcp:read']::text[]`),
});

/** The devices that hold a reader's own token (migration 0017, ADR 0041). */
export const readerDevices = pgTable('reader_devices', {
  id: uuid('id').primaryKey().defaultRandom(),
  readerId: uuid('reader_id').notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  label: text('label').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
  lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'string' }).notNull().defaultNow(),
});

export const schema = {
  series,
  episodes,
  pages,
  chunks,
  wikiArticles,
  wikiSections,
  entities,
  entityDescriptions,
  relationships,
  seriesTerms,
  imageVariants,
  readers,
  progress,
  conversations,
  messages,
  readerTokens,
  readerDevices,
};
