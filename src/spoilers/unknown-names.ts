/**
 * Unknown names (ADR 0021): a language model that knows the published story
 * can name a character, place or title that the reader has not met and that
 * Folio's entity list does not hold. In generated text, a name-like word
 * (capitalised mid-sentence, or capitalised and not an ordinary word) must
 * appear in something the reader has reached, or in their own question;
 * otherwise its sentence is withheld. Pure over the profile.
 */
import type { CheckContext, SpoilerHit, TextKind, WordCheck } from './policy.js';
import type { Position } from './position.js';
import { capitalKey, ordinaryWord, phrases, type TermIndex, type Token, tokenize } from './profile.js';

/** A capitalised word the language writes capitalised this often (SUBTLEX count) is ordinary: "Monday", "English", "God". */
const COMMON_CAPITALISED = 300;

export class UnknownNameCheck implements WordCheck {
  readonly kinds: readonly TextKind[] = ['generated'];

  constructor(
    private readonly index: TermIndex,
    private readonly position: Position | null,
  ) {}

  /** Does this word look like a name (not a reason to withhold by itself)? */
  nameLike(tok: Token): boolean {
    if (!tok.cap || tok.stem.length < 2 || /^\p{N}/u.test(tok.stem)) return false;
    const lex = this.index.lexicon;
    if (lex && lex.capitalisedCount(tok.stem) >= COMMON_CAPITALISED) return false;
    return !tok.initial || !ordinaryWord(lex, tok.stem);
  }

  find(text: string, ctx?: CheckContext): SpoilerHit[] {
    let asked: { words: Set<string>; text: string } | null = null;
    const question = () =>
      (asked ??= {
        words: new Set(ctx?.question ? tokenize(ctx.question).map((t) => t.stem) : []),
        text: ctx?.question
          ? tokenize(ctx.question)
              .map((t) => t.stem)
              .join(' ')
          : '',
      });
    const hits: SpoilerHit[] = [];
    const tokens = tokenize(text);
    // A title or full name ("Take a Chance", "Ms. Pigeon") is known only as a whole, even when each word is.
    for (const p of phrases(tokens, this.index.lexicon)) {
      if (this.index.reached(p.term, this.position) || ` ${question().text} `.includes(` ${p.term} `)) continue;
      // New combinations of known names ("Queen Aiel", "Grand Plaza of Komona") end in a word already read capitalised.
      const last = p.term.slice(p.term.lastIndexOf(' ') + 1);
      if (this.index.reached(capitalKey(last), this.position)) continue;
      hits.push({ kind: 'unknown_name', matched: text.slice(p.start, p.end), ref: p.term, start: p.start, end: p.end });
    }
    for (const tok of tokens) {
      if (!this.nameLike(tok) || this.index.reached(tok.stem, this.position) || question().words.has(tok.stem)) continue;
      if (hits.some((h) => h.start <= tok.start && tok.end <= h.end)) continue;
      hits.push({ kind: 'unknown_name', matched: tok.raw, ref: tok.stem, start: tok.start, end: tok.end });
    }
    return hits.sort((a, b) => a.start - b.start);
  }
}
