/**
 * Paraphrase (ADR 0021): a model's sentence that restates what happens beyond
 * the reader's position in other words ("Yes, she wins the contest in the
 * end") carries no unreached name or distinctive word, so the word checks miss
 * it. It is withheld when it is much closer to unreached series text than to
 * anything the reader has reached: word overlap (content words weighted by
 * IDF over the series' sentences) and, when the embed job has stored chunk
 * vectors, cosine similarity of the sentence's vector to the nearest unreached
 * and reached chunks. Everything but the sentence's own vector is computed
 * once per series version (ParaphraseData) and split by position here.
 */
import type { CheckContext, SentenceCheck, SpoilerHit } from './policy.js';
import { formatPosition, type Position } from './position.js';
import { isReachedAt, STOPWORDS, tokenize, type TermIndex, type Unit } from './profile.js';

/** A chunk vector (normalised) at its chunk's position. */
export interface PositionedVector {
  episode: number;
  page: number;
  vector: Float32Array;
}

/** What the check needs about a series, built once per content hash (and vector count). */
export class ParaphraseData {
  readonly idf = new Map<string, number>();
  /** Content stem → indexes of the units that contain it. */
  readonly postings = new Map<string, number[]>();

  constructor(
    readonly units: readonly Unit[],
    readonly vectors: readonly PositionedVector[] | null,
  ) {
    units.forEach((u, i) => {
      for (const s of u.stems) {
        if (!isContent(s)) continue;
        const list = this.postings.get(s);
        if (list) list.push(i);
        else this.postings.set(s, [i]);
      }
    });
    const n = units.length;
    for (const [s, list] of this.postings) this.idf.set(s, Math.log((n + 1) / (list.length + 0.5)));
  }
}

const isContent = (stem: string): boolean => stem.length >= 3 && !STOPWORDS.has(stem) && !/^\p{N}+$/u.test(stem);

export interface ParaphraseScore {
  /** Share of the sentence's content (IDF-weighted) found in the best-matching unreached sentence. */
  unreached: number;
  /** The same for the best-matching reached sentence. */
  reached: number;
  /** Share of the sentence's content words the reader has not read anywhere yet. */
  novel: number;
  /** Cosine similarity to the nearest unreached / reached chunk (null without vectors). */
  vecUnreached: number | null;
  vecReached: number | null;
  /** Where the closest unreached text is. */
  closest: Position | null;
  /** Content weight of the sentence that the series knows (small = small talk). */
  weight: number;
}

/** Word-overlap part of the score (cheap: an inverted index over the series' sentences). */
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
  let bestReached = 0;
  let closest: Position | null = null;
  for (const [i, w] of acc) {
    const u = data.units[i]!;
    if (isReachedAt(u, position)) bestReached = Math.max(bestReached, w);
    else if (w > best) {
      best = w;
      closest = { episode: u.episode, page: u.page };
    }
  }
  const share = (x: number) => (total > 0 ? x / total : 0);
  return { unreached: share(best), reached: share(bestReached), novel: share(novel), vecUnreached: null, vecReached: null, closest, weight: total };
}

/** Nearest unreached and reached chunk by cosine similarity (`v` normalised). */
export function vectorScore(vectors: readonly PositionedVector[], position: Position | null, v: Float32Array): { unreached: number; reached: number; closest: Position | null } {
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
 * The decision, with thresholds chosen on the labelled Pepper&Carrot set
 * (test/spoilers/labelled, ADR 0021 has the figures).
 */
export const PARAPHRASE = {
  /** Below this much known content the sentence is small talk, never withheld. */
  minWeight: 4,
  /** Word overlap: the unreached match must cover this much and beat the reached one by `margin`. */
  minUnreached: 0.6,
  margin: 0.3,
  /** Or: this share of the content is words the reader has not read yet. */
  novel: 0.5,
  /** Vectors: nearest unreached chunk this much closer than the nearest reached one. */
  vecMargin: 0.12,
  /** Only sentences whose word score reaches this are embedded (the budget is per sentence). */
  embedAbove: 0.2,
};

/** Withhold? Pure over the scores. */
export function isParaphrase(s: ParaphraseScore, t = PARAPHRASE): boolean {
  if (s.weight < t.minWeight) return false;
  if (s.novel >= t.novel) return true;
  if (s.unreached >= t.minUnreached && s.unreached - s.reached >= t.margin) return true;
  if (s.vecUnreached !== null && s.vecReached !== null && s.vecUnreached - s.vecReached >= t.vecMargin && s.unreached > s.reached) return true;
  return false;
}

/** How promising a sentence is for the vector comparison (word evidence of unreached content). */
export const wordLead = (s: ParaphraseScore): number => Math.max(s.novel, s.unreached - s.reached);

export class ParaphraseCheck implements SentenceCheck {
  constructor(
    private readonly data: () => Promise<ParaphraseData>,
    private readonly index: TermIndex,
    private readonly position: Position | null,
    /** The sentence's vector in the chunk vectors' space, or null (embeddings off or failing). */
    private readonly embed: ((text: string, signal?: AbortSignal) => Promise<number[] | null>) | null,
  ) {}

  async score(sentence: string, signal?: AbortSignal): Promise<ParaphraseScore> {
    const data = await this.data();
    const s = overlapScore(data, this.index, this.position, sentence);
    if (!data.vectors || data.vectors.length === 0 || !this.embed || s.weight < PARAPHRASE.minWeight || wordLead(s) < PARAPHRASE.embedAbove || isParaphrase(s)) return s;
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
