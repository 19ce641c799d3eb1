/** All SQL of the transcription feature: the transcript cache by source image and engine, and the operator's view. */
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { pages, pageTranscripts, series, type TranscriptRegion } from '../db/schema.js';

export interface CachedTranscript {
  regions: TranscriptRegion[];
  text: string;
}

/** Stored transcripts of these images by this engine, by image hash. */
export async function cachedTranscripts(db: Db, imageHashes: string[], engine: string): Promise<Map<string, CachedTranscript>> {
  const out = new Map<string, CachedTranscript>();
  for (let i = 0; i < imageHashes.length; i += 500) {
    const rows = await db
      .select({ hash: pageTranscripts.imageHash, regions: pageTranscripts.regions, text: pageTranscripts.text })
      .from(pageTranscripts)
      .where(and(eq(pageTranscripts.engine, engine), inArray(pageTranscripts.imageHash, imageHashes.slice(i, i + 500))));
    for (const r of rows) out.set(r.hash, { regions: r.regions, text: r.text });
  }
  return out;
}

/** Remember one page at once, so a killed or cancelled import resumes after the pages it already read. */
export async function rememberTranscript(db: Db, imageHash: string, engine: string, t: CachedTranscript): Promise<void> {
  await db
    .insert(pageTranscripts)
    .values({ imageHash, engine, regions: t.regions, text: t.text })
    .onConflictDoUpdate({ target: [pageTranscripts.imageHash, pageTranscripts.engine], set: { regions: t.regions, text: t.text } });
}

/** Every page of a series with its text's source, for the operator (never for readers: no boundary here). */
export async function seriesTranscripts(db: Db, seriesId: string) {
  return db
    .select({
      episode: pages.episode,
      page: pages.number,
      kind: pages.kind,
      source: pages.dialogueSource,
      engine: pages.transcriptEngine,
      text: pages.dialogue,
      regions: pages.transcriptRegions,
    })
    .from(pages)
    .where(eq(pages.seriesId, seriesId))
    .orderBy(asc(pages.episode), asc(pages.number));
}

/** The languages of the imported series (for `folio doctor`: is OCR data installed for each?). */
export async function seriesLanguages(db: Db): Promise<string[]> {
  const rows = await db.selectDistinct({ language: series.language }).from(series);
  return rows.map((r) => r.language).sort();
}
