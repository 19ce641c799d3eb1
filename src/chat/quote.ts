/**
 * Quote mode: with no language model, the companion answers with the lines
 * of the best passages at or before the position that match the question,
 * quoted word for word with their pages, clearly labelled as quotes. Quoted
 * text goes through the same unreached-name check as model output.
 */
import type { Passage } from '../retrieval/retriever.js';
import { searchTerms } from '../retrieval/search-query.js';
import type { Position } from '../spoilers/index.js';
import { pageLabel } from './prompt.js';

export const QUOTE_HEADER = "Quote mode (no language model is connected): the lines that best match your question, from what you've read.";

const STOP = new Set(
  "a an the is are was were be been am do does did of in on at to for from by with about and or but not no so as it its this that these those what who whom whose which when where why how whats who's i you he she they we me my your his her their our us them there here can could would should will shall may might must have has had tell say said know please just any some all more most very really also then than into over out up down".split(
    ' ',
  ),
);

/** Content words of a question, lightly stemmed ("potions" → "potion", "flying" → "fly"). */
export function questionStems(question: string): string[] {
  return [
    ...new Set(
      searchTerms(question)
        .filter((w) => !STOP.has(w) && w.length >= 2)
        .map(stem),
    ),
  ];
}

export function stem(word: string): string {
  const w = word.toLowerCase();
  if (w.length > 5 && w.endsWith('ing')) return w.slice(0, -3);
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 4 && w.endsWith('ed')) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('es') && /(s|x|z|ch|sh)es$/.test(w)) return w.slice(0, -2);
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

function lineStems(line: string): Set<string> {
  return new Set((line.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).map(stem));
}

/** A passage's lines: dialogue is one text object per line; long prose is split into sentences. */
function linesOf(text: string): string[] {
  return text
    .split('\n')
    .flatMap((l) => (l.length > 240 ? (l.match(/[^.!?…]+[.!?…]+["'”’)]*\s*|[^.!?…]+$/g) ?? [l]) : [l]))
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export interface QuoteResult {
  text: string;
  /** The passages quoted, for citations. */
  used: Passage[];
}

const MAX_LINES_PER_PASSAGE = 3;
const MAX_LINES = 8;
const MAX_PASSAGES = 4;
const MAX_LINE = 300;

const source = (p: Passage): string => (p.source === 'wiki' ? `Wiki: ${p.title ?? p.sourceRef.split('#')[0]}` : `Episode ${p.episode}, page ${p.page}`);

export function quoteAnswer(question: string, passages: Passage[], redact: (text: string) => string, position: Position): QuoteResult {
  const stems = questionStems(question);
  const scored = passages.map((p) => {
    const lines = linesOf(p.text).map((line) => {
      const ls = lineStems(line);
      return { line, score: stems.filter((s) => ls.has(s)).length };
    });
    return { p, lines, best: Math.max(0, ...lines.map((l) => l.score)) };
  });
  // Passages with matching lines, best first (retrieval order breaks ties).
  let picked = scored.filter((s) => s.best > 0).sort((a, b) => b.best - a.best);
  let intro = QUOTE_HEADER;
  if (picked.length === 0) {
    // Nothing matches word for word: show the page in view, which is always among the passages.
    picked = scored.filter((s) => s.p.current);
    intro = `${QUOTE_HEADER}\nNothing you've read matches those words; here is the page you are on.`;
  }
  const blocks: string[] = [];
  const used: Passage[] = [];
  let total = 0;
  for (const { p, lines } of picked.slice(0, MAX_PASSAGES)) {
    if (total >= MAX_LINES) break;
    const matching = p.current && lines.every((l) => l.score === 0) ? lines : lines.filter((l) => l.score > 0);
    const chosen = matching
      .map((l, i) => ({ ...l, i }))
      .sort((a, b) => b.score - a.score || a.i - b.i)
      .slice(0, Math.min(MAX_LINES_PER_PASSAGE, MAX_LINES - total))
      .sort((a, b) => a.i - b.i)
      .map((l) => redact(l.line.length > MAX_LINE ? `${l.line.slice(0, MAX_LINE - 1)}…` : l.line).trim())
      .filter((l) => l.replace(/…/g, '').trim().length > 0);
    if (chosen.length === 0) continue;
    total += chosen.length;
    used.push(p);
    blocks.push(`${chosen.map((l) => `> ${l}`).join('\n')}\n— ${source(p)} [${pageLabel(p)}]`);
  }
  if (blocks.length === 0) {
    return {
      text: `${QUOTE_HEADER}\nNothing in what you've read so far (up to episode ${position.episode}, page ${position.page}) matches that question.`,
      used: [],
    };
  }
  return { text: `${intro}\n\n${blocks.join('\n\n')}`, used };
}
