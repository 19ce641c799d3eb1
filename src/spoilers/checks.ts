/**
 * The checks of ADR 0021 for one series and reader position, as the guard
 * plugs them in: unreached vocabulary and unknown names (word-level) and
 * paraphrase (per sentence). What they need is loaded once per series version
 * (content hash) and database handle and kept in memory; a position only
 * selects from it. Chunk vectors arrive after an import (the embed job), so
 * the paraphrase data is also keyed by how many there are, re-read at most
 * once a minute.
 */
import type { Db } from '../db/client.js';
import type { EmbeddingService } from '../retrieval/embeddings.js';
import { normalise, ParaphraseCheck, ParaphraseData, type PositionedVector } from './paraphrase.js';
import type { SentenceCheck, WordCheck } from './policy.js';
import type { Position } from './position.js';
import { seriesProfile, TermIndex, type Unit } from './profile.js';
import * as q from './profile-queries.js';
import { UnknownNameCheck } from './unknown-names.js';
import { VocabularyCheck } from './vocabulary.js';

const VECTOR_RESCAN_MS = 60_000;

interface Entry {
  hash: string;
  language: string;
  index: Promise<TermIndex>;
  units: Promise<Unit[]> | null;
  /** By `model:count`. */
  paraphrase: Map<string, Promise<ParaphraseData>>;
  vectors: { model: string; count: number | null; at: number } | null;
}

const cache = new WeakMap<Db, Map<string, Entry>>();

/** Forget a failed load so the next request tries again. */
function settle<T>(p: Promise<T>, onError: () => void): Promise<T> {
  p.catch(onError);
  return p;
}

function entryFor(db: Db, root: Db, seriesId: string, hash: string, language: string): Entry {
  let bySeries = cache.get(root);
  if (!bySeries) cache.set(root, (bySeries = new Map()));
  const cached = bySeries.get(seriesId);
  if (cached && cached.hash === hash && cached.language === language) return cached;
  const entry: Entry = { hash, language, index: null as never, units: null, paraphrase: new Map(), vectors: null };
  entry.index = settle(
    (async () => {
      // One after the other: `db` may be a transaction (one connection).
      const terms = await q.storedTerms(db, seriesId);
      const entities = await q.profileEntities(db, seriesId);
      if (terms.length > 0) return new TermIndex(terms, entities, language);
      // Imported before the terms table existed: compute them now (the next import stores them).
      const profile = await profileOf(db, seriesId, entry);
      return new TermIndex(profile.terms, entities, language);
    })(),
    () => bySeries.delete(seriesId),
  );
  bySeries.set(seriesId, entry);
  return entry;
}

async function profileOf(db: Db, seriesId: string, entry: Entry): Promise<{ terms: ReturnType<typeof seriesProfile>['terms']; units: Unit[] }> {
  const rows = await q.seriesRows(db, seriesId);
  const profile = rows ? seriesProfile({ ...rows, series: { ...rows.series, language: entry.language } }) : { terms: [], units: [] };
  entry.units ??= Promise.resolve(profile.units);
  return profile;
}

function unitsOf(db: Db, seriesId: string, entry: Entry): Promise<Unit[]> {
  entry.units ??= settle(
    profileOf(db, seriesId, entry).then((p) => p.units),
    () => {
      entry.units = null;
    },
  );
  return entry.units;
}

async function vectorsNow(db: Db, seriesId: string, entry: Entry, model: string | null): Promise<number | null> {
  if (!model) return null;
  const v = entry.vectors;
  if (v && v.model === model && Date.now() - v.at < VECTOR_RESCAN_MS) return v.count;
  const count = await q.vectorCount(db, seriesId, model);
  entry.vectors = { model, count, at: Date.now() };
  return count;
}

function paraphraseData(db: Db, seriesId: string, entry: Entry, model: string | null, count: number | null): Promise<ParaphraseData> {
  const key = `${model}:${count}`;
  let p = entry.paraphrase.get(key);
  if (p) return p;
  p = settle(
    (async () => {
      const units = await unitsOf(db, seriesId, entry);
      let vectors: PositionedVector[] | null = null;
      if (model && count) {
        vectors = (await q.chunkVectors(db, seriesId, model)).map((r) => ({ episode: r.episode, page: r.page, vector: normalise(JSON.parse(r.embedding) as number[]) }));
      }
      return new ParaphraseData(units, vectors);
    })(),
    () => entry.paraphrase.delete(key),
  );
  // Older versions of the data (fewer vectors) are not needed any more.
  entry.paraphrase.clear();
  entry.paraphrase.set(key, p);
  return p;
}

/**
 * The vocabulary, unknown-name and paraphrase checks for a reader at `position` (null: nothing
 * reached). `embeddings`: compare sentences with chunk vectors when the embed job has stored them.
 * `language`: overrides the series' language for the word-frequency list.
 * `paraphrase: false`: only the word checks, for surfaces that judge pack text and never a model's
 * (nothing is loaded for the paraphrase check).
 * `root`: when `db` is a request's transaction, the database it belongs to. The series' words are read
 * in the transaction but cached under `root` (a cache of the transaction's own would never be hit
 * again); pass `paraphrase: false` with it, since that check loads its data in the background, after
 * the transaction may have ended.
 * `version`: the series' content hash and language when the caller has read them already (one round trip less).
 */
export async function seriesChecks(
  db: Db,
  seriesId: string,
  position: Position | null,
  opts: { embeddings?: EmbeddingService; language?: string; paraphrase?: boolean; root?: Db; version?: { contentHash: string; language: string } } = {},
): Promise<{ word: WordCheck[]; sentence: SentenceCheck[] }> {
  const version = opts.version ?? (await q.seriesVersion(db, seriesId));
  if (!version) return { word: [], sentence: [] };
  const entry = entryFor(db, opts.root ?? db, seriesId, version.contentHash, opts.language ?? version.language);
  const index = await entry.index;
  const word = [new VocabularyCheck(index, position), new UnknownNameCheck(index, position)];
  if (opts.paraphrase === false) return { word, sentence: [] };
  const embeddings = opts.embeddings;
  const model = embeddings?.model ?? null;
  const count = await vectorsNow(db, seriesId, entry, model);
  const data = () => paraphraseData(db, seriesId, entry, model, count);
  // Start loading now: the first sentence of the answer is seconds away.
  data().catch(() => {});
  const embed =
    embeddings && model && count
      ? async (text: string, signal?: AbortSignal) => {
          const r = await embeddings.queryVector(db, text, signal);
          return r && r.model === model ? r.vector : null;
        }
      : null;
  return { word, sentence: [new ParaphraseCheck(data, index, position, embed)] };
}
