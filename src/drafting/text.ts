/**
 * The page text of a series cut into lines, sentences and words for drafting
 * (src/drafting/draft.ts): lettering lines in reading order, each with its
 * words (src/spoilers/profile.ts `tokenize`, so drafted names fold and stem
 * exactly like the spoiler checks' terms), the sentence each word belongs to,
 * and whether the line is a label (a sign, a book cover, a title: every word
 * capitalised) rather than speech. Pure.
 */
import { CONNECTORS, STOPWORDS, type Token, tokenize } from './lexical.js';

export interface DraftPage {
  episode: number;
  page: number;
  kind: 'title' | 'story' | 'credits' | 'blank';
  /** The page's lettering, one text object per line, in reading order. */
  text: string;
}

export interface Line {
  episode: number;
  page: number;
  kind: DraftPage['kind'];
  /** Index of the page in reading order (positions compare by it). */
  ordinal: number;
  /** Index of the line on its page. */
  index: number;
  /** The line as written, trimmed. */
  text: string;
  tokens: Token[];
  /** Sentence number (within the line) of each token. */
  sentence: number[];
  /** (Nearly) every word capitalised (a sign, a title, a poster), at least two words; or a footnote, or a title page: weak evidence of anything. */
  label: boolean;
  /** Key of the line's text on its page: the same label repeated 6 times on a page is one occurrence. */
  key: string;
}

/** Share of a line's words (connectors aside) capitalised for it to be a label rather than speech. */
const LABEL_SHARE = 0.8;

const isNumber = (s: string) => /^\p{N}+$/u.test(s);
export const hasLetter = (s: string) => /\p{L}/u.test(s);
/** Capitalised as a name is: "Pepper", "DragonCow"; in an all-caps comic, "PEPPER" too. */
export const capital = (t: Token, capsMode: boolean): boolean => t.cap || (capsMode && t.upper);
export const lowerCase = (t: Token): boolean => hasLetter(t.raw) && t.raw === t.raw.toLowerCase();

/** Story and title pages in reading order (credits and blank pages are never sources), cut into lines. */
export function readLines(pages: readonly DraftPage[]): Line[] {
  const sorted = pages
    .map((p, i) => ({ p, i }))
    .sort((a, b) => a.p.episode - b.p.episode || a.p.page - b.p.page || a.i - b.i)
    .map((x) => x.p);
  const out: Line[] = [];
  sorted.forEach((p, ordinal) => {
    if (p.kind !== 'story' && p.kind !== 'title') return;
    let index = 0;
    for (const raw of p.text.split(/\r?\n/)) {
      const text = raw.replace(/\s+/g, ' ').trim();
      if (!hasLetter(text)) continue;
      const tokens = tokenize(text).filter((t) => hasLetter(t.raw) || isNumber(t.raw));
      const sentence: number[] = [];
      let s = -1;
      for (const t of tokens) {
        if (t.initial) s++;
        sentence.push(Math.max(s, 0));
      }
      const words = tokens.filter((t) => hasLetter(t.raw));
      // A footnote ("* See Episode 8 : …") and a title page's lettering are labels too.
      // A poster's "By Popular Demand The City of Komona Presents its Magic Contest": nearly every word capitalised.
      const content = words.filter((t) => !CONNECTORS.has(t.stem));
      const capitalised = content.filter((t) => t.cap || t.upper).length;
      const label = p.kind === 'title' || text.startsWith('*') || (words.length >= 2 && capitalised >= LABEL_SHARE * content.length);
      out.push({ episode: p.episode, page: p.page, kind: p.kind, ordinal, index: index++, text, tokens, sentence, label, key: `${ordinal}\u0000${text.toLowerCase()}` });
    }
  });
  // In a comic lettered in capitals every line looks like a sign: only title pages and footnotes are labels there.
  if (capsLettered(out)) for (const l of out) l.label = l.kind === 'title' || l.text.startsWith('*');
  return out;
}

/** Share of letter tokens in ALL CAPS above which the comic is lettered in capitals. */
const CAPS_SHARE = 0.6;

/** Is the whole comic lettered in capitals? */
export function capsLettered(lines: readonly Line[]): boolean {
  let upper = 0;
  let all = 0;
  for (const l of lines)
    for (const t of l.tokens) {
      if (t.raw.length < 2 || !hasLetter(t.raw)) continue;
      all++;
      if (t.upper) upper++;
    }
  return all > 0 && upper / all > CAPS_SHARE;
}

/** Distinct words of the token's sentence other than its own (stop words included: "Thyme, calm down"). */
export function sentenceContext(line: Line, i: number): number {
  const s = line.sentence[i];
  const own = line.tokens[i]!.stem;
  const others = new Set<string>();
  line.tokens.forEach((t, k) => {
    if (line.sentence[k] === s && t.stem !== own && hasLetter(t.raw)) others.add(t.stem);
  });
  return others.size;
}

/** Onomatopoeia by shape: a letter three times in a row ("Shhh", "Zzzz", "CAAAA"), or no vowel at all ("Crr", "Pfff", "Tsk"). */
export function soundShaped(raw: string): boolean {
  const w = raw.toLowerCase();
  if (/(\p{L})\1\1/u.test(w)) return true;
  if (w.length >= 2 && !/[aeiouyàâäéèêëîïôöùûüœæáíóúãõåø]/u.test(w) && /^\p{Script=Latin}+$/u.test(w)) return true;
  return false;
}

/** Is the token a word to ignore entirely (stop word, number, one letter)? */
export function functionWord(t: Token): boolean {
  return t.stem.length < 2 || isNumber(t.stem) || STOPWORDS.has(t.stem);
}

/** Follows a number ("60 Ko", "10 AirMoon"): a unit, a currency or a month, not a character. */
export function afterNumber(line: Line, i: number): boolean {
  const prev = line.tokens[i - 1];
  return !!prev && /\p{N}$/u.test(prev.raw) && !/[.!?…;:]/.test(line.text.slice(prev.end, line.tokens[i]!.start));
}
