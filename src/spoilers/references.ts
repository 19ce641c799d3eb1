/**
 * References to episodes and pages inside free text, in English and French:
 * "in episode 6", "(ep25)", "ep. 36", "Ep-36", "episode: 36", "episode #6",
 * "#36" (an issue number), "episodes 18 and 22", "2 through 20", "chapter
 * six", "Episode VI", "the sixth episode", "6th episode", "épisode 6",
 * "ép. 6", "le sixième épisode", "chapitre 3", "tome 2", full-width digits,
 * and citation labels "[27/1]", "[3/2, 27/1]" (kind `page`).
 *
 * The one detector: the guard decides which references spoil (guard.ts), the
 * import lint reports them (content/lint.ts). Ordinary words stay ordinary: a
 * number word or an ordinal only counts next to an episode word ("at first",
 * "one day", "wait a second" are not references).
 */
import { foldKeepCase, originalEnd, originalStart } from './fold.js';
import type { Position } from './position.js';

export interface Reference {
  kind: 'episode' | 'page';
  /** Episode numbers named (a range gives both ends); for `page`, the episodes of the labels. */
  episodes: number[];
  /** `page` only: every label of the group. */
  pages: Position[];
  /** Offsets in the original text. */
  start: number;
  end: number;
}

const EN_UNITS = ['one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const EN_TEENS = ['ten', 'eleven', 'twelve', 'thirteen', 'fourteen', 'fifteen', 'sixteen', 'seventeen', 'eighteen', 'nineteen'];
const EN_TENS: Record<string, number> = { twenty: 20, thirty: 30, forty: 40, fifty: 50, sixty: 60, seventy: 70, eighty: 80, ninety: 90 };
const FR_UNITS = ['un', 'deux', 'trois', 'quatre', 'cinq', 'six', 'sept', 'huit', 'neuf'];
const FR_TEENS = ['dix', 'onze', 'douze', 'treize', 'quatorze', 'quinze', 'seize', 'dix-sept', 'dix-huit', 'dix-neuf'];
const FR_TENS: Record<string, number> = { vingt: 20, trente: 30, quarante: 40, cinquante: 50, soixante: 60 };

const CARDINALS = new Map<string, number>();
for (const [i, w] of EN_UNITS.entries()) CARDINALS.set(w, i + 1);
for (const [i, w] of EN_TEENS.entries()) CARDINALS.set(w, i + 10);
for (const [i, w] of FR_UNITS.entries()) CARDINALS.set(w, i + 1);
for (const [i, w] of FR_TEENS.entries()) CARDINALS.set(w, i + 10);
CARDINALS.set('une', 1);
for (const [w, n] of [...Object.entries(EN_TENS), ...Object.entries(FR_TENS)]) CARDINALS.set(w, n);

const EN_ORD_UNITS = ['first', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth'];
const EN_ORD_TEENS = ['tenth', 'eleventh', 'twelfth', 'thirteenth', 'fourteenth', 'fifteenth', 'sixteenth', 'seventeenth', 'eighteenth', 'nineteenth'];
const EN_ORD_TENS: Record<string, number> = { twentieth: 20, thirtieth: 30, fortieth: 40, fiftieth: 50 };
const FR_ORD_UNITS = ['unieme', 'deuxieme', 'troisieme', 'quatrieme', 'cinquieme', 'sixieme', 'septieme', 'huitieme', 'neuvieme'];
const FR_ORD_TEENS = ['dixieme', 'onzieme', 'douzieme', 'treizieme', 'quatorzieme', 'quinzieme', 'seizieme', 'dix-septieme', 'dix-huitieme', 'dix-neuvieme'];
const FR_ORD_TENS: Record<string, number> = { vingtieme: 20, trentieme: 30, quarantieme: 40, cinquantieme: 50 };

const ORDINALS = new Map<string, number>();
for (const [i, w] of EN_ORD_UNITS.entries()) ORDINALS.set(w, i + 1);
for (const [i, w] of EN_ORD_TEENS.entries()) ORDINALS.set(w, i + 10);
for (const [i, w] of FR_ORD_UNITS.entries()) ORDINALS.set(w, i + 1);
for (const [i, w] of FR_ORD_TEENS.entries()) ORDINALS.set(w, i + 10);
for (const [w, n] of [...Object.entries(EN_ORD_TENS), ...Object.entries(FR_ORD_TENS)]) ORDINALS.set(w, n);
for (const [w, n] of [
  ['premier', 1],
  ['premiere', 1],
  ['second', 2],
  ['seconde', 2],
] as const)
  ORDINALS.set(w, n);

const alt = (words: Iterable<string>) => [...words].sort((a, b) => b.length - a.length).join('|');
const TENS_WORDS = alt([...Object.keys(EN_TENS), ...Object.keys(FR_TENS)]);
const UNIT_WORDS = alt([...EN_UNITS, ...FR_UNITS, 'une']);
const ORD_UNIT_WORDS = alt([...EN_ORD_UNITS, ...FR_ORD_UNITS, 'premier', 'premiere']);
/** "twenty-one", "vingt et un", "six", "dix-sept". */
const CARDINAL = `(?:(?:${TENS_WORDS})(?:[- ](?:et[- ])?(?:${UNIT_WORDS}))?|${alt(CARDINALS.keys())})`;
/** "twenty-first", "vingt et unieme", "sixth", "6th", "6e", "6eme", "1er". */
const ORDINAL = String.raw`(?:\d{1,4}(?:st|nd|rd|th|eme|e|er|re|ere)|(?:${TENS_WORDS})[- ](?:et[- ])?(?:${ORD_UNIT_WORDS})|${alt(ORDINALS.keys())})`;
const ROMAN = '[IVXLC]{1,7}';
const NUM = String.raw`(?:\d{1,5}|${CARDINAL}|${ROMAN})`;
/** Words that name an episode-like unit (after folding: "épisode" is "episode"). */
const KEYWORD = String.raw`(?:episodes?|eps?\.?|chapters?|chapitres?|chap\.?|ch\.|issues?|tomes?)`;
/** Between the word and the number: "episode 6", "ep.36", "ep-36", "Episode: 6", "episode #6", "ep. no. 6", "épisode n° 6". */
const GAP = String.raw`[\s:#._–-]{0,3}(?:(?:no\.?|n°|nr\.?|number|numero)\s*#?)?`;
const LIST_SEP = String.raw`(?:\s*,\s*(?:(?:and|or|et|ou)\s+)?|\s*[&–—/-]\s*|\s+(?:and|or|to|through|thru|et|ou|a|au)\s+)`;
const NOT_BEFORE = String.raw`(?<![\p{L}\p{N}])`;
const NOT_AFTER = String.raw`(?![\p{L}\p{N}])`;

const MENTION = new RegExp(`${NOT_BEFORE}(${KEYWORD})${GAP}(${NUM})${NOT_AFTER}((?:${LIST_SEP}(?:${KEYWORD}${GAP})?${NUM}${NOT_AFTER})*)`, 'giu');
const LIST_ITEM = new RegExp(`${LIST_SEP}(?:${KEYWORD}${GAP})?(${NUM})${NOT_AFTER}`, 'iuy');
const ORDINAL_MENTION = new RegExp(String.raw`${NOT_BEFORE}(${ORDINAL})\s+${KEYWORD}${NOT_AFTER}`, 'giu');
/** "#36": an issue number. Not an HTML entity ("&#36;") nor a heading ("# 3"). */
const HASH = /(?<![\p{L}\p{N}&#])#(\d{1,4})(?![\p{L}\p{N}])/gu;
const LABEL = /\[\s*\d{1,6}\s*\/\s*\d{1,6}(?:\s*[,;]\s*\d{1,6}\s*\/\s*\d{1,6})*\s*\]/g;
/** A cheap necessary condition: most text has none of these. */
const MAY_REFER = /ep|ch|iss|tom|#|\[/i;

const ROMAN_VALUES: Record<string, number> = { I: 1, V: 5, X: 10, L: 50, C: 100 };
function romanValue(s: string): number | null {
  if (!/^[IVXLC]+$/.test(s)) return null;
  let total = 0;
  for (let i = 0; i < s.length; i++) {
    const v = ROMAN_VALUES[s[i]!]!;
    const next = ROMAN_VALUES[s[i + 1] ?? ''] ?? 0;
    total += v < next ? -v : v;
  }
  // Only canonical numerals ("IIII" and "VX" are not numbers).
  return toRoman(total) === s ? total : null;
}
function toRoman(n: number): string {
  let out = '';
  for (const [v, s] of [
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ] as const) {
    while (n >= v) {
      out += s;
      n -= v;
    }
  }
  return out;
}

/** The value of a number token after an episode word, or null when it is not one ("issue I have": the pronoun). */
function numberValue(token: string, keyword: string): number | null {
  if (/^\d+$/.test(token)) return Number.parseInt(token, 10);
  const w = token.toLowerCase();
  const direct = CARDINALS.get(w);
  if (direct !== undefined) return direct;
  const compound = /^([a-z]+)[- ](?:et[- ])?([a-z]+)$/.exec(w);
  if (compound && CARDINALS.has(compound[1]!) && CARDINALS.has(compound[2]!)) return CARDINALS.get(compound[1]!)! + CARDINALS.get(compound[2]!)!;
  // Roman numerals are written in capitals; a lone letter only after a capitalised word ("Episode I", "Tome V", not "the issue I raised").
  if (token !== token.toUpperCase()) return null;
  if (token.length === 1 && !/^[A-Z]/.test(keyword)) return null;
  return romanValue(token);
}

function ordinalValue(token: string): number | null {
  const w = token.toLowerCase();
  const digits = /^(\d+)/.exec(w);
  if (digits) return Number.parseInt(digits[1]!, 10);
  const direct = ORDINALS.get(w);
  if (direct !== undefined) return direct;
  const compound = /^([a-z]+)[- ](?:et[- ])?([a-z]+)$/.exec(w);
  if (compound && CARDINALS.has(compound[1]!) && ORDINALS.has(compound[2]!)) return CARDINALS.get(compound[1]!)! + ORDINALS.get(compound[2]!)!;
  return null;
}

/** Is offset `at` inside one of `spans` (in order, not overlapping)? */
function within(spans: readonly Reference[], at: number): boolean {
  let lo = 0;
  let hi = spans.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (spans[mid]!.start <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 && at < spans[lo - 1]!.end;
}

/**
 * Every place `text` refers to an episode (or a page, by citation label), in order.
 * `lang` is accepted for symmetry with other checks; both languages are always read
 * (a French pack quotes English titles and the other way round).
 */
export function findReferences(text: string, _lang?: string): Reference[] {
  const f = foldKeepCase(text);
  const t = f.text;
  if (!MAY_REFER.test(t)) return [];
  const out: Reference[] = [];
  const span = (s: number, e: number) => ({ start: originalStart(f, s), end: originalEnd(f, e, text.length) });
  for (const m of t.matchAll(MENTION)) {
    const keyword = m[1]!;
    const first = numberValue(m[2]!, keyword);
    if (first === null) continue;
    const episodes = [first];
    let end = m.index + m[0].length - (m[3]?.length ?? 0);
    if (m[3]) {
      // List items, while they read as numbers (a lower-case "i" is not a numeral).
      LIST_ITEM.lastIndex = end;
      for (let x = LIST_ITEM.exec(t); x !== null && LIST_ITEM.lastIndex <= m.index + m[0].length; x = LIST_ITEM.exec(t)) {
        const v = numberValue(x[1]!, keyword);
        if (v === null) break;
        episodes.push(v);
        end = LIST_ITEM.lastIndex;
      }
    }
    out.push({ kind: 'episode', episodes, pages: [], ...span(m.index, end) });
  }
  // Each pass finds its spans in order, without overlaps, so "inside one already found" is a binary search per
  // list, not a scan of every span per match (a text of thousands of references would be quadratic).
  const mentions = [...out];
  const ordinals: Reference[] = [];
  const covered = (i: number) => within(mentions, originalStart(f, i)) || within(ordinals, originalStart(f, i));
  for (const m of t.matchAll(ORDINAL_MENTION)) {
    if (covered(m.index)) continue;
    const v = ordinalValue(m[1]!);
    if (v === null) continue;
    const r: Reference = { kind: 'episode', episodes: [v], pages: [], ...span(m.index, m.index + m[0].length) };
    out.push(r);
    ordinals.push(r);
  }
  for (const m of t.matchAll(HASH)) {
    if (covered(m.index)) continue;
    out.push({ kind: 'episode', episodes: [Number.parseInt(m[1]!, 10)], pages: [], ...span(m.index, m.index + m[0].length) });
  }
  for (const m of t.matchAll(LABEL)) {
    const pages = [...m[0].matchAll(/(\d+)\s*\/\s*(\d+)/g)].map((l) => ({ episode: Number(l[1]), page: Number(l[2]) }));
    out.push({ kind: 'page', episodes: pages.map((p) => p.episode), pages, ...span(m.index, m.index + m[0].length) });
  }
  return out.sort((a, b) => a.start - b.start || b.end - a.end);
}

/** Could more text extend or complete a reference at the end of `text` ("in episode", "the sixth", "episodes 3 and", "[2")? */
const OPEN_TAIL = new RegExp(String.raw`(?:${NOT_BEFORE}(?:${KEYWORD}|${ORDINAL}|no|nr|n°|and|or|et|ou|to|through|thru|a|au)[\s:#._–,&/-]*|\[[\d\s/,;]*|#)$`, 'iu');
export function referenceOpen(text: string): boolean {
  const tail = foldKeepCase(text.slice(-80)).text;
  return OPEN_TAIL.test(tail);
}
