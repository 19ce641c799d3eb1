/**
 * Unreached vocabulary (ADR 0021): a distinctive word or capitalised phrase of
 * the series whose first readable position is after the reader's ("Hippiah",
 * "Dragon Cow", a spell's incantation), and the words of an unreached entity's
 * long name used as a definite noun ("the captain" for an unreached "Captain
 * Ironbeard") while the reader has not met that word yet. Same rule as an
 * unreached name: the sentence carrying it is withheld. Pure over the profile.
 */
import type { CheckContext, SpoilerHit, TextKind, WordCheck } from './policy.js';
import type { Position } from './position.js';
import { CONNECTORS, DETERMINERS, isReachedAt, STOPWORDS, type TermIndex, type Token, termCount, tokenize } from './profile.js';

/** A name's word this frequent (SUBTLEX count, about the 700 most used words: "end", "house", "school") is not a head; "captain" (10,622) is. */
const TOO_COMMON_HEAD = 12_000;

export class VocabularyCheck implements WordCheck {
  readonly kinds: readonly TextKind[] = ['lore', 'page', 'generated'];
  /** Words of unreached entities' multi-word names that the reader has not read anywhere yet. */
  readonly headWords: ReadonlySet<string>;

  constructor(
    private readonly index: TermIndex,
    private readonly position: Position | null,
  ) {
    const heads = new Set<string>();
    for (const e of index.entities) {
      if (isReachedAt(e, position)) continue;
      for (const name of e.names) {
        const words = tokenize(name).map((t) => t.stem);
        if (words.length < 2) continue;
        for (const w of words) {
          if (w.length < 3 || STOPWORDS.has(w) || index.reached(w, position)) continue;
          // "in the end" is not "Squirrel's End": the most frequent words are not heads.
          if (index.lexicon && termCount(index.lexicon, w) >= TOO_COMMON_HEAD) continue;
          heads.add(w);
        }
      }
    }
    this.headWords = heads;
  }

  find(text: string, _ctx?: CheckContext): SpoilerHit[] {
    const tokens = tokenize(text);
    const hits: SpoilerHit[] = [];
    const hit = (from: Token, to: Token, ref: string) => hits.push({ kind: 'vocabulary', matched: text.slice(from.start, to.end), ref, start: from.start, end: to.end });
    for (let i = 0; i < tokens.length; i++) {
      const tok = tokens[i]!;
      const phrase = this.phraseAt(tokens, i);
      if (phrase) {
        if (!phrase.reached) hit(tok, tokens[i + phrase.stems.length - 1]!, phrase.stems.join(' '));
        // A reached phrase covers its words: "the Komona Potion Challenge" read, nothing inside it is judged again.
        i += phrase.stems.length - 1;
        continue;
      }
      const term = this.index.byTerm.get(tok.stem);
      if (term?.distinctive && !isReachedAt(term, this.position)) {
        hit(tok, tok, tok.stem);
        continue;
      }
      const prev = tokens[i - 1];
      if (prev && this.headWords.has(tok.stem) && DETERMINERS.has(prev.stem) && !/[.!?…;:\n]/.test(text.slice(prev.end, tok.start))) hit(prev, tok, tok.stem);
    }
    return hits;
  }

  /**
   * The longest capitalised phrase of the series starting at token i, and whether the reader has reached it.
   * Written capitalised only ("the Potion Contest"): in lower case, a phrase's words are ordinary words.
   */
  private phraseAt(tokens: Token[], i: number): { stems: string[]; reached: boolean } | null {
    const candidates = this.index.phrasesByFirst.get(tokens[i]!.stem);
    if (!candidates) return null;
    for (const stems of candidates) {
      if (i + stems.length > tokens.length) continue;
      let ok = true;
      for (let k = 0; k < stems.length && ok; k++) {
        const t = tokens[i + k]!;
        ok = t.stem === stems[k] && (CONNECTORS.has(stems[k]!) || t.cap || t.raw === t.raw.toUpperCase()) && (k === 0 || !t.initial);
      }
      if (!ok) continue;
      return { stems, reached: this.index.reached(stems.join(' '), this.position) };
    }
    return null;
  }
}
