/**
 * All SQL of the search feature. Candidates come from `chunks` (page dialogue,
 * page descriptions, wiki sections) with the boundary predicate inside the
 * statement; wiki chunks also need their section and article unlocked. The
 * two helper statements only process text the service hands them (already
 * visible and checked): they read no table.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { episodeUnlocked, type ReaderScope, visibleTo } from '../spoilers/index.js';

/** Most candidates one search considers (ranked by ts_rank_cd); pagination happens within them. */
export const CANDIDATE_CAP = 100;

/** Markers ts_headline puts around matches; they cannot occur in the text it is given (stripped first). */
export const HL_START = '\u0002';
export const HL_STOP = '\u0003';
const HEADLINE_OPTIONS = `StartSel=${HL_START}, StopSel=${HL_STOP}, MaxWords=30, MinWords=12, ShortWord=2, MaxFragments=2, FragmentDelimiter=" … "`;

const tsquery = (q: string) => sql`websearch_to_tsquery('english', ${q})`;

export interface CandidateRow {
  id: string;
  source: 'dialogue' | 'description' | 'wiki';
  episode: number;
  page: number;
  text: string;
  rank: number;
  /** Wiki chunks: the article and section. */
  article_slug: string | null;
  article_title: string | null;
  section_heading: string | null;
  section_ordinal: number | null;
  /** Page chunks: the episode title (revealed for any episode with a reached page). */
  episode_title: string | null;
}

/** Visible chunks matching the query, best first: `limit` of them from `offset` (within the first CANDIDATE_CAP). */
export function searchCandidates(db: Db, scope: ReaderScope, q: string, limit = CANDIDATE_CAP, offset = 0): Promise<CandidateRow[]> {
  const cap = Math.max(0, Math.min(limit, CANDIDATE_CAP - offset));
  const chunkVisible = visibleTo(scope, { episode: sql`c.episode`, page: sql`c.page` });
  return queryRows<CandidateRow>(
    db,
    sql`SELECT c.id::text AS id, c.source, c.episode, c.page, c.text,
               ts_rank_cd(c.tsv, q.tsq)::float8 AS rank,
               a.slug AS article_slug, a.title AS article_title, w.heading AS section_heading, w.ordinal AS section_ordinal,
               CASE WHEN c.source <> 'wiki' AND ${episodeUnlocked(scope, sql`ep.number`)} THEN ep.title END AS episode_title
          FROM (SELECT ${tsquery(q)} AS tsq) q
          JOIN chunks c ON c.series_id = ${scope.seriesId} AND c.tsv @@ q.tsq
          LEFT JOIN wiki_sections w
                 ON c.source = 'wiki' AND w.series_id = c.series_id
                AND w.article_slug = split_part(c.source_ref, '#', 1)
                AND w.ordinal::text = split_part(c.source_ref, '#', 2)
                AND ${visibleTo(scope, { episode: sql`w.episode`, page: sql`w.page` })}
          LEFT JOIN wiki_articles a
                 ON a.series_id = w.series_id AND a.slug = w.article_slug
                AND ${visibleTo(scope, { episode: sql`a.episode`, page: sql`a.page` })}
          LEFT JOIN episodes ep ON c.source <> 'wiki' AND ep.series_id = c.series_id AND ep.number = c.episode
         WHERE numnode(q.tsq) > 0
           AND ${chunkVisible}
           AND (c.source <> 'wiki' OR a.slug IS NOT NULL)
         ORDER BY rank DESC, c.episode, c.page, c.id
         LIMIT ${cap} OFFSET ${offset}`,
  );
}

/**
 * For texts the service hands over (visible, already checked): does each still
 * match the query (a match may have been in a withheld sentence), and its
 * ts_headline with HL_START/HL_STOP around matches. One statement for both.
 */
export async function matchAndHeadline(db: Db, q: string, texts: string[]): Promise<Array<{ matches: boolean; headline: string }>> {
  if (texts.length === 0) return [];
  const rows = await queryRows<{ i: number; m: boolean; h: string | null }>(
    db,
    sql`SELECT (t.i - 1)::int AS i, m.m,
               CASE WHEN m.m THEN ts_headline('english', t.txt, q.tsq, ${HEADLINE_OPTIONS}) END AS h
          FROM jsonb_array_elements_text(${JSON.stringify(texts)}::jsonb) WITH ORDINALITY AS t(txt, i)
          CROSS JOIN (SELECT ${tsquery(q)} AS tsq) q
          CROSS JOIN LATERAL (SELECT to_tsvector('english', t.txt) @@ q.tsq AS m) m`,
  );
  const out = texts.map(() => ({ matches: false, headline: '' }));
  for (const r of rows) out[r.i] = { matches: r.m, headline: r.h ?? '' };
  return out;
}
