/**
 * Full-text search over what the reader has reached: page dialogue, page
 * descriptions and unlocked wiki sections (GET /api/series/:id/search, see
 * docs/world.md). Candidates are chosen in SQL under the boundary; each is then
 * run through the text check, and a candidate whose only matches were in
 * withheld sentences is dropped (the query is re-run on the checked text), so a
 * result never confirms that an unreached name or event is in the story. The
 * snippet is cut by ts_headline from the checked text.
 */
import type { SearchResponse, SearchResult } from '../contract/index.js';
import type { Position } from '../spoilers/index.js';
import type { ReaderView } from '../world/view.js';
import { headingAnchor } from '../world/wiki.js';
import * as q from './queries.js';

export const MAX_QUERY_LENGTH = 200;
/** Candidates fetched per round trip: what the page needs plus some slack for duplicates and withheld ones. */
const FETCH_MIN = 12;
const FETCH_SLACK = 6;
export const MAX_LIMIT = 50;

export interface SearchParams {
  q: string;
  limit: number;
  offset: number;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: STX/ETX are the highlight markers we ask ts_headline to write (they cannot occur in page text)
const MARKERS = /[\u0002\u0003]/g;

/** Split a ts_headline result into plain text and highlight ranges. */
export function parseHeadline(h: string): { snippet: string; highlights: Array<[number, number]> } {
  let snippet = '';
  const highlights: Array<[number, number]> = [];
  let open = -1;
  for (const ch of h) {
    if (ch === q.HL_START) open = snippet.length;
    else if (ch === q.HL_STOP) {
      if (open >= 0 && snippet.length > open) highlights.push([open, snippet.length]);
      open = -1;
    } else snippet += ch;
  }
  return { snippet, highlights };
}

interface Checked {
  row: q.CandidateRow;
  text: string;
  title: string;
  section: string | null;
}

export async function search(view: ReaderView, params: SearchParams): Promise<SearchResponse> {
  const base = { seriesId: view.scope.seriesId, query: params.q, offset: params.offset, limit: params.limit };
  // A query naming something unreached gets exactly what a query matching nothing gets.
  if (view.position === null || view.guard.find(params.q, 'page').some((h) => h.kind === 'entity')) return { ...base, results: [], nextOffset: null };

  // Check candidates in rank order only until this page (and one more, to know there is a next page) is full;
  // fetch them from SQL in pages too, so a common word does not ship a hundred chunks for ten results.
  const want = params.offset + params.limit + 1;
  const seen = new Set<string>();
  const matching: Array<Checked & { headline: string }> = [];
  const rows: q.CandidateRow[] = [];
  let exhausted = false;
  let i = 0;
  while (matching.length < want && (i < rows.length || !exhausted)) {
    if (i >= rows.length) {
      const size = Math.max(FETCH_MIN, want - matching.length + FETCH_SLACK);
      const more = await q.searchCandidates(view.db, view.scope, params.q, size, rows.length);
      rows.push(...more);
      exhausted = more.length < size || rows.length >= q.CANDIDATE_CAP;
      if (more.length === 0) break;
    }
    const batch: Checked[] = [];
    for (; i < rows.length && matching.length + batch.length < want; i++) {
      const row = rows[i]!;
      const key = row.source === 'wiki' ? `wiki:${row.article_slug}#${row.section_ordinal}` : `${row.source}:${row.episode}/${row.page}`;
      if (seen.has(key)) continue;
      const c = check(view, row);
      if (!c) continue;
      seen.add(key);
      batch.push(c);
    }
    // The checked text must still match (its only match may have been withheld); the snippet is cut from it.
    const judged = await q.matchAndHeadline(
      view.db,
      params.q,
      batch.map((c) => c.text),
    );
    batch.forEach((c, k) => {
      if (judged[k]!.matches) matching.push({ ...c, headline: judged[k]!.headline });
    });
  }

  const results = matching.slice(params.offset, params.offset + params.limit).map((c) => resultOut(view, c, c.headline));
  return { ...base, results, nextOffset: matching.length > params.offset + params.limit ? params.offset + params.limit : null };
}

/** The text check on one candidate; null when nothing of it may be shown. */
function check(view: ReaderView, row: q.CandidateRow): Checked | null {
  const g = view.guard;
  const kind = row.source === 'wiki' ? 'lore' : 'page';
  let title: string;
  let section: string | null = null;
  if (row.source === 'wiki') {
    // Consistent with the wiki view: a withheld title hides the article, a withheld heading its section.
    const t = row.article_title === null ? null : g.label(row.article_title);
    if (t === null) return null;
    if (row.section_heading !== null && g.label(row.section_heading) === null) return null;
    title = t;
    section = row.section_heading;
  } else {
    const et = row.episode_title === null ? null : g.label(row.episode_title, 'page');
    title = et === null ? `Episode ${row.episode}` : `Episode ${row.episode} · ${et}`;
  }
  const r = g.redact(row.text.replace(MARKERS, ''), kind);
  if (r.text.replace(/[…\s]/g, '') === '') return null;
  return { row, text: r.text, title, section };
}

function resultOut(view: ReaderView, c: Checked, headline: string): SearchResult {
  const s = view.scope.seriesId;
  const { snippet, highlights } = parseHeadline(headline);
  const at: Position = { episode: c.row.episode, page: c.row.page };
  if (c.row.source === 'wiki') {
    const slug = c.row.article_slug!;
    return {
      kind: 'wiki',
      source: 'wiki',
      ...at,
      title: c.title,
      slug,
      section: c.section,
      anchor: c.section === null ? null : headingAnchor(c.section),
      link: `/series/${s}/wiki/${slug}`,
      snippet,
      highlights,
    };
  }
  return { kind: 'page', source: c.row.source, ...at, title: c.title, link: `/read/${s}/${at.episode}/${at.page}`, snippet, highlights };
}
