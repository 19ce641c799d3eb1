/** All SQL of the spoilers feature. */
import { sql } from 'drizzle-orm';
import { queryRows, type Db } from '../db/client.js';
import { visibleTo, type ReaderScope } from './boundary.js';
import type { EntityName } from './names.js';

interface EntityNameRow {
  slug: string;
  name: string;
  aliases: string[];
  visible: boolean;
}

/**
 * Every entity name and alias of the series, split by whether the reader has
 * reached the entity's debut (decided in SQL by the boundary predicate). The
 * unreached names never leave the server: they feed the NameMatcher.
 */
export async function entityNames(db: Db, scope: ReaderScope): Promise<{ visible: EntityName[]; unreached: EntityName[] }> {
  const rows = await queryRows<EntityNameRow>(
    db,
    sql`SELECT e.slug, e.name, e.aliases, COALESCE(${visibleTo(scope, { episode: sql`e.episode`, page: sql`e.page` })}, false) AS visible
          FROM entities e WHERE e.series_id = ${scope.seriesId}`,
  );
  const visible: EntityName[] = [];
  const unreached: EntityName[] = [];
  for (const r of rows) {
    const names = [r.name, ...(r.aliases ?? [])].map((name) => ({ slug: r.slug, name }));
    (r.visible ? visible : unreached).push(...names);
  }
  return { visible, unreached };
}
