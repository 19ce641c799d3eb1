/**
 * Hybrid retrieval under the spoiler boundary: full-text and vector search
 * fused by reciprocal rank, plus the text of the page(s) in view, which is
 * always included. The hits come from one statement (chat/queries.ts
 * turnContext) with the boundary inside every query (retrieval/queries.ts);
 * nothing here filters after fetching.
 */
import type { Position } from '../spoilers/index.js';
import { fuseRanks } from './fuse.js';
import type * as q from './queries.js';
import { normalizeQuestion, type Route } from './route.js';

export interface Passage extends q.ChunkHit {
  /** Text of the page in view (always included). */
  current: boolean;
  /** Fused score (0 for current-page passages that no search found). */
  score: number;
}

/** Candidates taken from each search before fusion. */
export const CANDIDATES = 20;

/** Within the first FIRST_PASSAGES, at most WIKI_IN_FIRST wiki passages the question is not about (lore must not crowd out the story). */
export const FIRST_PASSAGES = 5;
export const WIKI_IN_FIRST = 2;
/** Pages a recap of one episode uses: spread from its start to where the reader is. */
export const RECAP_PAGES = 4;

/** `focus` of the wiki sections of a thing the question names (chat/queries.ts turnContext): they lead. */
export const NAMED = 3;

/**
 * Where the page in view goes among the passages: `first`; `second`, after the best passage (the question
 * is about another part of the story); or by `evidence`: first unless a page of the part of the story the
 * question is about matches its words better (a question in the past may be about either).
 */
export type ViewLead = 'first' | 'second' | 'evidence';

/** The lead of the page in view, from its hits (`lead`, else `focus` 0 = second, as the SQL marks it). */
function viewLead(current: q.ChunkHit[]): ViewLead {
  const said = current.find((h) => h.lead)?.lead;
  if (said) return said;
  return current.length > 0 && current.every((h) => h.focus === 0) ? 'second' : 'first';
}

/**
 * The wiki sections of the things a who/what question names (pure): a section whose article title, or
 * whose entity's name or alias (reached ones only), occurs in the question as whole words gets `focus` NAMED.
 */
export function markNamed(hits: q.ChunkHit[], question: string, entities: Array<{ slug: string; name: string; aliases: string[]; visible: boolean }>): q.ChunkHit[] {
  const text = normalizeQuestion(question);
  const named = (name: string) => {
    const n = normalizeQuestion(name);
    return n.trim() !== '' && text.includes(n);
  };
  const slugs = new Set(entities.filter((e) => e.visible && [e.name, ...e.aliases].some(named)).map((e) => e.slug));
  return hits.map((h) => (h.source === 'wiki' && (slugs.has(h.sourceRef.split('#')[0]!) || (h.title !== null && named(h.title))) ? { ...h, focus: NAMED } : h));
}

/** Lists of hits as one list, each chunk once (its first occurrence; a recap page keeps `focus` 2). */
export function mergeHits(...lists: q.ChunkHit[][]): q.ChunkHit[] {
  const byId = new Map<number, q.ChunkHit>();
  for (const list of lists) {
    for (const hit of list) {
      const seen = byId.get(hit.chunkId);
      if (!seen) byId.set(hit.chunkId, hit);
      else if ((hit.focus ?? 0) > (seen.focus ?? 0)) byId.set(hit.chunkId, { ...seen, focus: hit.focus });
    }
  }
  return [...byId.values()];
}

/**
 * The recap pages of a "so far" question (pure), from one chunk per page (retrieval/queries.ts
 * recapSql): `endings` (the whole story) keeps them all, the latest episode first; otherwise
 * RECAP_PAGES pages spread evenly over the episode, first to last.
 */
export function recapPages(hits: q.ChunkHit[], endings: boolean): q.ChunkHit[] {
  if (endings || hits.length <= RECAP_PAGES) return hits;
  const pages = [...hits].sort((a, b) => a.episode - b.episode || a.page - b.page);
  const picked = new Set<number>();
  for (let i = 0; i < RECAP_PAGES; i++) picked.add(Math.round((i * (pages.length - 1)) / (RECAP_PAGES - 1)));
  return [...picked].map((i) => pages[i]!);
}

/**
 * The passages of an answer, from the hits of each search (pure): the page text in view, always
 * (first, or second after one passage, by its `lead`: ViewLead; the article of a thing the question names,
 * `focus` NAMED, goes before it), then the recap pages of a "so far" question (`focus` 2), then the full-text and vector
 * hits fused by reciprocal rank, where the hits in the part of the story the question is about
 * (`focus` 1, chat/queries.ts turnContext from retrieval/route.ts) count in a second pair of lists;
 * within the first FIRST_PASSAGES, at most WIKI_IN_FIRST wiki passages the question is not about.
 * All within `limit` passages and `maxChars` characters.
 */
export function assemblePassages(hits: { text: q.ChunkHit[]; vector: q.ChunkHit[]; current: q.ChunkHit[] }, opts: { limit?: number; maxChars?: number } = {}): Passage[] {
  const limit = opts.limit ?? 8;
  const maxChars = opts.maxChars ?? 6000;
  // Ranked lists: best full-text rank first, nearest vector first (ties by position, newest first, then id).
  const text = [...hits.text].sort((a, b) => (b.rank ?? 0) - (a.rank ?? 0) || b.episode - a.episode || b.page - a.page || a.chunkId - b.chunkId);
  const vector = [...hits.vector].sort((a, b) => (a.rank ?? 0) - (b.rank ?? 0) || a.chunkId - b.chunkId);
  const recap = hits.text.filter((h) => h.focus === 2);
  const focused = (h: q.ChunkHit) => h.focus === 1 || h.focus === NAMED;
  // Unless the question is about a named thing (its wiki sections are the focus), story pages count twice over lore.
  const story = (h: q.ChunkHit) => h.source !== 'wiki';
  const aboutLore = [...text, ...vector].some((h) => h.source === 'wiki' && focused(h));
  const lists = [text, vector, text.filter(focused), vector.filter(focused)];
  if (!aboutLore) lists.push(text.filter(story), vector.filter(story));
  const fused = fuseRanks(lists, (h) => h.chunkId)
    .filter(({ item }) => item.focus !== 2)
    .map(({ item, score }) => ({ item, score }));
  const passages: Passage[] = [];
  let chars = 0;
  const add = (hit: q.ChunkHit, isCurrent: boolean, score: number) => {
    if (passages.length >= limit || passages.some((p) => p.chunkId === hit.chunkId)) return;
    if (chars + hit.text.length > maxChars && passages.length > 0) return;
    chars += hit.text.length;
    const { rank: _rank, lead: _lead, ...rest } = hit;
    passages.push({ ...rest, current: isCurrent, score });
  };
  const scoreOf = (hit: q.ChunkHit) => fused.find((f) => f.item.chunkId === hit.chunkId)?.score ?? 0;
  const inViewId = (h: q.ChunkHit) => hits.current.some((c) => c.chunkId === h.chunkId);
  const lead = viewLead(hits.current);
  // What goes before the page in view, if anything: the article of the thing the question names; the best
  // passage when the question is about another part of the story; or, when the question may be about the page
  // or the episode so far, the page of the episode that matches the question's words better than the page in view.
  let first: q.ChunkHit | undefined = fused.find(({ item }) => item.focus === NAMED && !inViewId(item))?.item;
  if (!first && lead === 'second') first = recap.find((h) => !inViewId(h)) ?? fused.find(({ item }) => !inViewId(item))?.item;
  if (!first && lead === 'evidence') {
    const viewRank = Math.max(0, ...text.filter(inViewId).map((h) => h.rank ?? 0));
    const best = text.find((h) => focused(h) && !inViewId(h) && h.source !== 'wiki');
    if (best && (best.rank ?? 0) > viewRank) first = best;
  }
  if (first) add(first, false, scoreOf(first));
  for (const hit of hits.current) add(hit, true, scoreOf(hit));
  for (const hit of recap) add(hit, false, 0);
  // Lore the question is not about waits once the first passages hold WIKI_IN_FIRST of it.
  const deferred: Array<{ item: q.ChunkHit; score: number }> = [];
  for (const f of fused) {
    // Past the first passages, what waited comes back in its order.
    if (passages.length >= FIRST_PASSAGES) for (const d of deferred.splice(0)) add(d.item, false, d.score);
    const lore = f.item.source === 'wiki' && !focused(f.item);
    const wikiSoFar = passages.filter((p) => p.source === 'wiki' && p.focus !== 1).length;
    if (lore && passages.length < FIRST_PASSAGES && wikiSoFar >= WIKI_IN_FIRST) deferred.push(f);
    else add(f.item, false, f.score);
  }
  for (const { item, score } of deferred) add(item, false, score);
  return passages;
}

/**
 * The page text in view: the pages the reader sent, or the position's page when none was sent or a
 * sent page is past the position (it yields no text under the boundary). With the question's route,
 * each carries where it goes among the passages (`lead`).
 */
export function pagesInView(hits: { viewHits: q.ChunkHit[]; positionHits: q.ChunkHit[]; route?: Route }, viewing: Position[] | null): q.ChunkHit[] {
  const pages = viewing === null || hits.viewHits.length > 0 ? hits.viewHits : hits.positionHits;
  if (!hits.route) return pages;
  const lead = routeLead(hits.route);
  return pages.map((h) => ({ ...h, lead }));
}

/** Where the page in view goes for a route: what is on screen leads; earlier events and recaps follow the best passage. */
export function routeLead(route: Route): ViewLead {
  switch (route.kind) {
    case 'page':
    case 'follow_up':
      return 'first';
    case 'earlier':
    case 'so_far':
      return 'second';
    case 'episode':
    case 'entity':
      return 'evidence';
  }
}
