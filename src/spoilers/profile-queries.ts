/** All SQL of the series profile (spoilers/profile.ts): stored terms, the text rows they come from, chunk vectors. */
import { asc, eq, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import { entities, entityDescriptions, episodes, pages, relationships, series, seriesTerms, wikiArticles, wikiSections } from '../db/schema.js';
import type { ProfileEntity, SeriesRows, SeriesTerm } from './profile.js';

/** What identifies a published version of a series (null: no such series). */
export async function seriesVersion(db: Db, seriesId: string): Promise<{ contentHash: string; language: string } | null> {
  const rows = await db.select({ contentHash: series.contentHash, language: series.language }).from(series).where(eq(series.id, seriesId));
  return rows[0] ?? null;
}

export async function storedTerms(db: Db, seriesId: string): Promise<SeriesTerm[]> {
  return db
    .select({ term: seriesTerms.term, episode: seriesTerms.episode, page: seriesTerms.page, distinctive: seriesTerms.distinctive })
    .from(seriesTerms)
    .where(eq(seriesTerms.seriesId, seriesId));
}

export async function profileEntities(db: Db, seriesId: string): Promise<ProfileEntity[]> {
  const rows = await db
    .select({ slug: entities.slug, name: entities.name, aliases: entities.aliases, episode: entities.episode, page: entities.page })
    .from(entities)
    .where(eq(entities.seriesId, seriesId));
  return rows.map((r) => ({ slug: r.slug, names: [r.name, ...(r.aliases ?? [])], episode: r.episode, page: r.page }));
}

/** Every text row of a series (for its sentences; the positions decide what a reader has reached, in code). */
export async function seriesRows(db: Db, seriesId: string): Promise<SeriesRows | null> {
  const [s] = await db
    .select({ title: series.title, description: series.description, author: series.author, language: series.language })
    .from(series)
    .where(eq(series.id, seriesId));
  if (!s) return null;
  const [eps, pgs, arts, secs, ents, descs, rels] = await Promise.all([
    db
      .select({ number: episodes.number, title: episodes.title, summary: episodes.summary, firstPage: episodes.firstPage, lastPage: episodes.lastPage })
      .from(episodes)
      .where(eq(episodes.seriesId, seriesId))
      .orderBy(asc(episodes.number)),
    db
      .select({
        episode: pages.episode,
        number: pages.number,
        kind: pages.kind,
        dialogue: pages.dialogue,
        description: pages.description,
        generatedDescription: pages.generatedDescription,
        credits: pages.credits,
      })
      .from(pages)
      .where(eq(pages.seriesId, seriesId))
      .orderBy(asc(pages.episode), asc(pages.number)),
    db.select({ title: wikiArticles.title, episode: wikiArticles.episode, page: wikiArticles.page }).from(wikiArticles).where(eq(wikiArticles.seriesId, seriesId)),
    db
      .select({ heading: wikiSections.heading, body: wikiSections.body, episode: wikiSections.episode, page: wikiSections.page })
      .from(wikiSections)
      .where(eq(wikiSections.seriesId, seriesId)),
    db
      .select({ slug: entities.slug, name: entities.name, aliases: entities.aliases, episode: entities.episode, page: entities.page })
      .from(entities)
      .where(eq(entities.seriesId, seriesId)),
    db
      .select({ text: entityDescriptions.text, episode: entityDescriptions.episode, page: entityDescriptions.page })
      .from(entityDescriptions)
      .where(eq(entityDescriptions.seriesId, seriesId)),
    db
      .select({ summary: relationships.summary, episode: relationships.episode, page: relationships.page })
      .from(relationships)
      .where(eq(relationships.seriesId, seriesId)),
  ]);
  return {
    series: s,
    episodes: eps,
    pages: pgs,
    wikiArticles: arts,
    wikiSections: secs,
    entities: ents.map((e) => ({ ...e, aliases: e.aliases ?? [] })),
    entityDescriptions: descs,
    relationships: rels,
  };
}

/** How many chunk vectors of `model` the series has (null: no vector store in this database). */
export async function vectorCount(db: Db, seriesId: string, model: string): Promise<number | null> {
  const [exists] = await queryRows<{ ok: boolean }>(db, sql`SELECT to_regclass('chunk_vectors') IS NOT NULL AS ok`);
  if (!exists?.ok) return null;
  const [row] = await queryRows<{ n: number }>(db, sql`SELECT count(*)::int AS n FROM chunk_vectors WHERE series_id = ${seriesId} AND model = ${model}`);
  return row?.n ?? 0;
}

/** Every chunk vector of `model` for the series, at its chunk's position (pgvector's text form, parsed by the caller). */
export async function chunkVectors(db: Db, seriesId: string, model: string): Promise<Array<{ episode: number; page: number; embedding: string }>> {
  return queryRows(db, sql`SELECT episode, page, embedding::text AS embedding FROM chunk_vectors WHERE series_id = ${seriesId} AND model = ${model} ORDER BY chunk_id`);
}
