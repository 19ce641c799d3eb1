/**
 * The spoiler boundary, built in one place and used inside SQL by every query
 * that can return story content. The boundary is always read from the
 * server-side `progress` row of (reader, series): it cannot be passed in.
 * A reader without a progress row sees nothing (fail closed).
 */
import { type SQL, type SQLWrapper, sql } from 'drizzle-orm';

/** Who is reading which series. Built only from the authenticated reader. */
export interface ReaderScope {
  /** null for an anonymous visitor: nothing is visible. */
  readerId: string | null;
  seriesId: string;
}

/** Columns (or expressions) that hold a content position. */
export interface PositionColumns {
  episode: SQLWrapper;
  page: SQLWrapper;
}

const NO_READER = '00000000-0000-0000-0000-000000000000';

/**
 * SQL for the reader's position row (zero or one row of episode, page). The
 * series may be a column (`{ readerId, seriesId: sql\`s.id\` }`) to read the
 * position of each series of a list.
 */
export function readerPosition(scope: ReaderScope | { readerId: string | null; seriesId: SQLWrapper }): SQL {
  return sql`SELECT p.episode, p.page FROM progress p WHERE p.reader_id = ${scope.readerId ?? NO_READER} AND p.series_id = ${scope.seriesId}`;
}

/**
 * `(episode, page) <= reader position`, compared as a row value: the naive
 * `episode <= E AND page <= P` hides late pages of finished episodes.
 * No progress row → the subquery is NULL → the predicate is not true.
 */
export function visibleTo(scope: ReaderScope, at: PositionColumns): SQL {
  return sql`((${at.episode}, ${at.page}) <= (${readerPosition(scope)}))`;
}

/**
 * The furthest episode whose *existence* is revealed (title and cover): the
 * reader's current episode and the next one after it; the first episode when
 * nothing is read yet.
 */
export function unlockedEpisodeNumber(scope: ReaderScope): SQL {
  return sql`COALESCE(
    (SELECT min(ue.number) FROM episodes ue
      WHERE ue.series_id = ${scope.seriesId}
        AND ue.number > COALESCE((SELECT pos.episode FROM (${readerPosition(scope)}) pos), -2147483648)),
    (SELECT max(ue.number) FROM episodes ue WHERE ue.series_id = ${scope.seriesId}))`;
}

/** Is the episode with this number revealed (title, cover) to the reader? */
export function episodeUnlocked(scope: ReaderScope, episodeNumber: SQLWrapper): SQL {
  return sql`(${episodeNumber} <= ${unlockedEpisodeNumber(scope)})`;
}

/**
 * The page from which an episode counts as finished: its last *story* page (the
 * last page when it has none). Title, credits and blank pages after the story
 * tell nothing about it, and a reader who closes the episode on its last story
 * page has read it all (ADR 0020). The one definition: SQL uses it through
 * episodeFinished, TypeScript through progress/rules.ts (fed from this column).
 */
export function episodeEnd(seriesId: string | SQLWrapper, episodeNumber: SQLWrapper): SQL {
  return sql`(SELECT COALESCE(max(fp.number) FILTER (WHERE fp.kind = 'story'), max(fp.number))
                FROM pages fp WHERE fp.series_id = ${seriesId} AND fp.episode = ${episodeNumber})`;
}

/** Has the reader finished the episode with this number (reached its end, episodeEnd)? Never NULL. */
export function episodeFinished(scope: ReaderScope, episodeNumber: SQLWrapper): SQL {
  return sql`COALESCE(${visibleTo(scope, { episode: episodeNumber, page: episodeEnd(scope.seriesId, episodeNumber) })}, false)`;
}

/**
 * Has the reader reached this entity's debut? `alias` is the entities table's
 * alias in the statement (a constant of the caller, never input). Never NULL.
 */
export function entityVisible(scope: ReaderScope, alias: string): SQL {
  if (!/^[a-z_][a-z0-9_]*$/.test(alias)) throw new Error(`not a table alias: ${alias}`);
  return sql`COALESCE(${visibleTo(scope, { episode: sql.raw(`${alias}.episode`), page: sql.raw(`${alias}.page`) })}, false)`;
}
