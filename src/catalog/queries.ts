/**
 * All SQL of the catalog (library, series detail, episode pages). Every story
 * field is gated inside SQL by the boundary from spoilers/boundary.ts: titles
 * and covers of episodes past the next unread one, page text and thumbnails
 * past the reader's position, and summaries of unfinished episodes come back
 * as NULL from the database itself.
 */
import { sql } from 'drizzle-orm';
import type { Direction, Layout, PageKind, Panel } from '../contract/index.js';
import { type Db, queryRows } from '../db/client.js';
import type { ImageVariants } from '../db/schema.js';
import { episodeEnd, episodeFinished, episodeUnlocked, type ReaderScope, readerPosition, visibleTo } from '../spoilers/index.js';

/** The series columns every view shows. */
export interface SeriesRow {
  id: string;
  title: string;
  description: string | null;
  language: string;
  /** The pack schema admits only these (content/pack-schema.ts). */
  reading_direction: Direction;
  layout: Layout;
  license: string | null;
  license_url: string | null;
  attribution: string;
  author: string | null;
  homepage: string | null;
  show_unread_covers: boolean;
}

export interface SeriesListRow extends SeriesRow {
  episode_count: number;
  cover: ImageVariants | null;
  position_episode: number | null;
  position_page: number | null;
}

/** Series with the first episode's cover (always revealed) and this reader's position. */
export function listSeries(db: Db, readerId: string | null): Promise<SeriesListRow[]> {
  return queryRows<SeriesListRow>(
    db,
    sql`SELECT s.id, s.title, s.description, s.language, s.reading_direction, s.layout, s.license, s.license_url,
               s.attribution, s.author, s.homepage, s.show_unread_covers,
               (SELECT count(*)::int FROM episodes e WHERE e.series_id = s.id) AS episode_count,
               (SELECT e.cover FROM episodes e WHERE e.series_id = s.id ORDER BY e.number LIMIT 1) AS cover,
               p.episode AS position_episode, p.page AS position_page
          FROM series s
          LEFT JOIN LATERAL (${readerPosition({ readerId, seriesId: sql`s.id` })}) p ON true
         ORDER BY s.title, s.id`,
  );
}

export async function getSeries(db: Db, seriesId: string): Promise<SeriesRow | null> {
  const rows = await queryRows<SeriesRow>(
    db,
    sql`SELECT id, title, description, language, reading_direction, layout, license, license_url, attribution,
               author, homepage, show_unread_covers
          FROM series WHERE id = ${seriesId}`,
  );
  return rows[0] ?? null;
}

export interface EpisodeListRow {
  number: number;
  page_count: number;
  first_page: number;
  last_page: number;
  /** The page from which the episode counts as finished (its last story page, spoilers episodeEnd). */
  end_page: number;
  /** NULL unless revealed. */
  title: string | null;
  slug: string | null;
  cover: ImageVariants | null;
  /** Placeholder data, always present when the episode has a cover. */
  cover_blurhash: string | null;
  cover_color: string | null;
  cover_width: number | null;
  cover_height: number | null;
  /** NULL until the episode is finished. */
  summary: string | null;
  summary_drafted: boolean;
  attribution: string | null;
  license: string | null;
}

export function listEpisodes(db: Db, scope: ReaderScope): Promise<EpisodeListRow[]> {
  const revealed = sql`(s.show_unread_covers OR ${episodeUnlocked(scope, sql`e.number`)})`;
  return queryRows<EpisodeListRow>(
    db,
    sql`SELECT e.number, e.page_count, e.first_page, e.last_page, COALESCE(${episodeEnd(scope.seriesId, sql`e.number`)}, e.last_page) AS end_page,
               CASE WHEN ${revealed} THEN e.title END AS title,
               CASE WHEN ${revealed} THEN e.slug END AS slug,
               CASE WHEN ${revealed} THEN e.cover END AS cover,
               e.cover->>'blurhash' AS cover_blurhash, e.cover->>'color' AS cover_color,
               (e.cover->'display'->>'width')::int AS cover_width, (e.cover->'display'->>'height')::int AS cover_height,
               CASE WHEN ${episodeFinished(scope, sql`e.number`)} THEN e.summary END AS summary,
               COALESCE(${episodeFinished(scope, sql`e.number`)} AND e.summary_drafted, false) AS summary_drafted,
               e.attribution, e.license
          FROM episodes e JOIN series s ON s.id = e.series_id
         WHERE e.series_id = ${scope.seriesId}
         ORDER BY e.number`,
  );
}

/**
 * What a cached response of a series is keyed by (cache.ts): the series' content version and the reader's
 * position row, read together. NULL row: no such series.
 */
export interface BoundaryStateRow {
  /** bigint as text. */
  version: string;
  episode: number | null;
  page: number | null;
}

export async function boundaryState(db: Db, scope: ReaderScope): Promise<BoundaryStateRow | null> {
  const rows = await queryRows<BoundaryStateRow>(
    db,
    sql`SELECT s.content_version::text AS version, p.episode, p.page
          FROM series s LEFT JOIN LATERAL (${readerPosition({ readerId: scope.readerId, seriesId: sql`s.id` })}) p ON true
         WHERE s.id = ${scope.seriesId}`,
  );
  return rows[0] ?? null;
}

/** The same for every series, in id order: what the library response is keyed by. */
export function libraryState(db: Db, readerId: string | null): Promise<Array<BoundaryStateRow & { id: string }>> {
  return queryRows(
    db,
    sql`SELECT s.id, s.content_version::text AS version, p.episode, p.page
          FROM series s LEFT JOIN LATERAL (${readerPosition({ readerId, seriesId: sql`s.id` })}) p ON true
         ORDER BY s.id`,
  );
}

/**
 * Which pages and episodes a series has (all of them, reached or not: only their numbers, never sent to a reader),
 * with the content version they are of: what a progress move is checked against (progress/queries.ts moveContext).
 */
export async function pageLayout(db: Db, seriesId: string): Promise<{ version: string; pages: Array<[number, number]>; episodes: number[] } | null> {
  const rows = await queryRows<{ version: string; pages: Array<[number, number]> | null; episodes: number[] | null }>(
    db,
    sql`SELECT s.content_version::text AS version,
               (SELECT json_agg(json_build_array(p.episode, p.number)) FROM pages p WHERE p.series_id = s.id) AS pages,
               (SELECT array_agg(e.number ORDER BY e.number) FROM episodes e WHERE e.series_id = s.id) AS episodes
          FROM series s WHERE s.id = ${seriesId}`,
  );
  const r = rows[0];
  return r ? { version: r.version, pages: r.pages ?? [], episodes: r.episodes ?? [] } : null;
}

export interface PositionRow {
  episode: number;
  page: number;
}

export async function position(db: Db, scope: ReaderScope): Promise<PositionRow | null> {
  const rows = await queryRows<PositionRow>(db, readerPosition(scope));
  return rows[0] ?? null;
}

export interface PageRow {
  number: number;
  kind: PageKind;
  /** NULL for pages of locked episodes (past the next unread one) unless peeking. */
  display: ImageVariants['display'] | null;
  /** With `display`: the full-size copy of a page wider than its display variant, else NULL. */
  full: ImageVariants['display'] | null;
  blurhash: string | null;
  color: string | null;
  thumb_width: number | null;
  thumb_height: number | null;
  reached: boolean;
  /** NULL past the reader's position (unless the series shows unread thumbnails). */
  thumb: ImageVariants['thumb'] | null;
  dialogue: string | null;
  dialogue_source: 'authored' | 'ocr' | 'model' | null;
  description: string | null;
  /** In reading order; NULL with `display` (the panels of an image the reader is sent, nothing more). */
  panels: Panel[] | null;
}

/**
 * Pages of one episode. Text and thumbnails need the page to be reached; the
 * display image needs the episode to be unlocked (current or next), or an
 * explicit peek, which the reader chose after the skip-ahead question.
 */
export function listPages(db: Db, scope: ReaderScope, episode: number, peek: boolean): Promise<PageRow[]> {
  const reached = visibleTo(scope, { episode: sql`p.episode`, page: sql`p.number` });
  const openable = sql`(${peek} OR s.show_unread_covers OR ${episodeUnlocked(scope, sql`p.episode`)})`;
  return queryRows<PageRow>(
    db,
    sql`SELECT p.number, p.kind,
               CASE WHEN ${openable} THEN p.image->'display' END AS display,
               CASE WHEN ${openable} THEN p.image->'full' END AS full,
               p.image->>'blurhash' AS blurhash, p.image->>'color' AS color,
               (p.image->'thumb'->>'width')::int AS thumb_width, (p.image->'thumb'->>'height')::int AS thumb_height,
               COALESCE(${reached}, false) AS reached,
               CASE WHEN ${reached} OR s.show_unread_covers THEN p.image->'thumb' END AS thumb,
               CASE WHEN ${reached} THEN p.dialogue END AS dialogue,
               CASE WHEN ${reached} THEN p.dialogue_source END AS dialogue_source,
               CASE WHEN ${reached} THEN p.description END AS description,
               CASE WHEN ${openable} THEN p.panels END AS panels
          FROM pages p JOIN series s ON s.id = p.series_id
         WHERE p.series_id = ${scope.seriesId} AND p.episode = ${episode}
         ORDER BY p.number`,
  );
}
