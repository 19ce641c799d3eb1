/**
 * The SpoilerGuard of policy.ts: one per (series, reader position), built from
 * rows SQL returned under the boundary. Word-level checks (unreached names,
 * episode and page references, and the pluggable `WordCheck`s) judge every
 * text; `SentenceCheck`s (paraphrase) judge each sentence of generated text.
 * Whatever they find withholds the sentence it is in (sentences.ts), whole
 * text and stream alike.
 */
import type { Db } from '../db/client.js';
import type { EmbeddingService } from '../retrieval/embeddings.js';
import type { ReaderScope } from './boundary.js';
import { seriesChecks } from './checks.js';
import { type EntityName, NameMatcher } from './names.js';
import type { CheckContext, GuardedStream, Redaction, SentenceCheck, SpoilerGuard, SpoilerHit, TextKind, WordCheck } from './policy.js';
import { comparePositions, formatPosition, type Position } from './position.js';
import { guardRow } from './queries.js';
import { findReferences, type Reference, referenceOpen } from './references.js';
import { Collapser, endsSentence, redactSentences, sentenceSpans, sentenceTail, splitSentences } from './sentences.js';

export interface GuardInput {
  /** The reader's furthest page (null before reading: every reference then spoils). */
  position: Position | null;
  /** The last story page of the current episode: that episode counts as finished from there (boundary.ts episodeFinished). */
  episodeEnd: number | null;
  names: { visible: EntityName[]; unreached: EntityName[] };
  language?: string;
  /** Further checks (vocabulary, unknown names, paraphrase), run with the built-in ones. */
  checks?: { word: WordCheck[]; sentence: SentenceCheck[] };
}

/** May text of this kind name episode `n`? Lore (written with hindsight) not the current one until it is finished. */
export function episodeSafe(n: number, input: Pick<GuardInput, 'position' | 'episodeEnd'>, kind: TextKind): boolean {
  const p = input.position;
  if (!p) return false;
  if (n < p.episode) return true;
  if (n > p.episode) return false;
  return kind !== 'lore' || (input.episodeEnd !== null && p.page >= input.episodeEnd);
}

/** The reference as a hit, when it names what this reader must not read about yet. */
function referenceHit(text: string, r: Reference, input: GuardInput, kind: TextKind): SpoilerHit | null {
  const matched = text.slice(r.start, r.end);
  if (r.kind === 'page') {
    const late = r.pages.find((p) => input.position === null || comparePositions(p, input.position) > 0);
    return late ? { kind: 'page', matched, ref: formatPosition(late), start: r.start, end: r.end } : null;
  }
  const unsafe = r.episodes.filter((n) => !episodeSafe(n, input, kind));
  if (unsafe.length === 0) return null;
  return { kind: 'episode', matched, ref: String(Math.max(...unsafe)), start: r.start, end: r.end };
}

const LABELS_KEPT = 10_000;
const byStart = (a: SpoilerHit, b: SpoilerHit) => a.start - b.start || b.end - a.end;
/** Letters of a hit, for questionHit: two-letter names are mostly interjections in a question ("Ah, who is…"). */
const letterCount = (s: string) => s.replace(/[^\p{L}\p{N}]/gu, '').length;

class Guard implements SpoilerGuard {
  readonly position: Position | null;
  readonly names: NameMatcher;
  private readonly word: WordCheck[];
  private readonly sentence: SentenceCheck[];
  private readonly labels = new Map<string, string | null>();
  /** Released text kept as context for the next sentence: longer than any one hit. */
  readonly contextChars: number;

  constructor(readonly input: GuardInput) {
    this.position = input.position;
    this.names = new NameMatcher(input.names.unreached, input.names.visible);
    this.word = input.checks?.word ?? [];
    this.sentence = input.checks?.sentence ?? [];
    this.contextChars = Math.max(this.names.maxSpan, 256);
  }

  private references(text: string, kind: TextKind): SpoilerHit[] {
    const out: SpoilerHit[] = [];
    for (const r of findReferences(text, this.input.language)) {
      const h = referenceHit(text, r, this.input, kind);
      if (h) out.push(h);
    }
    return out;
  }

  findWith(text: string, ctx: CheckContext): SpoilerHit[] {
    if (text.length === 0) return [];
    const hits = [...this.names.find(text), ...this.references(text, ctx.kind)];
    for (const c of this.word) if (c.kinds.includes(ctx.kind)) hits.push(...c.find(text, ctx));
    return hits.sort(byStart);
  }

  find(text: string, kind: TextKind = 'lore'): SpoilerHit[] {
    return this.findWith(text, { kind });
  }

  has(text: string, kind: TextKind = 'lore'): boolean {
    return this.find(text, kind).length > 0;
  }

  redact(text: string, kind: TextKind = 'lore'): Redaction {
    const hits = this.find(text, kind);
    return { ...redactSentences(text, hits), hits };
  }

  /** The sentence checks on one sentence (offsets moved to `offset`); null when none finds anything. */
  async judgeSentence(sentence: string, offset: number, ctx: CheckContext): Promise<SpoilerHit | null> {
    if (sentence.trim().length === 0) return null;
    for (const c of this.sentence) {
      const h = await c.judge(sentence, ctx);
      if (h) return { ...h, start: h.start + offset, end: h.end + offset };
    }
    return null;
  }

  async redactGenerated(text: string, opts: { question?: string; signal?: AbortSignal } = {}): Promise<Redaction> {
    const ctx: CheckContext = { kind: 'generated', ...opts };
    const hits = this.findWith(text, ctx);
    const also = new Set<number>();
    if (this.sentence.length > 0) {
      const spans = sentenceSpans(text);
      for (let i = 0; i < spans.length; i++) {
        const s = spans[i]!;
        if (hits.some((h) => h.start < s.end && s.start < h.end)) continue;
        const h = await this.judgeSentence(s.text, s.start, ctx);
        if (h) {
          hits.push(h);
          also.add(i);
        }
      }
      hits.sort(byStart);
    }
    return { ...redactSentences(text, hits, also), hits };
  }

  label(text: string, kind: TextKind = 'lore'): string | null {
    // Labels repeat a lot within one response ("character" on every node): judge each once.
    const key = `${kind}\u0000${text}`;
    let out = this.labels.get(key);
    if (out === undefined) {
      out = this.has(text, kind) ? null : text;
      // A guard is cached per position (world/view.ts): keep its memory bounded.
      if (this.labels.size >= LABELS_KEPT) this.labels.clear();
      this.labels.set(key, out);
    }
    return out;
  }

  questionHit(question: string): SpoilerHit | null {
    const hits = [...this.names.find(question), ...this.references(question, 'generated')].sort(byStart);
    return hits.find((h) => h.kind !== 'entity' || letterCount(h.matched) >= 3) ?? null;
  }

  stream(opts: { question?: string; signal?: AbortSignal } = {}): GuardedStream {
    return new SentenceStream(this, { kind: 'generated', ...opts });
  }
}

/**
 * The streaming guard: holds the current sentence until it ends, judges it once
 * with every check, then releases it or withholds it. A sentence is judged as
 * soon as its end punctuation arrives (endsSentence), not when the next one
 * begins: a model writes the next token only after a pause, and the first
 * sentence is the reader's first text. Punctuation and whitespace that follow
 * it still belong to it (sentenceTail), so the output is the same as the whole
 * text redacted at once. A finished sentence whose end could still be the start
 * of a name or a reference ("… Cori. ander") waits for the next one, so no hit
 * ever spans released text; the released text is kept only as context (a hit
 * from it into the new sentence withholds the new sentence) and never judged
 * again.
 */
class SentenceStream implements GuardedStream {
  private buffer = '';
  private context = '';
  private readonly out = new Collapser();
  private readonly found: SpoilerHit[] = [];
  /** Offset in the whole answer of buffer[0]. */
  private base = 0;
  /** The last sentence released, while what follows may still be its tail (null once the next one began). */
  private ended: string | null = null;

  constructor(
    private readonly guard: Guard,
    private readonly ctx: CheckContext,
  ) {}

  get withheld(): number {
    return this.out.withheld;
  }

  get hits(): readonly SpoilerHit[] {
    return this.found;
  }

  async push(delta: string): Promise<string> {
    this.buffer += delta;
    return this.drain(false);
  }

  async end(): Promise<string> {
    return (await this.drain(true)) + this.out.end();
  }

  private open(text: string): boolean {
    return this.guard.names.open(text) || referenceOpen(text);
  }

  private async drain(final: boolean): Promise<string> {
    let out = '';
    if (this.ended !== null) {
      const tail = sentenceTail(this.ended, this.buffer);
      if (tail.length > 0) {
        out += this.out.extend(tail);
        this.ended += tail;
        this.consume(tail);
      }
      if (this.buffer.length === 0) return out;
      this.ended = null;
    }
    const parts = splitSentences(this.buffer);
    // Every part but the last is a whole sentence (the next one has begun); the last one when it ends so, or at the end.
    const last = parts.at(-1);
    const complete = final || (last !== undefined && endsSentence(last)) ? parts.length : parts.length - 1;
    let taken = 0;
    while (taken < complete) {
      let n = 1;
      let unit = parts[taken]!;
      while (this.open(this.context + unit)) {
        // At the end there is nothing more to wait for: judge what is left together.
        if (taken + n >= complete) {
          if (final) break;
          return out;
        }
        unit += parts[taken + n]!;
        n++;
      }
      out += await this.judge(parts.slice(taken, taken + n));
      taken += n;
    }
    if (!final && taken === parts.length && last !== undefined) this.ended = last;
    return out;
  }

  private consume(text: string): void {
    this.buffer = this.buffer.slice(text.length);
    this.base += text.length;
    this.context = (this.context + text).slice(-this.guard.contextChars);
  }

  /** Judge a run of whole sentences (with the released context before them) and write them out. */
  private async judge(sentences: string[]): Promise<string> {
    const unit = sentences.join('');
    const text = this.context + unit;
    const shift = this.context.length;
    const hits = this.guard.findWith(text, this.ctx).filter((h) => h.end > shift);
    let out = '';
    let start = shift;
    for (const s of sentences) {
      const end = start + s.length;
      const near = hits.filter((h) => h.start < end && start < h.end);
      const paraphrase = near.length === 0 ? await this.guard.judgeSentence(s, start, this.ctx) : null;
      const why = paraphrase ? [paraphrase] : near;
      for (const h of why) this.found.push({ ...h, start: h.start - shift + this.base, end: h.end - shift + this.base });
      const hit = why.length > 0;
      out += this.out.push(s, hit);
      start = end;
    }
    this.buffer = this.buffer.slice(unit.length);
    this.base += unit.length;
    this.context = text.slice(-this.guard.contextChars);
    return out;
  }
}

/** The guard for one reader position, from what SQL returned under the boundary. Pure. */
export function buildGuard(input: GuardInput): SpoilerGuard {
  return new Guard(input);
}

/**
 * Read the position, the current episode's end and the names under the boundary (one statement), and build the
 * guard with the series' vocabulary, unknown-name and paraphrase checks (`checks` overrides them).
 * `embeddings`: lets the paraphrase check compare sentences with the stored chunk vectors.
 */
export async function loadGuard(
  db: Db,
  scope: ReaderScope,
  opts: { language?: string; checks?: GuardInput['checks']; embeddings?: EmbeddingService } = {},
): Promise<SpoilerGuard> {
  const row = await guardRow(db, scope);
  const language = opts.language;
  const checks = opts.checks ?? (await seriesChecks(db, scope.seriesId, row.position, { embeddings: opts.embeddings, language }));
  return buildGuard({ ...row, language, checks });
}
