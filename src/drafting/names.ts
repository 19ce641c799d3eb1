/**
 * Names in comic lettering, offline: which capitalised words and phrases of a
 * series are names of its characters, places, groups and things, how they are
 * written, and what kind each one is, from the text alone.
 *
 * Evidence, per word (folded and stemmed like the spoiler checks' terms), in
 * mixed-case lettering:
 * - a word the language's word list counts as rare ("Hereva", "Shichimi",
 *   "Cumin") is a name once written capitalised mid-sentence in a sentence with
 *   other words, or capitalised on two lines one of which is such a sentence,
 *   or after a title ("Miss Saffron"); written on one line only, it must also
 *   sit where names go ("of Hereva", "the Undercroft:", a vocative, a subject,
 *   a possessive, "DragonCow"), not before a noun ("Lagrange points"); a word
 *   only ever seen in capitals needs such sentences on two pages;
 * - an ordinary word ("Pepper", "Carrot") needs two lines where it is
 *   capitalised mid-sentence;
 * - either way, at most a quarter of its uses in lower case;
 * - a capitalised phrase ("Squirrel's End", "Mayor of Komona") needs two
 *   lines, one of them speech, and never to be written in lower case
 *   ("the Potion Contest" / "the potion contest" is not a name);
 * - the speaker label of two lines ("ADA: …", "MOTHER SOOT: …") is a name.
 * Never evidence: labels (lines where nearly every word is capitalised: signs,
 * posters, titles, and footnotes and title pages), words inside a longer
 * capitalised run (they belong to the phrase), words after a number (units,
 * months), words alone in their sentence ("Yipee!", "Glup"); never names:
 * onomatopoeia by shape ("Shhh", "Crrr"), interjections (unless used as a name
 * mid-sentence twice: "the witches of Ah"), titles, forms of address, days
 * and months.
 *
 * In a comic lettered in capitals, capitalisation says nothing: a word the
 * list barely knows needs sentences on two pages (or one, as a subject, a
 * vocative, after a title, or in a name's slot such as "OF HEREVA" when the
 * list does not know it at all); an ordinary word must be far more frequent
 * than in ordinary language, seldom after an article, and called or acting
 * twice ("THANKS, CARROT", "CAYENNE IS RIGHT"). Phrases there: a title of a
 * name ("MAYOR OF KOMONA") and a place named by a possessive ("FROM
 * SQUIRREL'S END"), on two lines.
 *
 * The kind comes from the words around the mentions up to the debut page only
 * (it is shown from the debut): "in X", "the city of X" → place; "the witches
 * of X", "a X witch", "the Xs" → group; a head word ("Dragon's Tooth") →
 * thing; a vocative, a subject, a title, "I am X" → character (the default).
 */
import { CONNECTORS, DETERMINERS, type Lexicon, phrases, STOPWORDS, type Token, termCount } from './lexical.js';
import { afterNumber, capital, capsLettered, functionWord, hasLetter, type Line, lowerCase, sentenceContext, soundShaped } from './text.js';
import { ADDRESS, CALENDAR, GROUP_AFTER, GROUP_OF, HONORIFICS, INTERJECTIONS, PLACE_BEFORE, PLACE_HEADS, PLACE_OF, SUBJECT_AFTER, THING_HEADS } from './words.js';

/** Share of capitalised uses a name may have in lower case ("the potion" vs "the Potion Contest"). */
const LOWER_SHARE = 0.25;

export type DraftKind = 'character' | 'place' | 'group' | 'thing';

export interface NameCandidate {
  /** Folded stems: one for a word, several for a phrase. */
  stems: string[];
  /** Display form (the most frequent mixed-case spelling). */
  name: string;
  /** Other written forms ("Miss Saffron", "the Sage"). */
  aliases: string[];
  kind: DraftKind;
  /** Only capitalised uses count as mentions (an ordinary word: "pepper" in a recipe is not Pepper). */
  capitalOnly: boolean;
  /** Shorter names of the same entity, also mentions ("Peter" for "Peter Parker"). */
  variants?: Array<{ stems: string[]; capitalOnly: boolean }>;
}

interface WordStats {
  forms: Map<string, number>;
  capLines: Set<string>;
  capPages: Set<number>;
  mixed: number;
  capTotal: number;
  lower: number;
  upper: number;
  afterNumber: number;
  /** Capitalised, not sentence-initial, not in a run, not a label, in a sentence with other words: distinct lines. */
  strongMid: Set<string>;
  /** Capitalised, sentence-initial, in a sentence with other words: distinct lines. */
  strongInitial: Set<string>;
  /** In a sentence with other words (any case): distinct lines and pages. */
  ctxLines: Set<string>;
  ctxPages: Set<number>;
  vocative: Set<string>;
  theBefore: number;
  /** Lines where the word is a speaker label ("BOB: Hello"). */
  speaker: Set<string>;
  /** Lines where the word fills a name's slot in a sentence ("of Hereva", "FROM KOMONA"). */
  slot: Set<string>;
  /** Lines where the word is possessive or camel-cased ("Coriander's", "DragonCow"). */
  nameShaped: Set<string>;
  /** Uses after an article, demonstrative or possessive ("the potion", "my carrot"): common nouns. */
  detBefore: number;
  /** Uses as a sentence's subject ("CAYENNE IS RIGHT"). */
  subject: number;
  /** All uses, any case. */
  total: number;
  honorificForms: Map<string, number>;
}

interface PhraseStats {
  stems: string[];
  forms: Map<string, number>;
  lines: Set<string>;
  strong: number;
}

const newWord = (): WordStats => ({
  forms: new Map(),
  capLines: new Set(),
  capPages: new Set(),
  mixed: 0,
  capTotal: 0,
  lower: 0,
  upper: 0,
  afterNumber: 0,
  strongMid: new Set(),
  strongInitial: new Set(),
  ctxLines: new Set(),
  ctxPages: new Set(),
  vocative: new Set(),
  theBefore: 0,
  speaker: new Set(),
  slot: new Set(),
  nameShaped: new Set(),
  detBefore: 0,
  subject: 0,
  total: 0,
  honorificForms: new Map(),
});

const bump = (m: Map<string, number>, k: string, n = 1) => m.set(k, (m.get(k) ?? 0) + n);
/** The written form without a possessive tail: "Saffron's" → "Saffron". */
const bare = (raw: string) => raw.replace(/['’][sS]?$/, '');
const best = (m: Map<string, number>): string => [...m.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
/** "KOMONA" → "Komona" (a name only ever seen in capitals). */
const titleCase = (s: string) =>
  s.replace(/(^|[^\p{L}'’])(\p{L})([\p{L}'’]*)/gu, (_, pre: string, a: string, rest: string) => pre + a.toUpperCase() + rest.toLowerCase());
/** Articles, demonstratives and possessives: a word after one is a common noun ("the potion"), seldom a name. */
const NOUN_DETERMINERS = new Set(
  'a an the this that these those my your his her its our their some any no every each le la les un une des ce cette ces mon ma mes ton ta tes son sa ses'.split(' '),
);
/** In an all-caps comic, a word the list counts at most this often is unknown enough to be a name on repetition alone. */
const CAPS_RARE_COUNT = 20;
/** Line prefixes with a colon that are not speakers. */
const NOT_SPEAKERS = new Set(
  'note notes warning caution attention narrator narration caption sfx fx sign title episode chapter page part vol volume ps entrance author translator credits art story script text letters colors info total score result question answer tv radio all everyone both crowd voice voices someone others'.split(
    ' ',
  ),
);
/** Words before a name without an article: "the witches OF AH", "FROM KOMONA", "WITH SAFFRON". */
const NAME_SLOT_BEFORE = new Set('of from in to at with by for de du à a chez avec pour'.split(' '));
/** …and an ordinary word must be this many times more frequent in the comic than in ordinary language (SUBTLEX: 51 M words). */
const CAPS_OVERREPRESENTED = 200;
const SUBTLEX_WORDS = 51_000_000;

/** Vocative: ", Carrot!" at the end of a sentence, or "Carrot, get out the map" at its start. */
function vocative(line: Line, i: number): boolean {
  const t = line.tokens[i]!;
  const after = line.text.slice(t.end).trimStart();
  const next = line.tokens[i + 1];
  const prev = line.tokens[i - 1];
  const before = prev ? line.text.slice(prev.end, t.start) : '';
  const ends = after === '' || /^[!?.…]/.test(after) || (next?.initial ?? false);
  if (prev && before.includes(',') && ends) return true;
  if ((t.initial || !prev) && /^,/.test(after) && next) return true;
  return false;
}

/** `wordCounts`: the lexicon's counts are SUBTLEX frequencies (English), not ranks. */
export function findNames(lines: readonly Line[], lex: Lexicon | null, wordCounts = false): NameCandidate[] {
  const capsMode = capsLettered(lines);
  const words = new Map<string, WordStats>();
  let tokenTotal = 0;
  const phraseStats = new Map<string, PhraseStats>();
  const speakerPhrases = new Map<string, { stems: string[]; forms: Map<string, number>; lines: Set<string> }>();
  const lowerSeqs: string[] = [];
  const lowerByStem = new Map<string, number[]>();
  const addLower = (stems: string[]) => {
    const k = lowerSeqs.push(` ${stems.join(' ')} `) - 1;
    for (const st of new Set(stems)) {
      const list = lowerByStem.get(st) ?? [];
      list.push(k);
      lowerByStem.set(st, list);
    }
  };

  for (const line of lines) {
    const lk = line.key;
    // Capitalised runs: their words are evidence for the run, not alone. "Miss Saffron" is Saffron.
    const inRun = new Set<number>();
    if (!capsMode) {
      const runs = phrases(line.tokens, lex);
      for (const r of runs) {
        const idx = line.tokens.map((t, k) => (t.start >= r.start && t.end <= r.end ? k : -1)).filter((k) => k >= 0);
        const first = line.tokens[idx[0]!]!;
        if (idx.length === 2 && HONORIFICS.has(first.stem)) {
          const name = line.tokens[idx[1]!]!;
          const w = words.get(name.stem) ?? newWord();
          bump(w.honorificForms, line.text.slice(r.start, r.end).replace(/['’][sS]?$/, ''));
          words.set(name.stem, w);
          inRun.add(idx[0]!);
          continue;
        }
        for (const k of idx) inRun.add(k);
        const stems = idx.map((k) => line.tokens[k]!.stem);
        const key = stems.join(' ');
        const p = phraseStats.get(key) ?? { stems, forms: new Map(), lines: new Set(), strong: 0 };
        const form = line.text.slice(r.start, r.end).replace(/['’][sS]?$/, '');
        bump(p.forms, form);
        if (!p.lines.has(lk)) {
          p.lines.add(lk);
          const k0 = idx[0]!;
          const k1 = idx[idx.length - 1]!;
          const others = line.tokens.filter((t, k) => (k < k0 || k > k1) && line.sentence[k] === line.sentence[k0] && hasLetter(t.raw)).length;
          if (!line.label && others >= 1) p.strong++;
        }
        phraseStats.set(key, p);
      }
    }
    if (line.tokens.every(lowerCase)) addLower(line.tokens.map((t) => t.stem));
    else {
      // Lower-case stretches of a mixed line ("I declare the potion contest... Open!").
      let run: string[] = [];
      for (const t of [...line.tokens, null]) {
        if (t && lowerCase(t)) run.push(t.stem);
        else {
          if (run.length >= 2) addLower(run);
          run = [];
        }
      }
    }

    // A speaker label of two or three words: "MOTHER SOOT: Light!"
    for (let k = 2; k <= 3 && k < line.tokens.length; k++) {
      const head = line.tokens.slice(0, k);
      if (!head.every((x) => (x.cap || x.upper) && hasLetter(x.raw)) || head.slice(1).some((x) => !x.tight)) break;
      if (!/^\s*:\s*\S/.test(line.text.slice(head[k - 1]!.end))) continue;
      if (NOT_SPEAKERS.has(head[0]!.stem)) break;
      const stems = head.map((x) => x.stem);
      const key = stems.join(' ');
      const sp = speakerPhrases.get(key) ?? { stems, forms: new Map(), lines: new Set() };
      const form = line.text.slice(head[0]!.start, head[k - 1]!.end);
      bump(sp.forms, head.some((x) => x.cap) ? form : titleCase(form));
      sp.lines.add(lk);
      speakerPhrases.set(key, sp);
      break;
    }

    line.tokens.forEach((t, i) => {
      tokenTotal++;
      if (functionWord(t) || !hasLetter(t.raw)) return;
      const w = words.get(t.stem) ?? newWord();
      words.set(t.stem, w);
      w.total++;
      const before = line.tokens[i - 1];
      if (before && NOUN_DETERMINERS.has(before.stem) && !/[.!?…;:,]/.test(line.text.slice(before.end, t.start))) w.detBefore++;
      const after = line.tokens[i + 1];
      if (after && SUBJECT_AFTER.has(after.stem) && !/[.!?…;:,]/.test(line.text.slice(t.end, after.start))) w.subject++;
      const ctx = !line.label && sentenceContext(line, i) >= 2;
      if (ctx) {
        w.ctxLines.add(lk);
        w.ctxPages.add(line.ordinal);
      }
      if (lowerCase(t)) {
        w.lower++;
        return;
      }
      if (t.upper) w.upper++;
      const cap = capital(t, capsMode);
      if (!cap && !t.upper) return;
      w.capTotal++;
      // A spelling seen in mixed case beats the title-cased capitals ("DragonCow" over "DRAGONCOW").
      if (t.cap) {
        w.mixed++;
        bump(w.forms, bare(t.raw), 2);
      } else bump(w.forms, titleCase(bare(t.raw)));
      // A speaker label: "BOB: Hello there."
      if (i === 0 && /^\s*:\s*\S/.test(line.text.slice(t.end)) && line.tokens.slice(1).some((x) => hasLetter(x.raw)) && !NOT_SPEAKERS.has(t.stem)) w.speaker.add(lk);
      w.capLines.add(lk);
      w.capPages.add(line.ordinal);
      if (afterNumber(line, i)) w.afterNumber++;
      const prev = line.tokens[i - 1];
      if (prev && DETERMINERS.has(prev.stem) && prev.stem === 'the') w.theBefore++;
      if (vocative(line, i)) w.vocative.add(lk);
      // "MISS SAFFRON": in capitals there are no runs, the title is read here.
      if (capsMode && prev && HONORIFICS.has(prev.stem) && t.tight) bump(w.honorificForms, titleCase(`${prev.raw} ${bare(t.raw)}`));
      // A cut-off word ("EVERYTH...") is not a name.
      if (prev && ctx && NAME_SLOT_BEFORE.has(prev.stem) && !/[.!?…;:,]/.test(line.text.slice(prev.end, t.start)) && !/^(?:\.\.|…|-)/.test(line.text.slice(t.end)))
        w.slot.add(lk);
      // "lies the Undercroft:", "the Sage." (not "the Lagrange points": a name before a noun is a modifier).
      if (
        prev?.stem === 'the' &&
        cap &&
        !t.initial &&
        !/[.!?…;:,]/.test(line.text.slice(prev.end, t.start)) &&
        !(line.tokens[i + 1] && lowerCase(line.tokens[i + 1]!) && line.tokens[i + 1]!.tight)
      )
        w.slot.add(lk);
      // Name-like on its own: "Coriander's demonstration", "DragonCow".
      if (/['’][sS]?$/.test(t.raw) || /^\p{Lu}\p{Ll}+\p{Lu}\p{Ll}+$/u.test(t.raw)) w.nameShaped.add(lk);
      if (!cap || inRun.has(i) || line.label || !ctx || afterNumber(line, i)) return;
      if (t.initial) w.strongInitial.add(lk);
      else w.strongMid.add(lk);
    });
  }

  const ordinary = (stem: string): boolean => {
    if (INTERJECTIONS.has(stem)) return true;
    if (!lex) return false;
    const n = termCount(lex, stem);
    return n > 0 && !lex.rare(n, false);
  };
  const lowerSeen = (stems: string[]) => {
    const needle = ` ${stems.join(' ')} `;
    return (lowerByStem.get(stems[0]!) ?? []).some((k) => lowerSeqs[k]!.includes(needle));
  };

  const out: NameCandidate[] = [];
  const accepted = new Set<string>();
  for (const [stem, w] of words) {
    if (stem.length < 2 || STOPWORDS.has(stem) || /\p{N}/u.test(stem) || CALENDAR.has(stem) || ADDRESS.has(stem) || HONORIFICS.has(stem)) continue;
    if (w.capTotal === 0 || w.forms.size === 0) continue;
    if ([...w.forms.keys()].some(soundShaped)) continue;
    if (w.afterNumber * 2 >= w.capTotal) continue;
    const common = ordinary(stem);
    let ok: boolean;
    if (capsMode) {
      // Capitals say nothing: an unknown word repeated in sentences on two pages; an ordinary word far more
      // frequent than in ordinary language, seldom after an article, called or acting ("THANKS, CARROT").
      const repeated = w.ctxLines.size >= 2 && w.ctxPages.size >= 2;
      const count = lex ? termCount(lex, stem) : 0;
      // Once is enough for a rare word called or acting ("CUMIN WILL…"), or one no list knows in a name's slot, called or acting ("OF HEREVA", "CUMIN WILL…").
      if (!INTERJECTIONS.has(stem) && (!lex || count <= CAPS_RARE_COUNT))
        ok = repeated || (stem.length >= 4 && w.ctxLines.size >= 1 && (count === 0 ? w.slot.size : 0) + w.subject + w.vocative.size + w.honorificForms.size >= 1);
      else {
        // Only English counts are frequencies (SUBTLEX); the other lists are ranks.
        const ratio = wordCounts ? ((w.total / Math.max(1, tokenTotal)) * SUBTLEX_WORDS) / (count + 1) : Number.POSITIVE_INFINITY;
        ok =
          !INTERJECTIONS.has(stem) &&
          w.ctxLines.size >= 3 &&
          w.ctxPages.size >= 3 &&
          w.detBefore * 4 <= w.total &&
          w.vocative.size + w.subject + w.honorificForms.size >= 2 &&
          ratio >= CAPS_OVERREPRESENTED;
      }
    } else {
      if (w.lower > w.capTotal * LOWER_SHARE) continue;
      if (common) ok = w.mixed > 0 && w.strongMid.size >= 2;
      else if (w.mixed > 0) {
        ok = w.strongMid.size >= 1 || (w.capLines.size >= 2 && w.strongInitial.size >= 1) || w.honorificForms.size > 0;
        // Written on one line only: it must also sit where names do ("of Hereva", "Stand back, Truffle!"), not
        // be any rare capitalised word ("Lagrange points", "Deus ex machina").
        const where = w.slot.size + w.vocative.size + w.subject + w.honorificForms.size + w.nameShaped.size + w.speaker.size;
        if (w.capLines.size < 2 && where === 0) ok = false;
      }
      // Seen only in capitals: repeated speech on two pages ("a witch of HIPPIAH" twice), never a one-off shout or spell.
      else ok = w.ctxLines.size >= 2 && w.ctxPages.size >= 2 && w.upper >= 2;
    }
    // Named as the speaker of two lines: a character, whatever the word.
    if (w.speaker.size >= 2 && !INTERJECTIONS.has(stem)) ok = true;
    if (!ok) continue;
    accepted.add(stem);
    const name = best(w.forms);
    const aliases = new Set<string>();
    for (const f of w.honorificForms.keys()) aliases.add(f);
    // "the Sage": written with the article most of the time.
    if (w.theBefore * 2 >= w.capTotal) aliases.add(`the ${name}`);
    out.push({ stems: [stem], name, aliases: [...aliases].filter((a) => a.toLowerCase() !== name.toLowerCase()).sort(), kind: 'character', capitalOnly: common });
  }

  for (const p of phraseStats.values()) {
    const content = p.stems.filter((s) => !CONNECTORS.has(s) && !STOPWORDS.has(s));
    if (content.length < 2 || p.lines.size < 2 || p.strong < 1) continue;
    if (p.stems.some((s) => INTERJECTIONS.has(s) || CALENDAR.has(s) || /\p{N}/u.test(s))) continue;
    if ([...p.forms.keys()].some((f) => f.split(/[\s-]+/).some(soundShaped))) continue;
    if (lowerSeen(p.stems)) continue;
    // Every word already a name on its own: names side by side, not a new one.
    if (content.every((s) => accepted.has(s))) continue;
    const name = best(p.forms);
    out.push({ stems: p.stems, name, aliases: [], kind: 'character', capitalOnly: p.stems.some((s) => ordinary(s)) });
  }

  for (const sp of speakerPhrases.values()) {
    if (sp.lines.size < 2 || out.some((c) => c.stems.join(' ') === sp.stems.join(' '))) continue;
    out.push({ stems: sp.stems, name: best(sp.forms), aliases: [], kind: 'character', capitalOnly: false });
  }
  if (capsMode) out.push(...capsPhrases(lines, accepted));
  const index = linesByStem(lines);
  for (const c of out) c.kind = kindOf(c, index.get(c.stems[0]!) ?? [], capsMode);
  return mergeFullNames(out);
}

/**
 * A character's full name and its first or last word drafted apart ("Peter Parker" and "Peter") are one entity:
 * the word becomes an alias and a variant of the full name, unless it could belong to two full names.
 */
function mergeFullNames(cands: NameCandidate[]): NameCandidate[] {
  const singles = new Map(cands.filter((c) => c.stems.length === 1 && c.kind === 'character').map((c) => [c.stems[0]!, c]));
  const claims = new Map<string, NameCandidate[]>();
  for (const p of cands) {
    const n = p.stems.length;
    if (n < 2 || n > 3 || p.kind !== 'character' || /['’]/.test(p.name)) continue;
    const last = p.stems[n - 1]!;
    if (p.stems.some((x) => CONNECTORS.has(x)) || HONORIFICS.has(p.stems[0]!) || PLACE_HEADS.has(last) || THING_HEADS.has(last)) continue;
    for (const st of new Set([p.stems[0]!, last])) if (singles.has(st)) claims.set(st, [...(claims.get(st) ?? []), p]);
  }
  const merged = new Set<NameCandidate>();
  for (const [st, ps] of claims) {
    if (ps.length !== 1) continue;
    const single = singles.get(st)!;
    const p = ps[0]!;
    p.aliases = [...new Set([...p.aliases, single.name, ...single.aliases])].filter((a) => a.toLowerCase() !== p.name.toLowerCase()).sort();
    p.variants = [...(p.variants ?? []), { stems: single.stems, capitalOnly: single.capitalOnly }];
    merged.add(single);
  }
  return cands.filter((c) => !merged.has(c));
}

/**
 * Phrases of a comic lettered in capitals, where every line is a capitalised run: only two shapes, on two lines
 * or more: a title of a name ("MAYOR OF KOMONA") and a place named by a possessive ("FROM SQUIRREL'S END").
 */
function capsPhrases(lines: readonly Line[], accepted: ReadonlySet<string>): NameCandidate[] {
  const found = new Map<string, { stems: string[]; forms: Map<string, number>; lines: Set<string> }>();
  const add = (line: Line, from: number, to: number) => {
    const toks = line.tokens.slice(from, to + 1);
    const stems = toks.map((t) => t.stem);
    const key = stems.join(' ');
    const f = found.get(key) ?? { stems, forms: new Map(), lines: new Set() };
    bump(
      f.forms,
      titleCase(line.text.slice(toks[0]!.start, toks[toks.length - 1]!.end)).replace(/\b(Of|The)\b/g, (m) => m.toLowerCase()),
    );
    f.lines.add(line.key);
    found.set(key, f);
  };
  for (const line of lines) {
    const t = line.tokens;
    const tight = (k: number) => t[k] && t[k]!.tight && !t[k]!.initial;
    for (let i = 0; i < t.length; i++) {
      if (HONORIFICS.has(t[i]!.stem) && t[i + 1]?.stem === 'of' && tight(i + 1) && tight(i + 2) && accepted.has(t[i + 2]!.stem)) add(line, i, i + 2);
      const prev = t[i - 1];
      if (prev && PLACE_BEFORE_OR_OF.has(prev.stem) && /['’]S$/i.test(t[i]!.raw) && tight(i + 1) && PLACE_HEADS.has(t[i + 1]!.stem)) add(line, i, i + 1);
    }
  }
  return [...found.values()]
    .filter((f) => f.lines.size >= 2)
    .map((f) => ({ stems: f.stems, name: best(f.forms), aliases: [], kind: 'character' as DraftKind, capitalOnly: false }));
}
const PLACE_BEFORE_OR_OF = new Set([...PLACE_BEFORE, 'of']);
const WEAK_PLACE_BEFORE = new Set(['at', 'to', 'towards', 'toward', 'around', 'a', 'chez']);

/** The lines holding each stem, in reading order (a candidate's mentions are looked for there only). */
export function linesByStem(lines: readonly Line[]): Map<string, Line[]> {
  const out = new Map<string, Line[]>();
  for (const l of lines) {
    for (const st of new Set(l.tokens.map((t) => t.stem))) {
      const list = out.get(st) ?? [];
      list.push(l);
      out.set(st, list);
    }
  }
  return out;
}

/** Where in `line` does the candidate occur (token index of its first word), given its stems. */
export function occurrences(c: Pick<NameCandidate, 'stems' | 'capitalOnly'>, line: Line, capsMode: boolean): number[] {
  const out: number[] = [];
  const n = c.stems.length;
  for (let i = 0; i + n <= line.tokens.length; i++) {
    let ok = true;
    for (let k = 0; k < n && ok; k++) {
      const t = line.tokens[i + k]!;
      ok = t.stem === c.stems[k] && (!c.capitalOnly || CONNECTORS.has(t.stem) || capital(t, capsMode) || t.upper);
      if (ok && k > 0) ok = t.tight || n === 1;
    }
    if (ok) out.push(i);
  }
  return out;
}

function kindOf(c: NameCandidate, lines: readonly Line[], capsMode: boolean): DraftKind {
  const score: Record<DraftKind, number> = { character: 0.5, place: 0, group: 0, thing: 0 };
  const head = c.stems[c.stems.length - 1]!;
  const first = c.stems[0]!;
  if (c.stems.length > 1) {
    if (PLACE_HEADS.has(head)) score.place += 3;
    if (THING_HEADS.has(head)) score.thing += 3;
    if (HONORIFICS.has(first)) score.character += 3;
  }
  // Shown from the debut: only what the reader has read by then (the debut page and before) decides.
  let debut = Number.POSITIVE_INFINITY;
  for (const line of lines) {
    if (line.ordinal > debut) break;
    const found = occurrences(c, line, capsMode);
    if (found.length > 0) debut = Math.min(debut, line.ordinal);
    for (const i of found) {
      const t: Token = line.tokens[i]!;
      const end = line.tokens[i + c.stems.length - 1]!;
      const p1 = line.tokens[i - 1];
      const p2 = line.tokens[i - 2];
      const n1 = line.tokens[i + c.stems.length];
      const gapBefore = p1 ? line.text.slice(p1.end, t.start) : '';
      const gapAfter = n1 ? line.text.slice(end.end, n1.start) : '';
      const joinedBefore = p1 && !/[.!?…;:,]/.test(gapBefore);
      const joinedAfter = n1 && /^\s+$/.test(gapAfter);
      const possessive = /['’]s?$/i.test(end.raw) && end.raw.length > end.stem.length;
      if (joinedBefore && p1) {
        // "in X" is a place more surely than "at X" or "to X" ("looked at Ilsabet", "talk to Bob").
        if (PLACE_BEFORE.has(p1.stem)) score.place += WEAK_PLACE_BEFORE.has(p1.stem) ? 0.5 : 1;
        // "I am Ilsabet", "I'm Tobin".
        if (p1.stem === 'am' || /^i['’]m$/i.test(p1.raw)) score.character += 2;
        if (p1.stem === 'of' && p2) {
          if (PLACE_OF.has(p2.stem)) score.place += 1.5;
          else if (GROUP_OF.has(p2.stem)) score.group += 1.5;
          else if (p2.stem === 'out' || p2.stem === 'all') score.place += 1;
        }
        if (HONORIFICS.has(p1.stem)) score.character += 1;
      }
      // "Wickmere, where the canals run…": a place.
      if (n1 && n1.stem === 'where' && /^\s*,?\s*$/.test(gapAfter)) score.place += 2;
      // "the Dimmers": a plural name is a group.
      if (c.stems.length === 1 && p1?.stem === 'the' && joinedBefore && /[^'’s]s$/i.test(end.raw) && end.raw.length > end.stem.length) score.group += 1.5;
      if (joinedAfter && n1 && !possessive) {
        if (GROUP_AFTER.has(n1.stem) && lowerCase(n1)) score.group += 1.5;
        if (PLACE_HEADS.has(n1.stem) && (n1.cap || n1.upper) && c.stems.length === 1) score.place += 1;
        if (SUBJECT_AFTER.has(n1.stem) || (lowerCase(n1) && /[^s]s$/.test(n1.raw) && !STOPWORDS.has(n1.stem) && t.initial)) score.character += 1;
      }
      if (possessive) score.character += 0.5;
      if (vocative(line, i)) score.character += 1;
      if (i === 0 && c.stems.length === 1 && /^\s*:\s*\S/.test(line.text.slice(t.end))) score.character += 2;
    }
  }
  const order: DraftKind[] = ['character', 'place', 'group', 'thing'];
  return order.reduce((a, b) => (score[b] > score[a] ? b : a));
}
