/**
 * All SQL of recaps. Every story row is selected under the boundary predicate
 * inside the statement: reached pages only, and an episode's summary only once
 * the episode is finished (episodeFinished: its last story page is reached). Read in one read-only
 * transaction so the position, the pages and the names agree.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { type EntityName, entityNames, episodeEnd, episodeFinished, type Position, type ReaderScope, readerPosition, visibleTo } from '../spoilers/index.js';

export interface RecapEpisode {
  number: number;
  title: string;
  /** Null unless the episode is finished (and has one). */
  summary: string | null;
  lastPage: number;
  finished: boolean;
}

export interface RecapPage {
  episode: number;
  page: number;
  kind: string;
  dialogue: string;
  description: string | null;
}

export interface RecapContext {
  seriesTitle: string;
  position: Position | null;
  /** Where the reader's current episode ends: finished from there. */
  episodeEnd: number | null;
  language: string;
  /** Episodes the reader has started (finished ones and the current one), in order. */
  episodes: RecapEpisode[];
  /** Reached pages of those episodes. */
  pages: RecapPage[];
  names: { visible: EntityName[]; unreached: EntityName[] };
}

export async function recapContext(db: Db, scope: ReaderScope): Promise<RecapContext | null> {
  return db.transaction(
    async (tx) => {
      const t = tx as unknown as Db;
      const [head] = await queryRows<{ title: string; language: string; episode: number | null; page: number | null; episode_end: number | null }>(
        t,
        sql`SELECT s.title, s.language, pos.episode, pos.page, ${episodeEnd(scope.seriesId, sql`pos.episode`)} AS episode_end FROM series s LEFT JOIN LATERAL (${readerPosition(scope)}) pos ON true WHERE s.id = ${scope.seriesId}`,
      );
      if (!head) return null;
      const position = head.episode === null ? null : { episode: head.episode, page: head.page! };
      const episodes = await queryRows<{ number: number; title: string; summary: string | null; last_page: number; finished: boolean }>(
        t,
        sql`SELECT e.number, e.title, e.last_page,
                   CASE WHEN ${episodeFinished(scope, sql`e.number`)} THEN e.summary END AS summary,
                   ${episodeFinished(scope, sql`e.number`)} AS finished
              FROM episodes e
             WHERE e.series_id = ${scope.seriesId} AND ${visibleTo(scope, { episode: sql`e.number`, page: sql`e.first_page` })}
             ORDER BY e.number`,
      );
      const pages = await queryRows<RecapPage>(
        t,
        sql`SELECT p.episode, p.number AS page, p.kind, p.dialogue, p.description
              FROM pages p
             WHERE p.series_id = ${scope.seriesId} AND ${visibleTo(scope, { episode: sql`p.episode`, page: sql`p.number` })}
             ORDER BY p.episode, p.number`,
      );
      const names = await entityNames(t, scope);
      return {
        seriesTitle: head.title,
        position,
        episodeEnd: head.episode_end,
        language: head.language,
        episodes: episodes.map((e) => ({ number: e.number, title: e.title, summary: e.summary, lastPage: e.last_page, finished: e.finished })),
        pages,
        names,
      };
    },
    { accessMode: 'read only', isolationLevel: 'repeatable read' },
  );
}
