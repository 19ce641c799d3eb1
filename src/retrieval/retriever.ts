/**
 * Hybrid retrieval under the spoiler boundary: full-text and vector search
 * fused by reciprocal rank, plus the text of the page(s) in view, which is
 * always included. The hits come from one statement (chat/queries.ts
 * turnContext) with the boundary inside every query (retrieval/queries.ts);
 * nothing here filters after fetching.
 */
import type { Position } from '../spoilers/index.js';
import { fuseRanks } from './fuse.js';
import type * as q from './queries.js';

export interface Passage extends q.ChunkHit {
  /** Text of the page in view (always included). */
  current: boolean;
  /** Fused score (0 for current-page passages that no search found). */
  score: number;
}

/** Candidates taken from each search before fusion. */
export const CANDIDATES = 20;

/**
 * The passages of an answer, from the hits of each search (pure): the page text in view first,
 * always, then the full-text and vector hits fused by reciprocal rank, within `limit` passages
 * and `maxChars` characters.
 */
export function assemblePassages(hits: { text: q.ChunkHit[]; vector: q.ChunkHit[]; current: q.ChunkHit[] }, opts: { limit?: number; maxChars?: number } = {}): Passage[] {
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

/**
 * The page text in view: the pages the reader sent, or the position's page when none was sent or a
 * sent page is past the position (it yields no text under the boundary).
 */
export function pagesInView(hits: { viewHits: q.ChunkHit[]; positionHits: q.ChunkHit[] }, viewing: Position[] | null): q.ChunkHit[] {
  return viewing === null || hits.viewHits.length > 0 ? hits.viewHits : hits.positionHits;
}
