/**
 * Citations: the pages an answer used, as links into the reader. Only
 * passages that were in the prompt can be cited (all at or before the
 * position), so a model citing a later page it "knows" produces no link.
 */

import type { Citation } from '../contract/index.js';
import type { Passage } from '../retrieval/retriever.js';
import type { Position } from '../spoilers/index.js';
import { pageLabel } from './prompt.js';

export type { Citation };

/** Every `[E/P]` (also `[E/P, E/P]`, `[E/P; E/P]`) in an answer, in order, once each. */
export function citedPositions(answer: string): Position[] {
  const out: Position[] = [];
  for (const group of answer.matchAll(/\[([\d/,;\s]+)\]/g)) {
    for (const m of group[1]!.matchAll(/(\d{1,6})\s*\/\s*(\d{1,6})/g)) {
      const p = { episode: Number(m[1]), page: Number(m[2]) };
      if (!out.some((o) => o.episode === p.episode && o.page === p.page)) out.push(p);
    }
  }
  return out;
}

const SNIPPET = 160;

export function citationFor(seriesId: string, p: Passage, cited: boolean, clean: (text: string, from: Passage) => string): Citation {
  const snippet = clean(p.text.replace(/\s+/g, ' ').trim(), p);
  const short = snippet.length > SNIPPET ? `${snippet.slice(0, SNIPPET - 1).trimEnd()}…` : snippet;
  if (p.source === 'wiki') {
    const slug = p.sourceRef.split('#')[0]!;
    return {
      id: `${seriesId}/wiki/${p.sourceRef}`,
      kind: 'wiki',
      episode: p.episode,
      page: p.page,
      label: pageLabel(p),
      title: p.title ?? slug,
      href: `/series/${seriesId}/wiki/${encodeURIComponent(slug)}`,
      snippet: short,
      cited,
    };
  }
  return {
    id: `${seriesId}/${p.episode}/${p.page}`,
    kind: 'page',
    episode: p.episode,
    page: p.page,
    label: pageLabel(p),
    title: `Episode ${p.episode}, page ${p.page}`,
    href: `/read/${seriesId}/${p.episode}/${p.page}`,
    snippet: short,
    cited,
  };
}

/**
 * The citations for an answer: the passages it cited by label (one per page or wiki section),
 * or, when it cited none, up to `fallback` of the passages it was given.
 */
export function citationsFor(seriesId: string, answer: string, passages: Passage[], clean: (text: string, from: Passage) => string, fallback = 3): Citation[] {
  const out: Citation[] = [];
  const seen = new Set<string>();
  const push = (p: Passage, cited: boolean) => {
    const c = citationFor(seriesId, p, cited, clean);
    if (seen.has(c.id)) return;
    seen.add(c.id);
    out.push(c);
  };
  for (const pos of citedPositions(answer)) {
    for (const p of passages) if (p.episode === pos.episode && p.page === pos.page) push(p, true);
  }
  if (out.length === 0) for (const p of passages.slice(0, fallback)) push(p, false);
  return out;
}
