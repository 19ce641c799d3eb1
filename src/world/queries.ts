/**
 * All SQL of the world feature (world graph and wiki). Every row that carries
 * story content is selected under the boundary predicate of
 * spoilers/boundary.ts, inside the statement: entities, their descriptions,
 * relationships (and both endpoints), wiki articles and sections, and the
 * reader's current page. Nothing is fetched first and filtered afterwards.
 */
import { type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import type { ImageVariants } from '../db/schema.js';
import { episodeEnd, type ReaderScope, readerPosition, visibleTo } from '../spoilers/index.js';

/** Position columns of a table alias (aliases are constants of this module, never input). */
const at = (alias: 'e' | 'd' | 'r' | 'src' | 'tgt' | 'a' | 'sec') => ({ episode: sql.raw(`${alias}.episode`), page: sql.raw(`${alias}.page`) });
/** Pages keep their page number in `number`. */
const pagePosition = { episode: sql.raw('pg.episode'), page: sql.raw('pg.number') };

export interface ReaderStateRow {
  series_id: string;
  /** Changes with every import that changes the series. */
  content_hash: string;
  episode: number | null;
  page: number | null;
  /** Where the reader's current episode ends (boundary.ts episodeEnd): finished from there. */
  episode_end: number | null;
  language: string;
}

/** The series (absent → no row) and the reader's progress row, as one statement. */
export async function readerState(db: Db, scope: ReaderScope): Promise<ReaderStateRow | null> {
  const rows = await queryRows<ReaderStateRow>(
    db,
    sql`SELECT s.id AS series_id, s.content_hash, s.language, pos.episode, pos.page,
               ${episodeEnd(scope.seriesId, sql`pos.episode`)} AS episode_end
          FROM series s
          LEFT JOIN LATERAL (${readerPosition(scope)}) pos ON true
         WHERE s.id = ${scope.seriesId}`,
  );
  return rows[0] ?? null;
}

export interface NodeRow {
  slug: string;
  name: string;
  kind: string;
  aliases: string[];
  episode: number;
  page: number;
  layout_x: number | null;
  layout_y: number | null;
  image: ImageVariants | null;
  drafted: boolean;
  /** The latest description the reader has reached (NULL when none is reached yet). */
  description: string | null;
  description_episode: number | null;
  description_page: number | null;
  /** Title of the unlocked wiki article with the same slug, if any. */
  wiki_title: string | null;
}

/** Entities that have debuted for the reader, each with its latest reached description and unlocked article. */
function nodesSql(scope: ReaderScope, slug?: string): SQL {
  const one: SQL = slug === undefined ? sql`` : sql` AND e.slug = ${slug}`;
  return sql`SELECT e.slug, e.name, e.kind, e.aliases, e.episode, e.page, e.layout_x, e.layout_y, e.image, e.drafted,
                    d.text AS description, d.episode AS description_episode, d.page AS description_page,
                    a.title AS wiki_title
               FROM entities e
               LEFT JOIN (SELECT DISTINCT ON (d.entity_slug) d.entity_slug, d.text, d.episode, d.page
                            FROM entity_descriptions d
                           WHERE d.series_id = ${scope.seriesId} AND ${visibleTo(scope, at('d'))}
                           ORDER BY d.entity_slug, d.episode DESC, d.page DESC, d.ordinal DESC) d ON d.entity_slug = e.slug
               LEFT JOIN wiki_articles a ON a.series_id = e.series_id AND a.slug = e.slug AND ${visibleTo(scope, at('a'))}
              WHERE e.series_id = ${scope.seriesId} AND ${visibleTo(scope, at('e'))}${one}`;
}

export function visibleNodes(db: Db, scope: ReaderScope, slug?: string): Promise<NodeRow[]> {
  return queryRows<NodeRow>(db, sql`${nodesSql(scope, slug)} ORDER BY e.episode, e.page, e.slug`);
}

export interface EdgeRow {
  source: string;
  target: string;
  source_name: string;
  target_name: string;
  kind: string;
  summary: string | null;
  episode: number;
  page: number;
  drafted: boolean;
}

/** Relationships visible to the reader: the edge and both endpoints have debuted. */
function edgesSql(scope: ReaderScope, touching?: string): SQL {
  const one: SQL = touching === undefined ? sql`` : sql` AND (r.source = ${touching} OR r.target = ${touching})`;
  return sql`SELECT r.source, r.target, src.name AS source_name, tgt.name AS target_name, r.kind, r.summary, r.episode, r.page, r.drafted
               FROM relationships r
               JOIN entities src ON src.series_id = r.series_id AND src.slug = r.source
               JOIN entities tgt ON tgt.series_id = r.series_id AND tgt.slug = r.target
              WHERE r.series_id = ${scope.seriesId}
                AND ${visibleTo(scope, at('r'))} AND ${visibleTo(scope, at('src'))} AND ${visibleTo(scope, at('tgt'))}${one}`;
}

export function visibleEdges(db: Db, scope: ReaderScope, touching?: string): Promise<EdgeRow[]> {
  return queryRows<EdgeRow>(db, sql`${edgesSql(scope, touching)} ORDER BY r.episode, r.page, r.source, r.kind, r.target`);
}

export interface FocusPageRow {
  episode: number;
  page: number;
  dialogue: string;
  description: string | null;
}

/**
 * The reader's current page and the page before it in the same episode (the
 * spread a reader most likely has open), under the boundary like any page text.
 */
function focusSql(scope: ReaderScope): SQL {
  return sql`SELECT pg.episode, pg.number AS page, pg.dialogue, pg.description
               FROM pages pg
               JOIN LATERAL (${readerPosition(scope)}) pos ON true
              WHERE pg.series_id = ${scope.seriesId} AND pg.episode = pos.episode AND pg.number <= pos.page
                AND ${visibleTo(scope, pagePosition)}
              ORDER BY pg.number DESC
              LIMIT 2`;
}

export function focusPages(db: Db, scope: ReaderScope): Promise<FocusPageRow[]> {
  return queryRows<FocusPageRow>(db, focusSql(scope));
}

export interface GraphRows {
  nodes: NodeRow[];
  edges: EdgeRow[];
  focus: FocusPageRow[];
}

/**
 * The whole graph in one statement (nodes, edges and focus pages as JSON
 * arrays): every statement costs a parse and a plan, which dominates on PGlite.
 * The same SQL as visibleNodes, visibleEdges and focusPages.
 */
export async function visibleGraph(db: Db, scope: ReaderScope, slug?: string): Promise<GraphRows> {
  const rows = await queryRows<GraphRows>(
    db,
    sql`SELECT
          (SELECT COALESCE(json_agg(n ORDER BY n.episode, n.page, n.slug), '[]') FROM (${nodesSql(scope, slug)}) n) AS nodes,
          (SELECT COALESCE(json_agg(x ORDER BY x.episode, x.page, x.source, x.kind, x.target), '[]') FROM (${edgesSql(scope, slug)}) x) AS edges,
          (SELECT COALESCE(json_agg(f ORDER BY f.page DESC), '[]') FROM (${focusSql(scope)}) f) AS focus`,
  );
  return rows[0]!;
}

export interface ArticleRow {
  slug: string;
  title: string;
  category: string | null;
  episode: number;
  page: number;
  /** A world entity with the same slug has debuted. */
  has_entity: boolean;
}

/** Unlocked wiki articles (one when `slug` is given). */
export function visibleArticles(db: Db, scope: ReaderScope, slug?: string): Promise<ArticleRow[]> {
  const one: SQL = slug === undefined ? sql`` : sql` AND a.slug = ${slug}`;
  return queryRows<ArticleRow>(
    db,
    sql`SELECT a.slug, a.title, a.category, a.episode, a.page,
               EXISTS (SELECT 1 FROM entities e
                        WHERE e.series_id = a.series_id AND e.slug = a.slug AND ${visibleTo(scope, at('e'))}) AS has_entity
          FROM wiki_articles a
         WHERE a.series_id = ${scope.seriesId} AND ${visibleTo(scope, at('a'))}${one}
         ORDER BY lower(a.title), a.slug`,
  );
}

export interface SectionRow {
  ordinal: number;
  heading: string | null;
  body: string;
  episode: number;
  page: number;
}

/** The unlocked sections of an unlocked article, in order. Locked sections are not selected at all. */
export function visibleSections(db: Db, scope: ReaderScope, slug: string): Promise<SectionRow[]> {
  return queryRows<SectionRow>(
    db,
    sql`SELECT sec.ordinal, sec.heading, sec.body, sec.episode, sec.page
          FROM wiki_sections sec
          JOIN wiki_articles a ON a.series_id = sec.series_id AND a.slug = sec.article_slug
         WHERE sec.series_id = ${scope.seriesId} AND sec.article_slug = ${slug}
           AND ${visibleTo(scope, at('sec'))} AND ${visibleTo(scope, at('a'))}
         ORDER BY sec.ordinal`,
  );
}
