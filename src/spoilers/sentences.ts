/**
 * The one sentence splitter and the one redactor: a withheld sentence becomes
 * WITHHELD, a run of withheld sentences collapses into one, line breaks stay.
 * The stream guard (guard.ts) uses the same two pieces, so a streamed answer
 * comes out exactly as the whole answer redacted at once.
 */
import { type SpoilerHit, WITHHELD } from './policy.js';

/** A run this long without a sentence end is cut at the next clause boundary (a model that never stops a sentence). */
export const LONG_RUN = 400;

/** Words after which a period does not end a sentence ("Ep. 36", "Mr. Ah", "No. 5", "chap. 3"). */
const ABBREVIATIONS = new Set([
  'ep',
  'eps',
  'ép',
  'no',
  'nos',
  'nr',
  'n°',
  'ch',
  'chap',
  'vol',
  'pp',
  'mr',
  'mrs',
  'ms',
  'mme',
  'mlle',
  'dr',
  'st',
  'mt',
  'prof',
  'vs',
  'etc',
  'cf',
  'fig',
  'approx',
  'ca',
  'jr',
  'sr',
  'env',
  'p',
]);
// A match starts only where a run of end punctuation starts: tried from inside the run it would re-read the run
// to its end each time, quadratic in a run with no whitespace after it (50,000 dots took 8 s).
// An end needs whitespace after it, or any other character (a stream judges a sentence as soon as its end
// arrives, so "Ahe.g" must be cut after "Ahe." in the whole text too), except after an initial, an abbreviation
// or a digit ("e.g", "3.5"), which endsSentence does not accept either.
const END = /(?<![.!?…])[.!?…]+["'”’)\]»]*(?:\s+|(?=[^\s.!?…"'”’)\]»]))|\n\s*/g;
const WORD_BEFORE = /([\p{L}°]+)$/u;
const CLAUSE = /[,;:—–]\s+/g;
const SPACE = /\s+/g;

/** Is the END match at `m` (a sentence end) only an abbreviation or an initial ("C. o. r.", "Ep. 36")? */
function abbreviation(text: string, index: number, match: string): boolean {
  if (match.includes('\n')) return false;
  const spaced = /\s$/.test(match);
  if (!spaced && match.startsWith('.') && /\p{N}$/u.test(text.slice(0, index))) return true; // "3.5", "v1.2"
  if (!/^\.["'”’)\]»]*(?:\s|$)/.test(match)) return false;
  const word = WORD_BEFORE.exec(text.slice(Math.max(0, index - 12), index))?.[1];
  if (word === undefined) return false;
  return word.length === 1 || ABBREVIATIONS.has(word.toLowerCase());
}

/** Where the first match of `re` starting in [from, to) ends, or null. */
function firstIn(re: RegExp, text: string, from: number, to: number): number | null {
  re.lastIndex = from;
  const m = re.exec(text);
  return m && m.index < to ? m.index + m[0].length : null;
}

/**
 * Split after sentence ends (. ! ? … with closing quotes, then whitespace) and
 * line breaks, not after initials and abbreviations ("C. o. r.", "Ep. 36").
 * A run of LONG_RUN characters without one is cut at the first clause boundary
 * in the next LONG_RUN characters, else at the first space after that. Every cut
 * depends only on the text before it and the whitespace after it, so a stream
 * cut the same way as the whole text. Joined back, the parts give the input.
 */
export function splitSentences(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  // The next sentence end at or after `last` (null: none to the end). After a cut inside a long run it is still
  // the next one (a cut comes after whitespace, never inside an end), so it is not searched for again: a text of
  // nothing but abbreviations ("Ep. Ep. …") would otherwise be re-read to its end after every cut.
  let m: RegExpExecArray | null | undefined;
  while (last < text.length) {
    if (m === undefined || (m !== null && m.index < last)) {
      END.lastIndex = last;
      m = END.exec(text);
      while (m && abbreviation(text, m.index, m[0])) m = END.exec(text);
    }
    const at = m ? m.index : text.length;
    if (at - last > LONG_RUN) {
      const cut =
        firstIn(CLAUSE, text, last + LONG_RUN, Math.min(at, last + 2 * LONG_RUN)) ?? (at - last > 2 * LONG_RUN ? firstIn(SPACE, text, last + 2 * LONG_RUN, at) : null);
      if (cut !== null && cut < text.length) {
        parts.push(text.slice(last, cut));
        last = cut;
        continue;
      }
    }
    const end = m ? m.index + m[0].length : text.length;
    parts.push(text.slice(last, end));
    last = end;
  }
  return parts;
}

/** A sentence end (. ! ? … closing quotes) at the very end of a text without its trailing whitespace (a run's start only: linear). */
const ENDS = /(?<![.!?…])[.!?…]+["'”’)\]»]*$/;
const TRAILING_SPACE = /(?<!\s)\s+$/;

/**
 * Does `text` end the way a sentence does, whatever follows (a stream's guard may then judge it without waiting
 * for the next piece)? Not after an abbreviation or an initial ("Ep.", "C.": "Ep. 36"), nor after a digit
 * ("3." may be "3.5").
 */
export function endsSentence(text: string): boolean {
  const space = TRAILING_SPACE.exec(text)?.[0] ?? '';
  const body = text.slice(0, text.length - space.length);
  const p = ENDS.exec(body);
  // Punctuation (and its trailing whitespace), else a line break in the trailing whitespace.
  const m = p ? { index: p.index, end: p[0] + space } : space.includes('\n') ? { index: body.length + space.indexOf('\n'), end: space.slice(space.indexOf('\n')) } : null;
  if (!m) return false;
  if (m.end.startsWith('.') && /\p{N}$/u.test(text.slice(0, m.index))) return false;
  return !abbreviation(text, m.index, /\s$/.test(m.end) ? m.end : `${m.end} `);
}

/**
 * What may still belong to a sentence `endsSentence` accepted, as splitSentences would cut the text once it
 * comes: more end punctuation and closing quotes in any order (only while no whitespace came), then whitespace.
 */
export function sentenceTail(ended: string, next: string): string {
  // Punctuation and closers in any order: '!"!' is one end in the whole text (END starts only at a run's start).
  const re = /\s$/.test(ended) ? /^\s*/ : /^[.!?…"'”’)\]»]*\s*/;
  return re.exec(next)![0];
}

/**
 * Writes sentences out, each as itself or withheld; withheld runs collapse into
 * one WITHHELD, keeping the last line break of the run. Whitespace after a
 * withheld sentence waits for the next sentence (it may still collapse).
 */
export class Collapser {
  private lastWithheld = false;
  private pendingSpace = '';
  /** The last sentence pushed (extend() may still add to it) and whether it began a withheld run. */
  private last = '';
  private firstOfRun = false;
  withheld = 0;

  push(sentence: string, withhold: boolean): string {
    this.last = sentence;
    if (!withhold) {
      const out = this.pendingSpace + sentence;
      this.pendingSpace = '';
      this.lastWithheld = false;
      return out;
    }
    this.withheld++;
    this.firstOfRun = !this.lastWithheld;
    if (this.firstOfRun) {
      this.lastWithheld = true;
      const out = this.pendingSpace + WITHHELD;
      this.pendingSpace = '';
      this.space(sentence);
      return out;
    }
    this.space(sentence);
    return '';
  }

  /** More of the last sentence (its end punctuation and whitespace, streamed after it was judged): as if pushed with it. */
  extend(more: string): string {
    this.last += more;
    if (!this.lastWithheld) return more;
    this.space(this.last);
    return '';
  }

  /** Whitespace after a withheld sentence waits: kept when it begins the run or breaks a line. */
  private space(sentence: string): void {
    const trailing = /\s*$/.exec(sentence)![0];
    if (this.firstOfRun || trailing.includes('\n')) this.pendingSpace = trailing;
  }

  end(): string {
    const out = this.pendingSpace;
    this.pendingSpace = '';
    return out;
  }
}

/** Sentences of `text` as [start, end) offsets. */
export function sentenceSpans(text: string): Array<{ start: number; end: number; text: string }> {
  const out: Array<{ start: number; end: number; text: string }> = [];
  let start = 0;
  for (const s of splitSentences(text)) {
    out.push({ start, end: start + s.length, text: s });
    start += s.length;
  }
  return out;
}

/**
 * Withhold every sentence a hit touches (a hit cut by the splitter withholds
 * every sentence it spans) and every sentence in `also` (by index).
 */
export function redactSentences(text: string, hits: readonly SpoilerHit[], also: ReadonlySet<number> = new Set()): { text: string; withheld: number } {
  if (hits.length === 0 && also.size === 0) return { text, withheld: 0 };
  const c = new Collapser();
  let out = '';
  sentenceSpans(text).forEach((s, i) => {
    const hit = also.has(i) || hits.some((h) => h.start < s.end && s.start < h.end);
    out += c.push(s.text, hit);
  });
  out += c.end();
  return { text: out, withheld: c.withheld };
}
