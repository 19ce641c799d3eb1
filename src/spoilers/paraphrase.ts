/**
 * Paraphrase (ADR 0021): a model's sentence that restates what happens beyond
 * the reader's position in other words ("Yes, she wins the contest in the
 * end") carries no unreached name or distinctive word, so the word checks miss
 * it. It is withheld when it is much closer to unreached series text than to
 * anything the reader has reached: word overlap (content words weighted by IDF
 * over the series' passages) with the best unreached and reached passage, the
 * share of its words not read yet, and whether it tells of later events; just
 * below the threshold, cosine similarity of the sentence's vector to the
 * nearest unreached and reached chunk (when the embed job has stored chunk
 * vectors). Everything but the sentence's own vector is computed once per
 * series version (ParaphraseData) and split by position here.
 */
import type { CheckContext, SentenceCheck, SpoilerHit } from './policy.js';
import { formatPosition, type Position } from './position.js';
import { isReachedAt, STOPWORDS, type TermIndex, tokenize, type Unit } from './profile.js';
import { findReferences } from './references.js';

/** A chunk vector (normalised) at its chunk's position. */
export interface PositionedVector {
  episode: number;
  page: number;
  vector: Float32Array;
}

/**
 * What the check needs about a series, built once per content hash (and vector count). Word overlap
 * is measured against passages: a page of the story (its lettering lines together: one line of
 * dialogue is too short to restate anything) or one sentence of lore.
 */
export class ParaphraseData {
  readonly idf = new Map<string, number>();
  /** Content stem → indexes of the passages that contain it. */
  readonly postings = new Map<string, number[]>();
  readonly passages: Array<{ episode: number; page: number }> = [];

  constructor(
    units: readonly Unit[],
    readonly vectors: readonly PositionedVector[] | null,
  ) {
    const pageOf = new Map<string, number>();
    const stemsOf: Array<Set<string>> = [];
    for (const u of units) {
      let i: number | undefined;
      if (u.story) {
        const k = `${u.episode}/${u.page}`;
        i = pageOf.get(k);
        if (i === undefined) pageOf.set(k, (i = this.passages.length));
      }
      if (i === undefined || i === this.passages.length) {
        i = this.passages.length;
        this.passages.push({ episode: u.episode, page: u.page });
        stemsOf.push(new Set());
      }
      for (const s of u.stems) if (isContent(s)) stemsOf[i]!.add(s);
    }
    stemsOf.forEach((stems, i) => {
      for (const s of stems) {
        const list = this.postings.get(s);
        if (list) list.push(i);
        else this.postings.set(s, [i]);
      }
    });
    const n = this.passages.length;
    for (const [s, list] of this.postings) this.idf.set(s, Math.log((n + 1) / (list.length + 0.5)));
  }
}

const isContent = (stem: string): boolean => stem.length >= 3 && !STOPWORDS.has(stem) && !/^\p{N}+$/u.test(stem);

export interface ParaphraseScore {
  /** Share of the sentence's content (IDF-weighted) found in the best-matching unreached passage. */
  unreached: number;
  /** The same within the next NEAR_EPISODES episodes: what the reader is about to read. */
  near: number;
  /** The same for the best-matching reached passage. */
  reached: number;
  /** Share of the sentence's content words the reader has not read anywhere yet. */
  novel: number;
  /** The sentence tells what happens later ("eventually", "ends up", "will"). */
  later: boolean;
  /** Cosine similarity to the nearest unreached / reached chunk (null without vectors). */
  vecUnreached: number | null;
  vecReached: number | null;
  /** Where the closest unreached text is. */
  closest: Position | null;
  /** Content weight of the sentence that the series knows (small = small talk). */
  weight: number;
  /** Content words of the sentence that the series knows. */
  words: number;
}

/** How far ahead "near" unreached text reaches, in episodes. */
const NEAR_EPISODES = 2;

/**
 * English words that place an event after the moment being told. "next" too ("at the next contest", "her next
 * trip"): in the labelled set every sentence with it (not "next to") tells a later event.
 */
const LATER = /\b(?:later|eventually|ends? up|ended up|in the end|finally|soon|one day|someday|will|afterwards|after that|years|at last|future|next(?! to\b))\b|\w'll\b/i;

/** Word-overlap part of the score (cheap: an inverted index over the series' passages). */
export function overlapScore(data: ParaphraseData, index: TermIndex, position: Position | null, sentence: string): ParaphraseScore {
  const stems = [...new Set(tokenize(sentence).map((t) => t.stem))].filter((s) => isContent(s) && data.idf.has(s));
  let total = 0;
  let novel = 0;
  const acc = new Map<number, number>();
  for (const s of stems) {
    const w = data.idf.get(s)!;
    total += w;
    if (!index.reached(s, position)) novel += w;
    for (const u of data.postings.get(s)!) acc.set(u, (acc.get(u) ?? 0) + w);
  }
  let best = 0;
  let bestNear = 0;
  let bestReached = 0;
  let closest: Position | null = null;
  const nearEnd = (position?.episode ?? 0) + NEAR_EPISODES;
  for (const [i, w] of acc) {
    const u = data.passages[i]!;
    if (isReachedAt(u, position)) bestReached = Math.max(bestReached, w);
    else {
      if (u.episode <= nearEnd) bestNear = Math.max(bestNear, w);
      if (w > best) {
        best = w;
        closest = { episode: u.episode, page: u.page };
      }
    }
  }
  const share = (x: number) => (total > 0 ? x / total : 0);
  const later = index.language.toLowerCase().startsWith('en') && LATER.test(sentence.replace(/’/g, "'"));
  return {
    unreached: share(best),
    near: share(bestNear),
    reached: share(bestReached),
    novel: share(novel),
    later,
    vecUnreached: null,
    vecReached: null,
    closest,
    weight: total,
    words: stems.length,
  };
}

/** Nearest unreached and reached chunk by cosine similarity (`v` normalised). */
export function vectorScore(
  vectors: readonly PositionedVector[],
  position: Position | null,
  v: Float32Array,
): { unreached: number; reached: number; closest: Position | null } {
  let unreached = -1;
  let reached = -1;
  let closest: Position | null = null;
  for (const pv of vectors) {
    const x = pv.vector;
    if (x.length !== v.length) continue;
    let dot = 0;
    for (let k = 0; k < x.length; k++) dot += x[k]! * v[k]!;
    if (isReachedAt(pv, position)) reached = Math.max(reached, dot);
    else if (dot > unreached) {
      unreached = dot;
      closest = { episode: pv.episode, page: pv.page };
    }
  }
  return { unreached, reached, closest };
}

export function normalise(v: readonly number[]): Float32Array {
  const out = Float32Array.from(v);
  let n = 0;
  for (const x of out) n += x * x;
  n = Math.sqrt(n) || 1;
  for (let k = 0; k < out.length; k++) out[k]! /= n;
  return out;
}

/**
 * The decision: a linear score of the word features (logistic regression on the labelled
 * Pepper&Carrot set, test/spoilers/labelled; ADR 0021 has the figures), withheld at `threshold`.
 * Just below it, the vectors decide: withheld when the nearest chunk is unreached.
 */
export const PARAPHRASE = {
  intercept: 0.38,
  unreached: 0.62,
  near: 1.34,
  reached: -3.58,
  novel: 1.13,
  later: 1.24,
  threshold: 0.36,
  /** Sentences scoring in [threshold - vectorBand, threshold) are embedded and compared with the chunk vectors. */
  vectorBand: 0.1,
  /** Below this much known content (or fewer than two known content words) the sentence is small talk, never withheld. */
  minWeight: 4,
};

export function wordScore(s: ParaphraseScore, t = PARAPHRASE): number {
  return t.intercept + t.unreached * s.unreached + t.near * s.near + t.reached * s.reached + t.novel * s.novel + (s.later ? t.later : 0);
}

/** Would the vectors decide this sentence? */
export function needsVectors(s: ParaphraseScore, t = PARAPHRASE): boolean {
  const w = wordScore(s, t);
  return s.weight >= t.minWeight && s.words >= 2 && w < t.threshold && w >= t.threshold - t.vectorBand;
}

/** Withhold? Pure over the scores. */
export function isParaphrase(s: ParaphraseScore, t = PARAPHRASE): boolean {
  if (s.weight < t.minWeight || s.words < 2) return false;
  const w = wordScore(s, t);
  if (w >= t.threshold) return true;
  return w >= t.threshold - t.vectorBand && s.vecUnreached !== null && s.vecReached !== null && s.vecUnreached > s.vecReached;
}

/**
 * Episode and page references say where something is, not what happens: a citation such as "— Episode 1, page 3
 * [1/3]" must not read as words of a later page. A reference past the position is the word-level checks' to withhold.
 */
export function withoutReferences(sentence: string): string {
  let out = '';
  let at = 0;
  for (const r of findReferences(sentence)) {
    out += `${sentence.slice(at, r.start)} `;
    at = r.end;
  }
  // "page 3" alone is no episode reference, but it is a pointer all the same.
  return (out + sentence.slice(at)).replace(/(?<![\p{L}\p{N}])(?:pages?|p\.)\s*\d{1,4}(?![\p{L}\p{N}])/giu, ' ');
}

export class ParaphraseCheck implements SentenceCheck {
  constructor(
    private readonly data: () => Promise<ParaphraseData>,
    private readonly index: TermIndex,
    private readonly position: Position | null,
    /** The sentence's vector in the chunk vectors' space, or null (embeddings off or failing). */
    private readonly embed: ((text: string, signal?: AbortSignal) => Promise<number[] | null>) | null,
  ) {}

  async score(text: string, signal?: AbortSignal): Promise<ParaphraseScore> {
    const data = await this.data();
    const sentence = withoutReferences(text);
    const s = overlapScore(data, this.index, this.position, sentence);
    if (!data.vectors || data.vectors.length === 0 || !this.embed || !needsVectors(s)) return s;
    const v = await this.embed(sentence, signal);
    if (!v) return s;
    const vs = vectorScore(data.vectors, this.position, normalise(v));
    return { ...s, vecUnreached: vs.unreached, vecReached: vs.reached, closest: s.closest ?? vs.closest };
  }

  async judge(sentence: string, ctx: CheckContext): Promise<SpoilerHit | null> {
    if (ctx.kind !== 'generated') return null;
    const s = await this.score(sentence, ctx.signal);
    if (!isParaphrase(s)) return null;
    const trimmed = sentence.trim();
    const start = sentence.indexOf(trimmed);
    return { kind: 'paraphrase', matched: trimmed, ref: s.closest ? formatPosition(s.closest) : 'later', start, end: start + trimmed.length };
  }
}

/**
 * For measurements only (bench/guard.ts draws the precision–recall curve over the threshold from it):
 * the raw score the paraphrase check among `checks` (seriesChecks' sentence checks) gives `sentence`
 * at its position — the number compared with PARAPHRASE.threshold, withheld at or above it.
 * Small talk (too little known content) scores -Infinity: it is never withheld. Just below the
 * threshold the chunk vectors also decide (isParaphrase); the score leaves them out. Null when
 * `checks` has no paraphrase check. The guard itself uses judge().
 */
export async function paraphraseScore(checks: readonly SentenceCheck[], sentence: string, t = PARAPHRASE): Promise<number | null> {
  const check = checks.find((c): c is ParaphraseCheck => c instanceof ParaphraseCheck);
  if (!check) return null;
  const s = await check.score(sentence);
  return s.weight < t.minWeight || s.words < 2 ? -Infinity : wordScore(s, t);
}
