/**
 * Quote mode: with no language model, the companion answers with the lines of what the reader has read that
 * best answer the question, quoted word for word with their pages and clearly labelled as quotes.
 *
 * Composition (pure, no model): every passage is cut into lines (a dialogue chunk has one text object per line;
 * prose is cut into sentences). Each line is scored by the question's words it contains, a word weighing more
 * the fewer candidate lines have it (IDF over the lines of this turn's passages), so a name most lines share
 * counts less than the rarer word that carries the question. The page in view gets a small lead, and page text
 * one over wiki lore unless the question asks what something is ("who is X?"), where the sentence defining it
 * ("X is …") leads. Earlier questions of the conversation count at a lower weight (a follow-up such as "why does
 * she do that?" borrows their words). The answer leads with the best line (and the line after it in dialogue,
 * where a reply often is), adds the next best, and fills the free places with the page in view, at most
 * MAX_LINES; when the question is about the page (neither "what is X?" nor about earlier events), fewer lines
 * come from elsewhere. Groups are cited with their page. When no line has a question word, it says so plainly
 * and shows the page in view.
 *
 * Speakers: a line is quoted as the text has it; where a pack writes the speaker in the line ("Pepper: …") it is
 * kept, and nothing is guessed where it does not (the Pepper&Carrot lettering has no speaker labels).
 *
 * Every quoted line goes through `redact` (the same unreached-name check as model output); spoiler decisions
 * are not made here.
 */
import type { Passage } from '../retrieval/retriever.js';
import type { Position } from '../spoilers/index.js';
import { pageLabel } from './prompt.js';

export const QUOTE_HEADER = "Quote mode (no language model is connected): the lines that best match your question, from what you've read.";

/** Words that carry no meaning of their own in a question (English, and French: readers ask in both). */
const STOP = new Set(
  (
    "a an the is are was were be been being am do does did doing done of in on at to for from by with about and or but not no so as it its it's this that these those what who whom whose which when where why how whats who's i you he she they we me my your his her their our us them there here can could would should will shall may might must have has had having tell say said says know please just any some all more most very really also then than into over out up down happen happens happened happening going go goes get gets got thing things page episode story comic now again ok okay yes one ones like still even only" +
    ' le la les un une des du de d l au aux et ou mais ne pas que qu qui quoi quel quelle quels quelles pourquoi comment quand où est sont était étaient été être a ont avait fait faire font il elle ils elles on je tu nous vous lui leur leurs se sa son ses ce cet cette ces c ça ca y en dans sur pour par avec sans ici là t moi toi s m n j alors donc aussi très bien plus page épisode histoire passe passé arrive arrivé'
  ).split(' '),
);

const fold = (s: string): string => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();

function words(text: string): string[] {
  return fold(text.normalize('NFKC')).match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** Content words of a question, lightly stemmed ("potions" → "potion", "flying" → "fly"). */
export function questionStems(question: string): string[] {
  const stop = new Set([...STOP].map(fold));
  return [
    ...new Set(
      words(question)
        .filter((w) => w.length >= 2 && !stop.has(w))
        .map(stem),
    ),
  ];
}

export function stem(word: string): string {
  const w = word.toLowerCase();
  if (w.length >= 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('es') && /(s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Does a line's word match a question word: the same stem, or one a longer form of the other ("magic" / "magical"). */
function matches(q: string, stems: Set<string>): number {
  if (stems.has(q)) return 1;
  if (q.length < 4) return 0;
  for (const s of stems) if (s.length >= 4 && (s.startsWith(q) || q.startsWith(s))) return 0.7;
  return 0;
}

/** A passage's lines: dialogue is one text object per line; prose is cut into sentences. */
export function linesOf(text: string, prose: boolean): string[] {
  return text
    .split('\n')
    .flatMap((l) => (prose || l.length > 160 ? (l.match(/[^.!?…]+(?:[.!?…]+["'”’)]*\s*|$)/g) ?? [l]) : [l]))
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

/** Lines quoted at most (a short answer: the best line and a few more). */
export const MAX_LINES = 6;
/** Lines matched elsewhere when the question is about the page in view: the rest of the answer is that page. */
const MAX_MATCHED_BESIDE_PAGE = 3;
/** Lines shown from the page in view when nothing matches. */
const MAX_PAGE_LINES = 6;
const MAX_LINE = 300;
/** Weight of an earlier question's words. */
const EARLIER_WEIGHT = 0.4;
/** A line must score this share of the best line to be quoted beside it. */
const MIN_SHARE = 0.3;

interface Line {
  text: string;
  passage: number;
  index: number;
  stems: Set<string>;
  score: number;
}

/** "Who is Saffron?", "What's a DragonCow?", "Qui est Shichimi ?": a question about what something is, where lore helps. */
const ABOUT_ENTITY =
  /^\s*(?:who|what)(?:\s+is|\s+are|\s+was|['’]s)\s+(?:an?\s+|the\s+)?(.+?)[\s?.!]*$|^\s*(?:qui\s+est|qui\s+sont|c['’]est\s+qui|c['’]est\s+quoi|qu['’]est-ce\s+que?)\s+(?:une?\s+|les?\s+|la\s+|l['’])?(.+?)[\s?.!]*$/i;
/** Words that make "what is she doing?" a question about the page, not about what something is. */
const NOT_A_NAME = new Set(
  'she he they it this that these those her him his them we you i going happening up wrong so there here il elle ils elles ça ce cette lui'.split(' '),
);

const IN_VIEW = new Set('this that these those today now here new first last next ce cet cette ces ici maintenant'.split(' '));
const ENDS_OPEN = new Set('about for of to with at from on in by de du des à pour'.split(' '));

export function asksWhatIs(question: string): boolean {
  const m = ABOUT_ENTITY.exec(question);
  const named = words(m?.[1] ?? m?.[2] ?? '');
  const tokens = (m?.[1] ?? m?.[2] ?? '').split(/\s+/).filter(Boolean);
  return (
    tokens.length > 0 &&
    tokens.length <= 4 &&
    !NOT_A_NAME.has(named[0]!) &&
    // "what's the spell at the end?", "what is Pepper arguing for?", "c'est quoi le titre de cet épisode ?": the page.
    !named.some((w) => IN_VIEW.has(w) || (w.length >= 5 && w.endsWith('ing'))) &&
    !ENDS_OPEN.has(named[named.length - 1]!)
  );
}

/** A question about what happened before the page in view. */
const EARLIER = /\b(last time|last episode|previous|before|earlier|again|at the start|at first|la dernière fois|avant|précédent)/i;

/** Said or written, not a bare sound effect ("SPLASH", "BAM!"). */
const spoken = (l: { text: string; stems: Set<string> }): boolean => l.stems.size > 1 || l.text !== l.text.toUpperCase();

/** A sentence that opens with a word of the question and says what it is: "Komona is a floating city." */
function definesAsked(text: string, weights: Map<string, number>): boolean {
  const m = /^(?:the\s+|an?\s+)?([\p{L}\p{N}'’ -]{2,40}?)\s+(?:is|are|was|were)\s/iu.exec(text);
  return m !== null && words(m[1]!).some((w) => weights.get(stem(w)) === 1);
}

const source = (p: Passage): string => (p.source === 'wiki' ? `Wiki: ${p.title ?? p.sourceRef.split('#')[0]}` : `Episode ${p.episode}, page ${p.page}`);

const clip = (l: string): string => (l.length > MAX_LINE ? `${l.slice(0, MAX_LINE - 1)}…` : l);

export function quoteAnswer(question: string, passages: Passage[], redact: (text: string) => string, position: Position, opts: QuoteOptions = {}): QuoteResult {
  const lines: Line[] = passages.flatMap((p, passage) =>
    linesOf(p.text, p.source !== 'dialogue').map((text, index) => ({ text, passage, index, stems: new Set(words(text).map(stem)), score: 0 })),
  );

  // The question's words with their weights: this question's at 1, earlier questions' lower (never above 1).
  const weights = new Map<string, number>();
  for (const s of questionStems(question)) weights.set(s, 1);
  for (const q of opts.earlier ?? []) for (const s of questionStems(q)) if (!weights.has(s)) weights.set(s, EARLIER_WEIGHT);

  // IDF over this turn's lines: a word most lines share tells little about which line answers.
  const n = lines.length;
  const idf = new Map<string, number>();
  for (const s of weights.keys()) {
    const df = lines.reduce((c, l) => c + (matches(s, l.stems) > 0 ? 1 : 0), 0);
    idf.set(s, df === 0 ? 0 : Math.log(1 + n / df));
  }
  const aboutEntity = asksWhatIs(question);
  // Neither "who is X?" nor about earlier events ("what did she make last time?"): the page in view comes first.
  const aboutPage = !aboutEntity && !EARLIER.test(question);
  for (const l of lines) {
    let score = 0;
    for (const [s, w] of weights) score += w * idf.get(s)! * matches(s, l.stems);
    if (score === 0) continue;
    const p = passages[l.passage]!;
    if (p.current) score *= 1.25;
    if (p.source === 'wiki' && !aboutEntity) score *= 0.8;
    // A bare sound effect ("SPLASH") answers little.
    if (!spoken(l)) score *= 0.5;
    // "Who is Cumin?": the sentence that defines it ("Cumin is the kindly … witch") says it best.
    if (aboutEntity && definesAsked(l.text, weights)) score *= 1.6;
    l.score = score;
  }

  const ranked = lines.filter((l) => l.score > 0).sort((a, b) => b.score - a.score || a.passage - b.passage || a.index - b.index);
  let intro = QUOTE_HEADER;
  let chosen: Line[];
  if (ranked.length === 0) {
    // Nothing answers: say so, and show the page in view (always among the passages when there is one).
    intro = `${QUOTE_HEADER}\nNothing you've read matches those words; here is the page you are on.`;
    chosen = lines.filter((l) => passages[l.passage]!.current).slice(0, MAX_PAGE_LINES);
  } else {
    const best = ranked[0]!;
    chosen = [best];
    const add = (l: Line | undefined) => {
      // The same words twice (a page's lettering and its description, say) are quoted once.
      if (l && chosen.length < MAX_LINES && !chosen.some((c) => c === l || fold(c.text) === fold(l.text))) chosen.push(l);
    };
    // In dialogue the reply to a line is often the next one.
    if (passages[best.passage]!.source !== 'wiki') add(lines.find((l) => l.passage === best.passage && l.index === best.index + 1));
    const matched = aboutPage ? MAX_MATCHED_BESIDE_PAGE : MAX_LINES;
    for (const l of ranked.slice(1)) if (l.score >= MIN_SHARE * best.score && chosen.length < matched) add(l);
    // The page in view fills the free places: a question about it ("why is she angry?") is answered there more
    // often than its words show, hence the fewer lines matched elsewhere.
    const page = lines.filter((l) => passages[l.passage]!.current);
    for (const l of [...page.filter(spoken), ...page.filter((l) => !spoken(l))]) add(l);
  }

  // The best line (and its reply) leads; the other lines follow grouped by passage, best group first, each group
  // in reading order and cited with its page.
  const lead = ranked.length > 0 ? chosen.slice(0, chosen[1]?.passage === chosen[0]!.passage && chosen[1]!.index === chosen[0]!.index + 1 ? 2 : 1) : [];
  const rest = chosen.filter((l) => !lead.includes(l));
  const groups: Line[][] = lead.length > 0 ? [lead] : [];
  for (const pi of new Set(rest.map((l) => l.passage))) groups.push(rest.filter((l) => l.passage === pi).sort((a, b) => a.index - b.index));
  const blocks: string[] = [];
  const used: Passage[] = [];
  for (const group of groups) {
    const p = passages[group[0]!.passage]!;
    const quoted = group.map((l) => redact(clip(l.text)).trim()).filter((l) => l.replace(/…/g, '').trim().length > 0);
    if (quoted.length === 0) continue;
    if (!used.includes(p)) used.push(p);
    blocks.push(`${quoted.map((l) => `> ${l}`).join('\n')}\n— ${source(p)} [${pageLabel(p)}]`);
  }
  if (blocks.length === 0) {
    return {
      text: `${QUOTE_HEADER}\nNothing in what you've read so far (up to episode ${position.episode}, page ${position.page}) matches that question.`,
      used: [],
    };
  }
  return { text: `${intro}\n\n${blocks.join('\n\n')}`, used };
}
