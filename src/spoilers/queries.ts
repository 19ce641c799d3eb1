/** All SQL of the spoilers feature. */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { entityVisible, episodeEnd, type ReaderScope, readerPosition } from './boundary.js';
import type { EntityName } from './names.js';
import type { Position } from './position.js';

interface EntityNameRow {
  slug: string;
  name: string;
  aliases: string[];
  visible: boolean;
}

/** Names and aliases split by whether the reader reached the entity (the split was made in SQL). */
export function splitNames(rows: ReadonlyArray<{ slug: string; name: string; aliases: string[] | null; visible: boolean }>): {
  visible: EntityName[];
  unreached: EntityName[];
} {
  const visible: EntityName[] = [];
  const unreached: EntityName[] = [];
  for (const r of rows) {
    const names = [r.name, ...(r.aliases ?? [])].map((name) => ({ slug: r.slug, name }));
    (r.visible ? visible : unreached).push(...names);
  }
  return { visible, unreached };
}

/**
 * Every entity name and alias of the series, split by whether the reader has
 * reached the entity's debut (decided in SQL by the boundary predicate). The
 * unreached names never leave the server: they feed the name matcher.
 */
export async function entityNames(db: Db, scope: ReaderScope): Promise<{ visible: EntityName[]; unreached: EntityName[] }> {
  const rows = await queryRows<EntityNameRow>(
    db,
    sql`SELECT e.slug, e.name, e.aliases, ${entityVisible(scope, 'e')} AS visible FROM entities e WHERE e.series_id = ${scope.seriesId}`,
  );
  return splitNames(rows);
}

/** What a guard needs, in one statement: the position, the end of its episode, the names under the boundary. */
export async function guardRow(
  db: Db,
  scope: ReaderScope,
): Promise<{ position: Position | null; episodeEnd: number | null; names: { visible: EntityName[]; unreached: EntityName[] } }> {
  const rows = await queryRows<{ episode: number | null; page: number | null; episode_end: number | null; entities: EntityNameRow[] }>(
    db,
    sql`SELECT pos.episode, pos.page, ${episodeEnd(scope.seriesId, sql`pos.episode`)} AS episode_end,
               (SELECT COALESCE(json_agg(json_build_object('slug', e.slug, 'name', e.name, 'aliases', e.aliases, 'visible', ${entityVisible(scope, 'e')})), '[]'::json)
                  FROM entities e WHERE e.series_id = ${scope.seriesId}) AS entities
          FROM (SELECT 1) one LEFT JOIN LATERAL (${readerPosition(scope)}) pos ON true`,
  );
  const r = rows[0]!;
  return {
    position: r.episode === null || r.page === null ? null : { episode: r.episode, page: r.page },
    episodeEnd: r.episode_end,
    names: splitNames(r.entities),
  };
}
