/**
 * Everything bench/guard.ts needs from src/spoilers, in one place: the guard as chat loads it (loadGuard with the
 * app's EmbeddingService, so the paraphrase check compares sentences with the stored chunk vectors), the name
 * matcher and a guard built from names alone (no database), and the paraphrase check's raw score.
 */
import pino from 'pino';
import type { Db } from '../src/db/client.js';
import type { Embedder } from '../src/models/types.js';
import { EmbeddingService } from '../src/retrieval/embeddings.js';
import {
  buildGuard,
  type EntityName,
  loadGuard,
  NameMatcher,
  PARAPHRASE,
  paraphraseScore,
  type ReaderScope,
  type SpoilerGuard,
  type SpoilerHitKind,
  seriesChecks,
} from '../src/spoilers/index.js';

export type { ReaderScope, SpoilerGuard, SpoilerHitKind };

/** The shipped threshold of the paraphrase check's score (withheld at or above it). */
export const PARAPHRASE_THRESHOLD = PARAPHRASE.threshold;

/** The embedding service as the server makes it (src/chat/create.ts), over the bench's in-process embedder. */
export function embeddingService(embedder: Embedder): EmbeddingService {
  return new EmbeddingService(embedder, pino({ level: 'silent' }));
}

/** The guard for the reader's current progress row, with the paraphrase check on the stored chunk vectors. */
export function openGuard(db: Db, scope: ReaderScope, embeddings: EmbeddingService): Promise<SpoilerGuard> {
  return loadGuard(db, scope, { embeddings });
}

/** One answer sentence through the guard as chat sees it: is it withheld, and by which checks. */
export async function judgeSentence(guard: SpoilerGuard, text: string): Promise<{ withheld: boolean; kinds: SpoilerHitKind[] }> {
  const r = await guard.redactGenerated(text, {});
  return { withheld: r.withheld > 0, kinds: [...new Set(r.hits.map((h) => h.kind))] };
}

export type Named = EntityName;

/** The unreached-name matcher on its own: `find` is what the name-matching figures time. */
export function nameMatcher(unreached: Named[], visible: Named[]): { find(text: string): unknown[] } {
  return new NameMatcher(unreached, visible);
}

/** A guard from names alone (no series checks): what building one costs, and its whole word-level redaction. */
export function nameGuard(unreached: Named[], visible: Named[]): SpoilerGuard {
  return buildGuard({ position: { episode: 6, page: 4 }, episodeEnd: 9, names: { unreached, visible } });
}

export interface ScoredSentence {
  /** The paraphrase check's raw score for the sentence: higher means closer to text the reader has not reached. */
  score: number;
  label: 'spoiler' | 'safe';
}

/**
 * The paraphrase check's score for each sentence at `guard`'s position (the number the check compares with its
 * threshold, before the threshold is applied), paired with its label; the precision–recall curve over the
 * threshold is computed from these. The checks come from the same per-series cache loadGuard used.
 */
export async function paraphraseScores(
  ctx: { db: Db; scope: ReaderScope; embeddings: EmbeddingService; guard: SpoilerGuard },
  sentences: ReadonlyArray<{ text: string; label: 'spoiler' | 'safe' }>,
): Promise<ScoredSentence[]> {
  const checks = await seriesChecks(ctx.db, ctx.scope.seriesId, ctx.guard.position, { embeddings: ctx.embeddings });
  const out: ScoredSentence[] = [];
  for (const s of sentences) {
    const score = await paraphraseScore(checks.sentence, s.text);
    if (score === null) throw new Error('seriesChecks returned no paraphrase check');
    out.push({ score, label: s.label });
  }
  return out;
}
