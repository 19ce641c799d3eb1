/**
 * The wiki under the boundary (GET /api/series/:id/wiki and …/wiki/:slug, see
 * docs/world.md). Locked articles and sections are never selected; of what is
 * selected, sentences naming unreached entities or unfinished episodes are
 * withheld. A locked article and an unknown one are the same 404, so the
 * existence of an article does not leak.
 */
import { FolioError } from '../errors.js';
import type { Position } from '../spoilers/index.js';
import * as q from './queries.js';
import type { ReaderView } from './view.js';

export interface ArticleSummaryOut {
  slug: string;
  title: string;
  category: string | null;
  debut: Position;
}

export interface SectionOut {
  heading: string | null;
  /** A fragment id for the heading ("the-keepers-flame"), null without a heading. No index: gaps would reveal locked sections. */
  anchor: string | null;
  /** Markdown, with withheld sentences replaced by "…". */
  body: string;
  debut: Position;
  /** Sentences withheld because they name what the reader has not reached. */
  withheld: number;
}

export interface ArticleOut extends ArticleSummaryOut {
  seriesId: string;
  /** Slug of the world-graph node about the same thing, when it has debuted. */
  entity: string | null;
  sections: SectionOut[];
}

const notFound = (slug: string) => new FolioError('not_found:wiki', `No wiki article "${slug}" here.`);

/**
 * An article whose title names something unreached is treated as locked: a
 * title cannot be partly withheld without revealing that something is there.
 */
function summaryOut(view: ReaderView, a: q.ArticleRow): ArticleSummaryOut | null {
  const title = view.guard.label(a.title);
  if (title === null) return null;
  const category = a.category === null ? null : view.guard.label(a.category);
  return { slug: a.slug, title, category, debut: { episode: a.episode, page: a.page } };
}

export async function wikiIndex(view: ReaderView): Promise<{ seriesId: string; articles: ArticleSummaryOut[] }> {
  const rows = await q.visibleArticles(view.db, view.scope);
  return { seriesId: view.scope.seriesId, articles: rows.map((a) => summaryOut(view, a)).filter((a): a is ArticleSummaryOut => a !== null) };
}

export async function wikiArticle(view: ReaderView, slug: string): Promise<ArticleOut> {
  const [row] = await q.visibleArticles(view.db, view.scope, slug);
  const summary = row ? summaryOut(view, row) : null;
  if (!row || !summary) throw notFound(slug);
  const sections = await q.visibleSections(view.db, view.scope, slug);
  return {
    seriesId: view.scope.seriesId,
    ...summary,
    entity: row.has_entity ? row.slug : null,
    sections: sections.map((s) => sectionOut(view, s)),
  };
}

function sectionOut(view: ReaderView, s: q.SectionRow): SectionOut {
  const debut = { episode: s.episode, page: s.page };
  // A heading that names something unreached says what the whole section is about: withhold all of it.
  if (s.heading !== null && view.guard.label(s.heading) === null) {
    return { heading: null, anchor: null, body: '…', debut, withheld: 1 };
  }
  const body = view.guard.redact(s.body);
  return { heading: s.heading, anchor: s.heading === null ? null : headingAnchor(s.heading), body: body.text, debut, withheld: body.withheld };
}

/** "The Keeper's flame" → "the-keepers-flame" (what markdown renderers commonly use). */
export function headingAnchor(heading: string): string {
  return heading
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’]/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}
