/** All SQL of the content feature (import and publish). */
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import {
  chunks,
  entities,
  entityDescriptions,
  episodes,
  type ImageVariants,
  imageVariants,
  pages,
  relationships,
  series,
  seriesTerms,
  wikiArticles,
  wikiSections,
} from '../db/schema.js';

export type SeriesRow = typeof series.$inferInsert;
export type EpisodeRow = typeof episodes.$inferInsert;
export type PageRow = typeof pages.$inferInsert;
export type ChunkRow = typeof chunks.$inferInsert;
export type WikiArticleRow = typeof wikiArticles.$inferInsert;
export type WikiSectionRow = typeof wikiSections.$inferInsert;
export type EntityRow = typeof entities.$inferInsert;
export type EntityDescriptionRow = typeof entityDescriptions.$inferInsert;
export type RelationshipRow = typeof relationships.$inferInsert;
export type SeriesTermRow = typeof seriesTerms.$inferInsert;

export interface SeriesContent {
  series: SeriesRow;
  episodes: EpisodeRow[];
  pages: PageRow[];
  chunks: ChunkRow[];
  wikiArticles: WikiArticleRow[];
  wikiSections: WikiSectionRow[];
  entities: EntityRow[];
  entityDescriptions: EntityDescriptionRow[];
  relationships: RelationshipRow[];
  /** Words with their first readable position (spoilers/profile.ts): replaced with the rest. */
  terms: SeriesTermRow[];
}

export async function currentContentHash(db: Db, seriesId: string): Promise<string | null> {
  const rows = await db.select({ hash: series.contentHash }).from(series).where(eq(series.id, seriesId));
  return rows[0]?.hash ?? null;
}

export async function countSeries(db: Db): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(series);
  return rows[0]?.n ?? 0;
}

export async function cachedVariants(db: Db, hashes: string[], pipeline: string): Promise<Map<string, ImageVariants>> {
  const out = new Map<string, ImageVariants>();
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db
      .select({ hash: imageVariants.sourceHash, variants: imageVariants.variants })
      .from(imageVariants)
      .where(and(inArray(imageVariants.sourceHash, hashes.slice(i, i + 500)), eq(imageVariants.pipeline, pipeline)));
    for (const r of rows) out.set(r.hash, r.variants);
  }
  return out;
}

export async function rememberVariants(db: Db, sourceHash: string, pipeline: string, variants: ImageVariants): Promise<void> {
  await db.insert(imageVariants).values({ sourceHash, pipeline, variants }).onConflictDoUpdate({ target: imageVariants.sourceHash, set: { pipeline, variants } });
}

async function insertBatched<T extends Record<string, unknown>>(insert: (rows: T[]) => Promise<unknown>, rows: T[], batch = 400): Promise<void> {
  for (let i = 0; i < rows.length; i += batch) await insert(rows.slice(i, i + batch));
}

/**
 * Replace a series' content in one transaction: readers see the old version
 * or the new one, never a mix. Progress rows reference the series, not pages,
 * so they survive a re-import.
 */
export async function publishSeries(db: Db, c: SeriesContent): Promise<'created' | 'updated'> {
  return db.transaction(async (tx) => {
    const existing = await tx.select({ id: series.id }).from(series).where(eq(series.id, c.series.id)).for('update');
    const id = c.series.id;
    if (existing.length > 0) {
      // Children first; cascades remove pages, sections, descriptions and edges.
      await tx.delete(seriesTerms).where(eq(seriesTerms.seriesId, id));
      await tx.delete(relationships).where(eq(relationships.seriesId, id));
      await tx.delete(entities).where(eq(entities.seriesId, id));
      await tx.delete(wikiArticles).where(eq(wikiArticles.seriesId, id));
      await tx.delete(chunks).where(eq(chunks.seriesId, id));
      await tx.delete(episodes).where(eq(episodes.seriesId, id));
      const { id: _id, ...rest } = c.series;
      await tx
        .update(series)
        .set({ ...rest, importedAt: sql`now()` })
        .where(eq(series.id, id));
    } else {
      await tx.insert(series).values(c.series);
    }
    await insertBatched((r) => tx.insert(episodes).values(r), c.episodes);
    await insertBatched((r) => tx.insert(pages).values(r), c.pages);
    await insertBatched((r) => tx.insert(chunks).values(r), c.chunks);
    await insertBatched((r) => tx.insert(wikiArticles).values(r), c.wikiArticles);
    await insertBatched((r) => tx.insert(wikiSections).values(r), c.wikiSections);
    await insertBatched((r) => tx.insert(entities).values(r), c.entities);
    await insertBatched((r) => tx.insert(entityDescriptions).values(r), c.entityDescriptions);
    await insertBatched((r) => tx.insert(relationships).values(r), c.relationships);
    await insertBatched((r) => tx.insert(seriesTerms).values(r), c.terms, 1000);
    return existing.length > 0 ? 'updated' : 'created';
  });
}

/** The operator's switch for showing unread covers and titles (docs/architecture.md#the-spoiler-policy). */
export async function setShowUnreadCovers(db: Db, seriesId: string, show: boolean): Promise<boolean> {
  const rows = await db.update(series).set({ showUnreadCovers: show }).where(eq(series.id, seriesId)).returning({ id: series.id });
  return rows.length > 0;
}

/** Storage keys of every image variant referenced by the rows the condition selects (per table alias). */
const imageKeysOf = (seriesCondition: SQL) => sql`
  SELECT v.value->>'key' AS key FROM pages p, jsonb_each(p.image) v WHERE p.image IS NOT NULL AND jsonb_typeof(v.value) = 'object' AND ${seriesCondition}
  UNION SELECT v.value->>'key' FROM episodes p, jsonb_each(p.cover) v WHERE p.cover IS NOT NULL AND jsonb_typeof(v.value) = 'object' AND ${seriesCondition}
  UNION SELECT v.value->>'key' FROM entities p, jsonb_each(p.image) v WHERE p.image IS NOT NULL AND jsonb_typeof(v.value) = 'object' AND ${seriesCondition}`;

/**
 * Delete a series with every dependent row (foreign keys cascade), and return
 * the storage keys no other series still uses, for the caller to delete from
 * storage. Their cached variants are forgotten too, so a re-import remakes them.
 * null when there is no such series.
 */
export async function deleteSeries(db: Db, seriesId: string): Promise<{ orphanKeys: string[] } | null> {
  return db.transaction(async (tx) => {
    const t = tx as unknown as Db;
    const mine = (await queryRows<{ key: string }>(t, imageKeysOf(sql`p.series_id = ${seriesId}`))).map((r) => r.key).filter(Boolean);
    const rows = await tx.delete(series).where(eq(series.id, seriesId)).returning({ id: series.id });
    if (rows.length === 0) return null;
    const stillUsed = new Set((await queryRows<{ key: string }>(t, imageKeysOf(sql`true`))).map((r) => r.key));
    const orphanKeys = [...new Set(mine)].filter((k) => !stillUsed.has(k));
    if (orphanKeys.length > 0) {
      await tx.execute(
        sql`DELETE FROM image_variants WHERE variants->'display'->>'key' IN (${sql.join(
          orphanKeys.map((k) => sql`${k}`),
          sql`, `,
        )})
              OR variants->'thumb'->>'key' IN (${sql.join(
                orphanKeys.map((k) => sql`${k}`),
                sql`, `,
              )})`,
      );
    }
    return { orphanKeys };
  });
}

/**
 * Fresh planner statistics for the content tables after a publish. PGlite has
 * no autovacuum: without this the planner guesses every table is tiny and, for
 * example, filters every visible chunk instead of using the full-text index.
 */
export async function refreshStatistics(db: Db): Promise<void> {
  await db.execute(sql`ANALYZE series, episodes, pages, chunks, wiki_articles, wiki_sections, entities, entity_descriptions, relationships`);
}

/** Everything stored for one series, for `folio draft export` (operator side: no reader boundary). */
export async function seriesForExport(db: Db, seriesId: string) {
  const [s] = await db.select().from(series).where(eq(series.id, seriesId));
  if (!s) return null;
  const [eps, pgs, ents, descs, rels] = await Promise.all([
    db.select().from(episodes).where(eq(episodes.seriesId, seriesId)).orderBy(episodes.number),
    db.select().from(pages).where(eq(pages.seriesId, seriesId)).orderBy(pages.episode, pages.number),
    db.select().from(entities).where(eq(entities.seriesId, seriesId)).orderBy(entities.episode, entities.page, entities.slug),
    db.select().from(entityDescriptions).where(eq(entityDescriptions.seriesId, seriesId)).orderBy(entityDescriptions.entitySlug, entityDescriptions.ordinal),
    db
      .select()
      .from(relationships)
      .where(eq(relationships.seriesId, seriesId))
      .orderBy(relationships.episode, relationships.page, relationships.source, relationships.target),
  ]);
  return { series: s, episodes: eps, pages: pgs, entities: ents, descriptions: descs, relationships: rels };
}

export async function countWikiArticles(db: Db, seriesId: string): Promise<number> {
  const rows = await db.select({ n: sql<number>`count(*)::int` }).from(wikiArticles).where(eq(wikiArticles.seriesId, seriesId));
  return rows[0]?.n ?? 0;
}
