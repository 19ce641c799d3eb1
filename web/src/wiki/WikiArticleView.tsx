/**
 * One unlocked wiki article: only the sections the API sent (locked ones are
 * absent, with no gap to count), markdown without raw HTML, links to other
 * unlocked articles, and the related articles from the world graph.
 */
import { useEffect } from 'react';
import { Link } from 'wouter';
import type { Position, WikiArticle, WorldNodeDetail } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { type LinkTarget, wikiLinkPolicy } from '../markdown/links';
import { Markdown } from '../markdown/Markdown';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import './wiki.css';

export const wikiPath = (seriesId: string, slug: string) => `/series/${encodeURIComponent(seriesId)}/wiki/${encodeURIComponent(slug)}`;

/** A section that is only "…": everything in it was withheld. */
const allWithheld = (body: string) => body.replace(/[….\s]/g, '') === '';

export interface WikiArticleViewProps {
  seriesId: string;
  slug: string;
  known: Position | null;
  /** Slugs of the unlocked articles (links to others stay text). */
  unlocked: ReadonlySet<string>;
  onInternalLink?: (target: LinkTarget) => boolean;
  /** Title level: 1 on its own page, 2 inside the reader's panel. */
  level: 1 | 2;
  onTitle?: (title: string) => void;
  /** Show the entity in the world graph in place (the reader's overlay); else a link to the world page. */
  onOpenWorld?: (entity: string) => void;
}

export function WikiArticleView({ seriesId, slug, known, unlocked, onInternalLink, level, onTitle, onOpenWorld }: WikiArticleViewProps) {
  const base = `/api/series/${encodeURIComponent(seriesId)}`;
  const res = useApi<WikiArticle>(`${base}/wiki/${encodeURIComponent(slug)}`);
  const a = res.data?.slug === slug ? res.data : undefined;
  const related = useApi<WorldNodeDetail>(a?.entity ? `${base}/world/${encodeURIComponent(a.entity)}` : null);
  const policy = wikiLinkPolicy(seriesId, known, unlocked);

  useEffect(() => {
    if (a) onTitle?.(a.title);
  }, [a, onTitle]);

  // A deep link to a section (#anchor) scrolls there once the article is in.
  useEffect(() => {
    const id = window.location.hash.slice(1);
    if (a && id) document.getElementById(id)?.scrollIntoView();
  }, [a]);

  if (res.error && !a) return <ErrorState error={res.error} onRetry={res.reload} title={undefined} />;
  if (!a) {
    return (
      <Loading slow={res.slow}>
        <Skeleton className="skeleton-line wide" />
        <Skeleton className="skeleton-line" />
      </Loading>
    );
  }
  const H = level === 1 ? 'h1' : 'h2';
  const S = level === 1 ? 'h2' : 'h3';
  const others = (related.data?.edges ?? []).filter((e) => e.other.slug !== slug && unlocked.has(e.other.slug));
  const seen = new Set<string>();
  const relatedArticles = others.filter((e) => {
    if (seen.has(e.other.slug)) return false;
    seen.add(e.other.slug);
    return true;
  });

  return (
    <article className="wiki-article" data-testid="wiki-article" data-slug={a.slug}>
      <header className="wiki-article-head">
        <H className="wiki-title">{a.title}</H>
        {a.category ? <p className="wiki-category">{a.category}</p> : null}
      </header>
      {a.sections.map((s, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the sections of one article in their fixed order (the view is keyed by slug), and a section without a heading has no anchor
        <section key={`${i}:${s.anchor ?? ''}`} className="wiki-section" aria-labelledby={s.heading && s.anchor ? s.anchor : undefined} data-heading={s.heading ?? ''}>
          {s.heading ? (
            <S id={s.anchor ?? undefined} className="wiki-section-title">
              {s.heading}
            </S>
          ) : null}
          {allWithheld(s.body) ? <p className="wiki-withheld">…</p> : <Markdown text={s.body} policy={policy} images="link" onInternalLink={onInternalLink} />}
        </section>
      ))}
      {relatedArticles.length > 0 ? (
        <nav className="wiki-related" aria-label="Related articles">
          <S className="wiki-section-title">Related</S>
          <ul>
            {relatedArticles.map((e) => (
              <li key={e.other.slug}>
                <Link
                  href={wikiPath(seriesId, e.other.slug)}
                  onClick={(ev) => {
                    if (onInternalLink?.({ kind: 'wiki', seriesId, slug: e.other.slug, anchor: null, href: wikiPath(seriesId, e.other.slug) })) ev.preventDefault();
                  }}
                >
                  {e.other.name}
                </Link>
                <span className="muted"> · {e.kind.replace(/_/g, ' ')}</span>
              </li>
            ))}
          </ul>
        </nav>
      ) : null}
      {a.entity ? (
        <p className="wiki-world-link">
          {onOpenWorld ? (
            <button type="button" className="link-button" onClick={() => onOpenWorld(a.entity!)}>
              See {a.title} in the world graph
            </button>
          ) : (
            <Link href={`/series/${encodeURIComponent(seriesId)}/world?node=${encodeURIComponent(a.entity)}`}>See {a.title} in the world graph</Link>
          )}
        </p>
      ) : null}
    </article>
  );
}
