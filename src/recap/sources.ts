/**
 * What a recap is made from (pure rules). "Story so far" (series): each
 * finished episode's summary, or its key lines when the pack has no summary,
 * then the key lines of the current episode so far. "Previously" (episode):
 * the episode before the current one, then the current episode's pages so far.
 * Only reached content comes in (recap/queries.ts selects it in SQL); the text
 * still passes the unreached-name check before anyone sees it.
 */
import type { Passage } from '../retrieval/retriever.js';
import type { Position } from '../spoilers/index.js';
import type { RecapContext, RecapEpisode, RecapPage } from './queries.js';

export type RecapScope = 'series' | 'episode';

/** Lines worth quoting: long enough to carry meaning, not sound effects, labels or end markers. */
const TRIVIAL = /^(-?\s*fin\s*-?|to be continued\.*|the end|\*.*|episode \d+\s*[:.-].*)$/i;
export function candidateLines(dialogue: string): string[] {
  return dialogue
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= 24 && /[a-z]/.test(l) && !TRIVIAL.test(l) && !/^[^a-z]*$/.test(l));
}

export interface KeyLine {
  episode: number;
  page: number;
  text: string;
}

/**
 * Up to `max` lines from story pages, spread over the pages in reading order:
 * the longest line of each chosen page (the one most likely to say what happens).
 */
export function keyLines(pages: RecapPage[], max: number): KeyLine[] {
  const withLines = pages
    .filter((p) => p.kind === 'story')
    .map((p) => ({ p, lines: candidateLines(p.dialogue) }))
    .filter((x) => x.lines.length > 0);
  if (withLines.length === 0 || max <= 0) return [];
  const picks = withLines.length <= max ? withLines : Array.from({ length: max }, (_, i) => withLines[Math.floor((i * withLines.length) / max)]!);
  return picks.map(({ p, lines }) => ({ episode: p.episode, page: p.page, text: [...lines].sort((a, b) => b.length - a.length)[0]! }));
}

export interface RecapSource {
  /** `summary` of a finished episode, or a quoted `line` from a page. */
  kind: 'summary' | 'line';
  episode: number;
  /** The page it is cited at: a line's own page; a summary at the episode's last page (reached). */
  page: number;
  text: string;
  episodeTitle: string;
}

const LINES_PER_EPISODE = 3;
const CURRENT_LINES = 6;

function forEpisode(e: RecapEpisode, pages: RecapPage[], lines: number): RecapSource[] {
  const own = pages.filter((p) => p.episode === e.number);
  if (e.finished && e.summary) return [{ kind: 'summary', episode: e.number, page: e.lastPage, text: e.summary, episodeTitle: e.title }];
  return keyLines(own, lines).map((l) => ({ kind: 'line', episode: l.episode, page: l.page, text: l.text, episodeTitle: e.title }));
}

export function recapSources(ctx: RecapContext, scope: RecapScope): RecapSource[] {
  const at = ctx.position;
  if (!at) return [];
  const started = ctx.episodes.filter((e) => e.number <= at.episode);
  const current = started.find((e) => e.number === at.episode);
  const before = started.filter((e) => e.number < at.episode);
  const out: RecapSource[] = [];
  if (scope === 'series') {
    for (const e of before) out.push(...forEpisode(e, ctx.pages, LINES_PER_EPISODE));
  } else {
    const previous = before.at(-1);
    if (previous) out.push(...forEpisode(previous, ctx.pages, LINES_PER_EPISODE));
  }
  if (current) {
    // The current episode is never summarised by its (end-of-episode) summary unless finished.
    out.push(...forEpisode(current, ctx.pages, scope === 'episode' ? CURRENT_LINES * 2 : CURRENT_LINES));
  }
  return out;
}

/** Sources as passages for the prompt and for citations (ids are stable per source). */
export function toPassages(sources: RecapSource[], at: Position): Passage[] {
  return sources.map((s, i) => ({
    chunkId: i + 1,
    episode: s.episode,
    page: s.page,
    source: s.kind === 'summary' ? 'description' : 'dialogue',
    sourceRef: `${s.episode}/${s.page}`,
    text: s.kind === 'summary' ? `Summary of episode ${s.episode} ("${s.episodeTitle}"): ${s.text}` : s.text,
    title: null,
    current: s.episode === at.episode && s.page === at.page,
    score: 0,
  }));
}

/**
 * The recap without a model: summaries and quoted key lines, each with its
 * page label so it can be cited, under a heading per episode. `clean` withholds
 * sentences that name what the reader has not reached.
 */
export function extractiveRecap(sources: RecapSource[], scope: RecapScope, clean: (t: string) => string): string {
  if (sources.length === 0) return "There's nothing to recap yet: read a few pages first.";
  const parts: string[] = [scope === 'series' ? 'The story so far, in the pages’ own words:' : 'Previously, in the pages’ own words:'];
  let lastEpisode = -1;
  for (const s of sources) {
    const text = clean(s.text).replace(/\s+/g, ' ').trim();
    if (!text || /^(…\s*)+$/.test(text)) continue;
    if (s.episode !== lastEpisode) {
      parts.push(`\n**Episode ${s.episode}: ${clean(s.episodeTitle)}**`);
      lastEpisode = s.episode;
    }
    parts.push(s.kind === 'summary' ? `${text} [${s.episode}/${s.page}]` : `> “${text}” [${s.episode}/${s.page}]`);
  }
  return parts.join('\n');
}
