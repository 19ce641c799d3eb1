/**
 * Hybrid retrieval under the spoiler boundary: full-text and vector search
 * fused by reciprocal rank, plus the text of the page(s) in view, which is
 * always included. The boundary is inside every query (retrieval/queries.ts);
 * nothing here filters after fetching.
 */
import type { Db } from '../db/client.js';
import type { Position, ReaderScope } from '../spoilers/index.js';
import type { EmbeddingService } from './embeddings.js';
import { fuseRanks } from './fuse.js';
import * as q from './queries.js';
import { toWebSearch } from './search-query.js';

export interface Passage extends q.ChunkHit {
  /** Text of the page in view (always included). */
  current: boolean;
  /** Fused score (0 for current-page passages that no search found). */
  score: number;
}

export interface Retrieval {
  passages: Passage[];
  /** Whether vector search took part. */
  vector: boolean;
}

export interface RetrieveOptions {
  /** Pages in view (a spread is two); null = the reader's position. Pages past the position yield nothing. */
  viewing: Position[] | null;
  signal?: AbortSignal;
  /** Most passages returned, current page included. */
  limit?: number;
  /** Most characters of passage text in total. */
  maxChars?: number;
  /** The question's vector, already made (undefined: ask the embedding service here). */
  queryVector?: { model: string; vector: number[] } | null;
}

/** Candidates taken from each search before fusion. */
export const CANDIDATES = 20;

/**
 * The passages of an answer, from the hits of each search (pure): the page text in view first,
 * always, then the full-text and vector hits fused by reciprocal rank, within `limit` passages
 * and `maxChars` characters.
 */
export function assemblePassages(
  hits: { text: q.ChunkHit[]; vector: q.ChunkHit[]; current: q.ChunkHit[] },
  opts: { limit?: number; maxChars?: number } = {},
): Passage[] {
  const limit = opts.limit ?? 8;
  const maxChars = opts.maxChars ?? 6000;
  // Ranked lists: best full-text rank first, nearest vector first (ties by position, newest first, then id).
  const text = [...hits.text].sort((a, b) => (b.rank ?? 0) - (a.rank ?? 0) || b.episode - a.episode || b.page - a.page || a.chunkId - b.chunkId);
  const vector = [...hits.vector].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.chunkId - b.chunkId);
  const fused = fuseRanks([text, vector], (h) => h.chunkId);
  const passages: Passage[] = [];
  let chars = 0;
  const add = (hit: q.ChunkHit, isCurrent: boolean, score: number) => {
    if (passages.length >= limit || passages.some((p) => p.chunkId === hit.chunkId)) return;
    if (chars + hit.text.length > maxChars && passages.length > 0) return;
    chars += hit.text.length;
    const { rank: _rank, ...rest } = hit;
    passages.push({ ...rest, current: isCurrent, score });
  };
  for (const hit of hits.current) add(hit, true, fused.find((f) => f.item.chunkId === hit.chunkId)?.score ?? 0);
  for (const { item, score } of fused) add(item, false, score);
  return passages;
}

export class Retriever {
  constructor(private readonly embeddings: EmbeddingService | null) {}

  async retrieve(db: Db, scope: ReaderScope, question: string, opts: RetrieveOptions): Promise<Retrieval> {
    const webSearch = toWebSearch(question);
    const [text, vec, inView] = await Promise.all([
      webSearch ? q.fullTextSearch(db, scope, webSearch, CANDIDATES) : Promise.resolve([]),
      opts.queryVector !== undefined ? Promise.resolve(opts.queryVector) : this.embeddings ? this.embeddings.queryVector(db, question, opts.signal) : Promise.resolve(null),
      q.pageChunks(db, scope, opts.viewing),
    ]);
    const vectorHits = vec ? await q.vectorSearch(db, scope, vec.model, vec.vector, CANDIDATES) : [];
    // A viewed page past the position yields nothing: fall back to the position itself.
    const current = inView.length > 0 || opts.viewing === null ? inView : await q.pageChunks(db, scope, null);
    const passages = assemblePassages({ text, vector: vectorHits, current }, opts);
    return { passages, vector: vec !== null };
  }
}
