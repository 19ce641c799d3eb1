/**
 * Everything bench/guard.ts needs from src/spoilers, in one place: the guard was rewritten on other branches while
 * this bench was written, so the calls below follow the announced API (spoilers/index.ts) and are the only lines to
 * adjust if its final shape differs.
 */
import type { Db } from '../src/db/client.js';
import type { Embedder } from '../src/models/types.js';
import { loadGuard, NameMatcher, type ReaderScope, type SpoilerGuard, type SpoilerHitKind } from '../src/spoilers/index.js';

export type { ReaderScope, SpoilerGuard, SpoilerHitKind };

/** The guard for the reader's current progress row, with the paraphrase check on `embedder`'s stored vectors. */
export function openGuard(db: Db, scope: ReaderScope, embedder: Embedder): Promise<SpoilerGuard> {
  // TODO(lead): `embeddings` is the announced option name; pass whatever loadGuard takes to enable the paraphrase check.
  return loadGuard(db, scope, { embeddings: embedder });
}

/** One answer sentence through the guard as chat sees it: is it withheld, and by which checks. */
export async function judgeSentence(guard: SpoilerGuard, text: string): Promise<{ withheld: boolean; kinds: SpoilerHitKind[] }> {
  const r = await guard.redactGenerated(text, {});
  return { withheld: r.withheld > 0, kinds: [...new Set(r.hits.map((h) => h.kind))] };
}

export interface Named {
  slug: string;
  name: string;
}

/** The unreached-name matcher on its own: `find` is what the name-matching figures time. */
export function nameMatcher(unreached: Named[], visible: Named[]): { find(text: string): unknown[] } {
  return new NameMatcher(unreached, visible);
}

export interface ScoredSentence {
  /** The paraphrase check's raw score for the sentence: higher means closer to text the reader has not reached. */
  score: number;
  label: 'spoiler' | 'safe';
}

/**
 * The paraphrase check's score for each sentence, at the reader's current position, paired with its label; the
 * precision–recall curve over the threshold is computed from these.
 *
 * TODO(lead): wire this to `paraphraseScores(...)` from ../src/spoilers/index.js once its shape is settled: for each
 * `sentences[i]` return its score under `guard`'s position (the number the paraphrase check compares with its
 * threshold, before the threshold is applied) and `sentences[i].label`. Until then it throws, and the bench reports
 * the curve as an ERROR row while every other figure is still measured.
 */
export async function paraphraseScores(
  _ctx: { db: Db; scope: ReaderScope; embedder: Embedder; guard: SpoilerGuard },
  _sentences: ReadonlyArray<{ text: string; label: 'spoiler' | 'safe' }>,
): Promise<ScoredSentence[]> {
  throw new Error('paraphraseScores is not wired yet (TODO in bench/guard-api.ts)');
}
