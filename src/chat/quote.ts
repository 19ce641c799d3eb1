/**
 * Quote mode: with no language model, the companion answers with the lines of what the reader has read that
 * best answer the question, quoted word for word with their pages and clearly labelled as quotes. It only quotes
 * the passages it is given (already under the boundary and checked by the guard); nothing is added from elsewhere.
 *
 * Composition (pure, no model): every passage is cut into lines (a dialogue chunk has one text object per line;
 * prose is cut into sentences). How the answer is built depends on what the question is about (retrieval/route.ts;
 * a follow-up takes the route of the question before it):
 *  - A recap ("what happened so far?", "what did I miss last episode?"): an extractive recap. From the story pages
 *    retrieval gave for it, the lines that carry each episode (their words recur on its other pages and are rare
 *    elsewhere), the best line of each page first so the beginning and the end are both told, the episode's title
 *    first where its title strip is among the passages; a few lines per episode, latest episode first.
 *  - Any other question: each line is scored by the question's words it contains, a word weighing more the fewer
 *    candidate lines have it (IDF over this turn's lines), so a name most lines share counts less than the rarer
 *    word that carries the question; a name one letter off still counts (readers type names as they heard them),
 *    and so does a word clipped short ("lab" for "laboratory").
 *    Where the passage sits counts too: the page in view for a question about it, the route's episodes for one
 *    about the episode or earlier ones, page text over wiki lore unless the question asks what something is (then
 *    the sentence defining it, "X is …", leads), and a little retrieval's own order (its vector search is the only
 *    sense of meaning quote mode has). About the episode so far, a line elsewhere counts half, unless it has a
 *    question word no line of the episode has and retrieval ranked it among the first (evidence over route: "what
 *    did the fairies offer?" asked episodes later). Earlier questions of the conversation count at a lower weight.
 *    In dialogue a line beside matched ones shares a little of their score (the answer is often the reply).
 *    The answer leads with the best line and the three lines after it in dialogue (a reply, or what a line announces:
 *    "First up, Coriander's demonstration" → "ZOMBIFICATION!"), skipping sound effects repeated or drawn out (a
 *    sentence lettered again panel after panel is a sign, not a sound) and footnotes, and going on to the next page
 *    where the best line ends its page (the reply is overleaf) or, when nothing follows, taking the lines that lead
 *    to it; then the next best lines; then, for a question about the page, the page in view (about the episode so
 *    far, a few of its lines and then the episode's page retrieval ranked first), else the lines around the matched
 *    ones; then the most telling lines of the first story pages retrieval ranked (about a thing, the opening
 *    sentences of its lore too) fill what is left (its vector search is the only sense of meaning here, and the answer is
 *    often a line with none of the question's words). At most MAX_LINES, grouped and cited by page ("— from
 *    Episode 3, page 2": a quote ending in a number word must not read as an episode number).
 * When no line has a question word it says so plainly, and quotes the page in view (or, for a question about
 * earlier episodes, the page retrieval ranked closest, saying that is what it is).
 *
 * Speakers: a line is quoted as the text has it; where a pack writes the speaker ("Pepper: …") every sentence cut
 * from that line keeps the name, and nothing is guessed where it does not (Pepper&Carrot has no speaker labels).
 *
 * Every quoted line goes through `redact` (the same unreached-name check as model output); spoiler decisions
 * are not made here.
 */

import type { Passage } from '../retrieval/retriever.js';
import { type Route, routeQuestion } from '../retrieval/route.js';
import type { Position } from '../spoilers/index.js';
import { pageLabel } from './prompt.js';

export const QUOTE_HEADER = "Quote mode (no language model is connected): the lines that best match your question, from what you've read.";

/** Words that carry no meaning of their own in a question (English, and French: readers ask in both). */
const STOP = new Set(
  (
    "a an the is are was were be been being am do does did doing done of in on at to for from by with about and or but not no so as it its it's this that these those what who whom whose which when where why how whats who's i you he she they we me my your his her their our us them there here can could would should will shall may might must have has had having tell say said says know please just any some all more most very really also then than into over out up down happen happens happened happening going go goes get gets got thing things page episode story comic now again ok okay yes one ones like still even only didn isn doesn wasn weren don aren won hasn haven hadn couldn wouldn shouldn" +
    ' le la les un une des du de d l au aux et ou mais ne pas que qu qui quoi quel quelle quels quelles pourquoi comment quand où est sont était étaient été être a ont avait fait faire font il elle ils elles on je tu nous vous lui leur leurs se sa son ses ce cet cette ces c ça ca y en dans sur pour par avec sans ici là t moi toi s m n j alors donc aussi très bien plus page épisode histoire passe passé arrive arrivé'
  ).split(' '),
);

const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
const STOP_FOLDED = new Set([...STOP].map(fold));

function words(text: string): string[] {
  return fold(text.normalize('NFKC')).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Content words of a question, lightly stemmed ("potions" → "potion", "flying" → "fly"). */
export function questionStems(question: string): string[] {
  return [
    ...new Set(
      words(question)
        .filter((w) => w.length >= 2 && !STOP_FOLDED.has(w))
        .map(stem),
    ),
  ];
}

export function stem(word: string): string {
  const w = word.toLowerCase();
  if (w.length >= 6 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('es') && /(s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** A three-letter question word matches the start of a line's word this long or longer ("lab" → "laboratory"). */
const CLIPPED_FROM = 7;

/** Does a line's word match a question word: the same stem, or one a longer form of the other ("magic" / "magical"). */
function matches(q: string, stems: Set<string>): number {
  if (stems.has(q)) return 1;
  // A short word a reader clips from a long one ("lab" for "laboratory") still counts, a little less.
  if (q.length === 3) {
    for (const s of stems) if (s.length >= CLIPPED_FROM && s.startsWith(q)) return 0.5;
    return 0;
  }
  if (q.length < 4) return 0;
  for (const s of stems) if (s.length >= 4 && (s.startsWith(q) || q.startsWith(s))) return 0.7;
  // A reader types a name as they heard it ("Truffle" for "Truffel"): one letter off in a long word still counts.
  if (q.length >= 6) for (const s of stems) if (oneEditApart(q, s)) return 0.6;
  return 0;
}

/** One insertion, deletion, substitution or swap of neighbours apart (and both long enough to tell). */
function oneEditApart(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1 || b.length < 6 || a === b) return false;
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const rest = (x: number, y: number) => a.slice(i + x) === b.slice(i + y);
  if (a.length === b.length) return rest(1, 1) || (a[i] === b[i + 1] && a[i + 1] === b[i] && rest(2, 2));
  return a.length > b.length ? rest(1, 0) : rest(0, 1);
}

/** "Pepper: I'm done." — a speaker the pack writes before a line: a name of one to three words. */
const SPEAKER = /^(\p{Lu}[\p{L}\p{N}'’.-]*(?: [\p{L}\p{N}'’.-]+){0,2})\s*:\s+(?=\S)/u;

/**
 * A passage's lines: dialogue is one text object per line; prose is cut into sentences. A line that names its
 * speaker keeps the name on every sentence cut from it, so a quoted sentence still says who speaks.
 */
export function linesOf(text: string, prose: boolean, speakers = true): string[] {
  return text
    .split('\n')
    .flatMap((l) => {
      if (!prose && l.length <= 160) return [l];
      const sentences = (l.match(/[^.!?…]+(?:[.!?…]+["'”’)]*\s*|$)/g) ?? [l]).map((x) => x.trim()).filter((x) => x.length > 0);
      const who = speakers ? SPEAKER.exec(l.trim()) : null;
      if (!who || /^episode\s*\d/i.test(who[1]!)) return sentences;
      return sentences.map((x, i) => (i === 0 || SPEAKER.test(x) ? x : `${who[1]}: ${x}`));
    })
    .map((l) => l.trim())
    .filter((l) => /[\p{L}\p{N}]/u.test(l));
}

export interface QuoteResult {
  text: string;
  /** The passages quoted, for citations. */
  used: Passage[];
}

export interface QuoteOptions {
  /** The reader's earlier questions in this conversation, oldest first: their words count at a lower weight. */
  earlier?: string[];
}

/** Lines quoted at most (a short answer: the best line, its reply, and a few more to find the answer in). */
export const MAX_LINES = 12;
/** Lines after the best one quoted with it (in dialogue, what a line asks or announces comes next). */
const LEAD_AFTER = 3;
/** Lines matched elsewhere, beside the lead, when the question is about the page in view: the rest is that page. */
const MATCHED_BESIDE_PAGE = 2;
/** Lines shown from the page in view when nothing matches. */
const MAX_PAGE_LINES = 6;
const MAX_LINE = 300;
/** Weight of an earlier question's words. */
const EARLIER_WEIGHT = 0.4;
/** A line must score this share of the best line to be quoted beside it. */
const MIN_SHARE = 0.3;
/** How much retrieval's order counts between lines with the same words (the first passage's by 1 + RANK_PRIOR). */
const RANK_PRIOR = 0.5;
/** Story pages retrieval ranked first whose most telling lines fill an answer about another part of the story. */
const TOP_PAGES = 3;
/** Lines from each of those pages but the last (which fills what is left). */
const PER_TOP = 3;
/** About the episode so far: lines of the page in view, the rest from the episode's pages retrieval ranked first. */
const EPISODE_PAGE_LINES = 4;
/** About the episode so far, a line elsewhere whose question words the episode's lines have too counts this much. */
const OTHER_EPISODE = 0.5;
/** ... unless it has a question word the episode lacks and retrieval ranked its passage among the first this many. */
const EVIDENCE_RANKS = 3;
/** A line next to one with the question's words gets this share of their score (an answer is often the reply). */
const NEAR = 0.3;

interface Line {
  text: string;
  passage: number;
  index: number;
  stems: Set<string>;
  score: number;
}

/** "Who is Saffron?", "What's a DragonCow?", "Qui est Shichimi ?": a question about what something is, where lore helps. */
const ABOUT_ENTITY =
  /^\s*(?:who|what)(?:\s+is|\s+are|\s+was|['’]s)\s+(?:an?\s+|the\s+)?(.+?)[\s?.!]*$|^\s*(?:qui\s+est|qui\s+sont|c['’]est\s+qui|c['’]est\s+quoi|qu['’]est-ce\s+que\s+c['’]est(?:\s+que?)?)\s+(?:une?\s+|les?\s+|la\s+|l['’])?(.+?)[\s?.!]*$|^\s*qu['’]est-ce\s+qu(?:e\s+|['’])(?:une?\s+|les?\s+|la\s+|l['’])(.+?)[\s?.!]*$/i;
/** Words that make "what is she doing?" a question about the page, not about what something is. */
const NOT_A_NAME = new Set(
  'she he they it this that these those her him his them we you i going happening up wrong so there here il elle ils elles ça ce cette lui'.split(' '),
);

const IN_VIEW = new Set('this that these those today now here new first last next ce cet cette ces ici maintenant'.split(' '));
const PLACED = new Set('at on in behind under near above inside outside sur dans sous derrière'.split(' ').map(fold));
const ENDS_OPEN = new Set('about for of to with at from on in by de du des à pour'.split(' '));

/** The words of what a who/what question asks about ("the King of Acren"), or null when it is not one. */
function thingAsked(question: string): string[] | null {
  const m = ABOUT_ENTITY.exec(question);
  return m ? words(m[1] ?? m[2] ?? m[3] ?? '') : null;
}

/** "this sign", "the first contestants", "what is Pepper arguing for", "the spell at the end": what the page shows. */
function onThePage(named: string[]): boolean {
  return (
    named.some((w) => IN_VIEW.has(w) || (w.length >= 5 && w.endsWith('ing'))) ||
    // "the spell at the end", "the sign on the wall": a thing placed on the page, not a name ("the King of Acren" is).
    named.slice(1).some((w) => PLACED.has(w))
  );
}

export function asksWhatIs(question: string): boolean {
  const named = thingAsked(question) ?? [];
  const m = ABOUT_ENTITY.exec(question);
  // Counted as written: "Oversized-Posh-Zombie-Canary" is one name.
  const tokens = (m?.[1] ?? m?.[2] ?? m?.[3] ?? '').split(/\s+/).filter(Boolean);
  return (
    tokens.length > 0 &&
    tokens.length <= 4 &&
    !NOT_A_NAME.has(named[0]!) &&
    // "what's the spell at the end?", "what is Pepper arguing for?", "c'est quoi le titre de cet épisode ?": the page.
    !onThePage(named) &&
    !ENDS_OPEN.has(named[named.length - 1]!)
  );
}

/** A question retrieval routed to lore, unless what it asks about is on the page ("who are the first contestants?"). */
function aboutLore(question: string, route: Route): boolean {
  if (asksWhatIs(question)) return true;
  if (route.kind !== 'entity') return false;
  const named = thingAsked(question);
  return named === null || !onThePage(named);
}

/** A question about what happened before the page in view. */
const EARLIER = /\b(last time|last episode|previous|before|earlier|again|at the start|at first|la dernière fois|avant|précédent)/i;

/** Said or written, not a bare sound effect ("SPLASH", "BAM!"). */
const spoken = (l: { text: string; stems: Set<string> }): boolean => l.stems.size > 1 || l.text !== l.text.toUpperCase();

/** Lines by how much they tell: rare words (IDF over the turn's lines), sound effects and refrains last. */
function mostTelling(some: Line[], all: Line[], idf: Map<string, number>): Line[] {
  const tells = (l: Line) => {
    const content = [...l.stems].filter((s) => !STOP_FOLDED.has(s));
    const sum = content.reduce((t, s) => t + (idf.get(s) ?? 0), 0) / Math.sqrt(content.length + 1);
    return filler(l, all) || !spoken(l) ? sum * 0.2 : sum;
  };
  const score = new Map(some.map((l) => [l, tells(l)]));
  return [...some].sort((a, b) => score.get(b)! - score.get(a)! || a.index - b.index);
}

const inReadingOrder = (some: Line[]): Line[] => [...some].sort((a, b) => a.passage - b.passage || a.index - b.index);

/** Words at most in a repeated line that is a sound or a cry ("Clap", "Meow meow"), not a sign read again. */
const SOUND_WORDS = 3;
/** Lettering that says nothing by itself: a sound repeated ("Clap" ×17, "Zzzzz"), a drawn-out cry ("Groooo"). */
function filler(l: Line, all: Line[]): boolean {
  const key = fold(l.text);
  if (l.stems.size <= 1 && /(\p{L})\1\1/u.test(key)) return true;
  // A sentence lettered again in panel after panel is a poster or a sign, and says something: only a short cry repeats.
  if (l.stems.size > SOUND_WORDS) return false;
  let same = 0;
  for (const o of all) if (o.passage === l.passage && fold(o.text) === key && ++same > 2) return true;
  return false;
}

/** A sentence that opens with a word of the question and says what it is: "Komona is a floating city." */
function definesAsked(text: string, weights: Map<string, number>): boolean {
  const m = /^(?:the\s+|an?\s+)?([\p{L}\p{N}'’ -]{2,40}?)\s+(?:is|are|was|were)\s/iu.exec(text);
  return m !== null && words(m[1]!).some((w) => weights.get(stem(w)) === 1);
}

const source = (p: Passage): string => (p.source === 'wiki' ? `Wiki: ${p.title ?? p.sourceRef.split('#')[0]}` : `Episode ${p.episode}, page ${p.page}`);

const clip = (l: string): string => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l);

/** The part of a follow-up's meaning its words lack comes from the last earlier question that has a route of its own. */
export function routeOf(question: string, earlier: readonly string[] = []): Route {
  const route = routeQuestion(question);
  if (route.kind !== 'follow_up') return route;
  for (const q of [...earlier].reverse()) {
    const r = routeQuestion(q);
    if (r.kind !== 'follow_up') return r;
  }
  return route;
}

/** How much a passage's place counts for a question of this route (its lines' scores are multiplied by it). */
function placeWeight(p: Passage, route: Route, aboutEntity: boolean): number {
  let w = 1;
  if (route.kind === 'earlier') {
    // About earlier episodes: the page on screen is seldom where the answer is; the route's episodes are.
    if (p.current) w *= 0.7;
    else if (p.focus === 1) w *= 1.2;
  } else if (route.kind === 'episode') {
    // The episode so far: its pages before this one as much as the page on screen.
    if (p.current || p.focus === 1) w *= 1.15;
  } else if (p.current) w *= 1.25;
  if (p.source === 'wiki' && !aboutEntity) w *= 0.8;
  return w;
}

export function quoteAnswer(
  question: string,
  passages: Passage[],
  redact: (text: string, from: Passage) => string,
  position: Position,
  opts: QuoteOptions = {},
): QuoteResult {
  const lines: Line[] = passages.flatMap((p, passage) =>
    // Wiki prose has no speakers: "Her known spells include: …" names none.
    linesOf(p.text, p.source !== 'dialogue', p.source !== 'wiki').map((text, index) => ({ text, passage, index, stems: new Set(words(text).map(stem)), score: 0 })),
  );
  const route = routeOf(question, opts.earlier);

  // The question's words with their weights: this question's at 1, earlier questions' lower (never above 1).
  const weights = new Map<string, number>();
  for (const s of questionStems(question)) weights.set(s, 1);
  for (const q of opts.earlier ?? []) for (const s of questionStems(q)) if (!weights.has(s)) weights.set(s, EARLIER_WEIGHT);

  // IDF over this turn's lines: a word most lines share tells little about which line answers.
  const idf = lineIdf(lines);
  const qIdf = (s: string) => {
    let df = 0;
    for (const l of lines) if (matches(s, l.stems) > 0) df++;
    return df === 0 ? 0 : Math.log(1 + lines.length / df);
  };
  const wIdf = new Map([...weights.keys()].map((s) => [s, qIdf(s)]));

  if (route.kind === 'so_far') {
    const groups = recapLines(lines, passages, weights, idf);
    const episodes = [...new Set(groups.map((g) => passages[g[0]!.passage]!.episode))];
    const intro = episodes.length === 1 ? `The lines that carry what happened in episode ${episodes[0]}:` : 'The lines that carry what happened, latest episode first:';
    if (groups.length > 0) return render(`${QUOTE_HEADER}\n${intro}`, groups, passages, redact, position);
  }

  const aboutEntity = aboutLore(question, route);
  // Neither "who is X?" nor about earlier events ("what did she make last time?"): the page in view comes first.
  const aboutPage = !aboutEntity && route.kind !== 'earlier' && !EARLIER.test(question);
  /** A story page's lines, most telling first, without sound effects and refrains. */
  const pageLines = (passage: number) =>
    mostTelling(
      lines.filter((l) => l.passage === passage && !filler(l, lines)),
      lines,
      idf,
    );
  const byPlace = new Map(lines.map((l) => [`${l.passage}:${l.index}`, l]));
  const lineAt = (passage: number, index: number) => byPlace.get(`${passage}:${index}`);
  /** The lines after one on its page, then (a page's last line is answered overleaf) the next page's, where it is a passage. */
  const followingLines = (l: Line): Line[] => {
    const p = passages[l.passage]!;
    const overleaf = passages.findIndex((o) => o.source === p.source && o.source !== 'wiki' && o.episode === p.episode && o.page === p.page + 1);
    return lines.filter((o) => (o.passage === l.passage && o.index > l.index) || o.passage === overleaf);
  };
  // Each line's own score from the question's words; a line beside a matched one shares a little of it.
  const own = new Map<Line, number>();
  for (const l of lines) {
    let score = 0;
    for (const [s, w] of weights) score += w * wIdf.get(s)! * matches(s, l.stems);
    own.set(l, score);
  }
  // A refrain ("Welcome to Komona" twice) is not a reply: the same words beside a line lend it nothing.
  const ownAt = (beside: Line, index: number) => {
    const l = lineAt(beside.passage, index);
    return l && fold(l.text) !== fold(beside.text) ? own.get(l)! : 0;
  };
  // About the episode so far, a line of another part of the story counts less, unless it has a question word
  // no line of the episode has and retrieval ranked it high: then the question is about an earlier part after all
  // ("what did the fairies offer?" asked episodes later), and that evidence outweighs the route. A word the episode
  // lacks alone is no such evidence: readers put the story in their own words ("serve", "friends").
  const inEpisode = (p: Passage) => p.source !== 'wiki' && (p.episode === position.episode || p.focus === 1);
  const inEpisodeStems = new Set<string>();
  for (const s of weights.keys()) if (lines.some((l) => inEpisode(passages[l.passage]!) && matches(s, l.stems) > 0)) inEpisodeStems.add(s);
  const beyondEpisode = (l: Line) => [...weights.keys()].some((s) => !inEpisodeStems.has(s) && matches(s, l.stems) > 0);
  for (const l of lines) {
    let score = own.get(l)!;
    // In dialogue the reply is the next line; prose sentences stand alone.
    if (passages[l.passage]!.source === 'dialogue') score += NEAR * (ownAt(l, l.index - 1) + ownAt(l, l.index + 1));
    if (score === 0) continue;
    const p = passages[l.passage]!;
    score *= placeWeight(p, route, aboutEntity);
    if (route.kind === 'episode' && !aboutEntity && !inEpisode(p) && !(l.passage < EVIDENCE_RANKS && beyondEpisode(l))) score *= OTHER_EPISODE;
    // Retrieval's order counts a little: of two lines with the same words, the better-ranked passage's first.
    score *= 1 + RANK_PRIOR / (1 + l.passage);
    // A bare sound effect ("SPLASH") answers little.
    if (!spoken(l)) score *= 0.5;
    // "Who is Cumin?": the sentence that defines it ("Cumin is the kindly … witch") says it best.
    if (aboutEntity && definesAsked(l.text, weights)) score *= 1.6;
    l.score = score;
  }

  const ranked = lines.filter((l) => l.score > 0).sort((a, b) => b.score - a.score || a.passage - b.passage || a.index - b.index);
  let intro = QUOTE_HEADER;
  let chosen: Line[];
  let lead: Line[] = [];
  if (ranked.length === 0) {
    // Nothing answers: say so, and show the page in view (always among the passages when there is one).
    const closest = route.kind !== 'earlier' ? -1 : passages.findIndex((p) => !p.current && p.source !== 'wiki');
    if (closest < 0) {
      intro = `${QUOTE_HEADER}\nNothing you've read matches those words; here is the page you are on.`;
      chosen = inReadingOrder(
        mostTelling(
          lines.filter((l) => passages[l.passage]!.current),
          lines,
          idf,
        ).slice(0, MAX_PAGE_LINES),
      );
    } else {
      // About another part of the story: the page retrieval found closest to the question (by meaning, not words).
      intro = `${QUOTE_HEADER}\nNothing you've read says that in those words; here is the page closest to your question.`;
      chosen = inReadingOrder(pageLines(closest).slice(0, MAX_PAGE_LINES));
    }
  } else {
    const best = ranked[0]!;
    chosen = [best];
    const add = (l: Line | undefined) => {
      // The same words twice (a page's lettering and its description, say) are quoted once.
      if (l && chosen.length < MAX_LINES && !chosen.some((c) => c === l || fold(c.text) === fold(l.text))) chosen.push(l);
    };
    const dialogue = (l: Line) => passages[l.passage]!.source !== 'wiki';
    // In dialogue the reply to a line is often the next one, and what a line announces follows it.
    const after = (l: Line, n: number) => {
      if (!dialogue(l)) return;
      let k = 0;
      for (const next of followingLines(l)) {
        if (k >= n) break;
        // A footnote ("* Ko = the Komona currency unit") explains a word; it is not what comes next.
        if (filler(next, lines) || next.text.startsWith('*')) continue;
        add(next);
        k++;
      }
      // A page's last line (a sign, a call that ends the scene) is read with the lines that lead to it.
      for (let i = l.index - 1; k === 0 && i >= 0 && l.index - i <= n; i--) {
        const before = lineAt(l.passage, i);
        if (before && !filler(before, lines)) add(before);
      }
    };
    /** The most telling lines of the story pages retrieval ranked first (its vector search is the only sense of meaning here). */
    const fillFromTopPages = () => {
      // About a thing, its lore ranked first too: an article's opening sentences say what it is.
      const tops = passages.flatMap((p, i) => (!p.current && (p.source !== 'wiki' || aboutEntity) ? [i] : [])).slice(0, TOP_PAGES);
      for (const [k, top] of tops.entries()) {
        const cap = k === tops.length - 1 ? MAX_LINES : chosen.length + PER_TOP;
        const some = passages[top]!.source === 'wiki' ? lines.filter((l) => l.passage === top) : pageLines(top);
        for (const l of some) if (chosen.length < cap) add(l);
      }
    };
    after(best, LEAD_AFTER);
    lead = inStoryOrder(chosen, passages);
    // About the page in view, only a few more matched lines: the page itself fills the rest.
    const matched = aboutPage ? lead.length + MATCHED_BESIDE_PAGE : MAX_LINES;
    for (const l of ranked.slice(1)) if (l.score >= MIN_SHARE * best.score && chosen.length < matched) add(l);
    if (aboutPage) {
      // The page in view fills the free places: a question about it ("why is she angry?") is answered there more
      // often than its words show.
      const page = lines.filter((l) => passages[l.passage]!.current);
      // A long page does not fit: its most telling lines first (quoted in reading order all the same).
      const pageCap = route.kind === 'episode' ? chosen.length + EPISODE_PAGE_LINES : MAX_LINES;
      for (const l of mostTelling(page, lines, idf)) if (chosen.length < pageCap) add(l);
      // About the episode so far: the rest from the story page retrieval ranked first (by meaning, where words fail).
      if (route.kind === 'episode') {
        const top = passages.findIndex((p) => !p.current && p.source !== 'wiki' && p.episode === position.episode);
        if (top >= 0) for (const l of pageLines(top)) add(l);
      }
      // A page with little text (or none) leaves places free: the story pages retrieval ranked first fill them.
      fillFromTopPages();
    } else {
      // About another part of the story: the lines around the matched ones (a reply, the line that leads to it).
      const near = (c: Line, d: number) => {
        const l = dialogue(c) ? lineAt(c.passage, c.index + d) : undefined;
        return l && !filler(l, lines) ? l : undefined;
      };
      for (const c of [...chosen]) add(near(c, 1));
      for (const c of [...chosen]) add(near(c, -1));
      // Then the most telling lines of the story pages retrieval ranked first (by meaning, where words fail).
      fillFromTopPages();
    }
  }

  // The best line and what follows it lead; the other lines follow grouped by passage, best group first, each
  // group in reading order and cited with its page.
  const rest = chosen.filter((l) => !lead.includes(l));
  const groups: Line[][] = [];
  // The lead may run onto the next page: one group per page, each cited with its own.
  for (const l of lead) {
    const last = groups[groups.length - 1];
    if (last && last[0]!.passage === l.passage) last.push(l);
    else groups.push([l]);
  }
  for (const pi of new Set(rest.map((l) => l.passage))) groups.push(rest.filter((l) => l.passage === pi).sort((a, b) => a.index - b.index));
  return render(intro, groups, passages, redact, position);
}

/** Lines in the order the story has them: by episode and page, then by their place on the page. */
function inStoryOrder(some: Line[], passages: Passage[]): Line[] {
  const at = (l: Line) => passages[l.passage]!;
  return [...some].sort((a, b) => at(a).episode - at(b).episode || at(a).page - at(b).page || a.passage - b.passage || a.index - b.index);
}

/** Quoted groups, each cited with its page; lines the guard empties are dropped. */
function render(intro: string, groups: Line[][], passages: Passage[], redact: (text: string, from: Passage) => string, position: Position): QuoteResult {
  const blocks: string[] = [];
  const used: Passage[] = [];
  for (const group of groups) {
    const p = passages[group[0]!.passage]!;
    const quoted = group.map((l) => redact(clip(l.text), p).trim()).filter((l) => l.replace(/…/g, '').trim().length > 0);
    if (quoted.length === 0) continue;
    if (!used.includes(p)) used.push(p);
    // "from": a quote ending in a number word ("only four...") must not read as "four — Episode 3" (a fourth episode).
    blocks.push(`${quoted.map((l) => `> ${l}`).join('\n')}\n— from ${source(p)} [${pageLabel(p)}]`);
  }
  if (blocks.length === 0) {
    return {
      text: `${QUOTE_HEADER}\nNothing in what you've read so far (up to episode ${position.episode}, page ${position.page}) matches that question.`,
      used: [],
    };
  }
  return { text: `${intro}\n\n${blocks.join('\n\n')}`, used };
}

/** IDF of every stem over this turn's lines (each distinct line once: a refrain repeated tells nothing more). */
function lineIdf(lines: Line[]): Map<string, number> {
  const df = new Map<string, number>();
  const seen = new Set<string>();
  for (const l of lines) {
    const key = fold(l.text);
    if (seen.has(key)) continue;
    seen.add(key);
    for (const s of l.stems) df.set(s, (df.get(s) ?? 0) + 1);
  }
  const n = seen.size;
  return new Map([...df].map(([s, d]) => [s, Math.log(1 + n / d)]));
}

/** Episodes a recap quotes, latest first, and lines per episode (more when it is about one episode). */
const RECAP_EPISODES = 3;
const RECAP_LINES_ONE = 5;
const RECAP_LINES_EACH = 2;
/** Lettering that frames an episode rather than tells it: end markers, the title repeated as a footer, footnotes. */
const TITLE = /^episode\s*\d+\s*:\s*\S/i;
/** The weight of a line's rare word that is on no other page of its episode (against 1 per other page). */
const RECAP_OWN = 0.5;
const FRAME = /^(?:-?\s*fin\s*-?|to be continued\W*|episode\s*\d+\s*:.*|\*.*)$/i;

/**
 * An extractive recap ("what happened so far?", "what did I miss last episode?"): from the story pages retrieval
 * gave for it (its recap pages, else the route's part of the story), the most telling lines of each episode, latest
 * episode first. A line tells more the more of its words recur on the episode's other pages (what the episode is
 * about: "contest", "wish") and the rarer they are in the rest of the passages; the question's own words count
 * too ("recap of the contest"). Dialogue has no speaker labels to lean on, so centrality is all there is.
 */
function recapLines(lines: Line[], passages: Passage[], weights: Map<string, number>, idf: Map<string, number>): Line[][] {
  const story = (p: Passage) => p.source !== 'wiki' && p.page > 0;
  const pick = passages.some((p) => story(p) && p.focus === 2) ? (p: Passage) => story(p) && p.focus === 2 : story;
  const episodes = [...new Set(passages.filter(pick).map((p) => p.episode))].sort((a, b) => b - a).slice(0, RECAP_EPISODES);
  const each = episodes.length === 1 ? RECAP_LINES_ONE : RECAP_LINES_EACH;
  const groups: Line[][] = [];
  for (const episode of episodes) {
    const own = lines.filter((l) => {
      const p = passages[l.passage]!;
      return p.episode === episode && story(p) && spoken(l) && !FRAME.test(l.text.trim());
    });
    // On how many of the episode's pages each word is.
    const pagesWith = new Map<string, Set<number>>();
    for (const l of own) for (const s of l.stems) (pagesWith.get(s) ?? pagesWith.set(s, new Set()).get(s)!).add(passages[l.passage]!.page);
    const seen = new Set<string>();
    const scored: Line[] = [];
    for (const l of own) {
      const key = fold(l.text);
      if (seen.has(key)) continue;
      seen.add(key);
      const content = [...l.stems].filter((s) => s.length >= 3 && !STOP_FOLDED.has(s));
      if (content.length < 2) continue;
      let score = 0;
      // A rare word tells something even on one page (a recap of the story has one page per episode).
      for (const s of content) score += (idf.get(s) ?? 0) * (RECAP_OWN + pagesWith.get(s)!.size - 1 + 2 * (weights.get(s) ?? 0));
      scored.push({ ...l, score: score / Math.sqrt(content.length + 2) });
    }
    // Its beginning, middle and where it stands: the best line of each page first, then the best of the rest.
    const byScore = scored.filter((l) => l.score > 0).sort((a, b) => b.score - a.score);
    const pages = new Set<number>();
    const top: Line[] = [];
    for (const l of byScore) if (top.length < each && !pages.has(passages[l.passage]!.page) && pages.add(passages[l.passage]!.page)) top.push(l);
    for (const l of byScore) if (top.length < each && !top.includes(l)) top.push(l);
    top.sort((a, b) => passages[a.passage]!.page - passages[b.passage]!.page || a.passage - b.passage || a.index - b.index);
    // The episode's title, where its title strip or a closing footer is among the passages, opens its lines.
    const title = lines.find((l) => passages[l.passage]!.episode === episode && passages[l.passage]!.source !== 'wiki' && TITLE.test(l.text.trim()));
    if (title) groups.push([title]);
    for (const l of top) {
      const last = groups[groups.length - 1];
      if (last && last[0]!.passage === l.passage) last.push(l);
      else groups.push([l]);
    }
  }
  return groups;
}
