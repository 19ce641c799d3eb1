/** The unlocked articles of a series, by category, with a filter. */
import { type MouseEvent, useState } from 'react';
import { Link } from 'wouter';
import type { WikiIndex } from '../../../src/contract/index.js';
import type { Resource } from '../api/use-api';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { wikiPath } from './WikiArticleView';

export function WikiIndexView({ seriesId, index, onOpen, level }: { seriesId: string; index: Resource<WikiIndex>; onOpen?: (slug: string) => boolean; level: 1 | 2 }) {
  const [filter, setFilter] = useState('');
  const d = index.data;
  if (index.error && !d) return <ErrorState error={index.error} onRetry={index.reload} />;
  if (!d) {
    return (
      <Loading slow={index.slow}>
        <Skeleton className="skeleton-line wide" />
        <Skeleton className="skeleton-line" />
      </Loading>
    );
  }
  if (d.articles.length === 0) {
    return <p className="muted">No articles yet: they unlock as you read.</p>;
  }
  const q = filter.trim().toLowerCase();
  const shown = d.articles.filter((a) => !q || a.title.toLowerCase().includes(q));
  const groups = new Map<string, typeof shown>();
  for (const a of shown) {
    const key = a.category ?? 'other';
    groups.set(key, [...(groups.get(key) ?? []), a]);
  }
  const H = level === 1 ? 'h2' : 'h3';
  return (
    <div className="wiki-index" data-testid="wiki-index">
      <label className="field wiki-filter">
        <span className="visually-hidden">Filter articles</span>
        <input type="search" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="Filter articles" />
      </label>
      {shown.length === 0 ? <p className="muted">No article title matches “{filter}”.</p> : null}
      {[...groups.entries()]
        .sort(([a], [b]) => (a === 'other' ? 1 : b === 'other' ? -1 : a.localeCompare(b)))
        .map(([category, articles]) => (
          <section key={category} className="wiki-group">
            <H className="wiki-group-title">{category === 'other' ? 'Other' : category[0]!.toUpperCase() + category.slice(1)}</H>
            <ul className="wiki-list">
              {articles.map((a) => (
                <li key={a.slug}>
                  <Link
                    href={wikiPath(seriesId, a.slug)}
                    data-slug={a.slug}
                    onClick={(e: MouseEvent) => {
                      if (onOpen?.(a.slug)) e.preventDefault();
                    }}
                  >
                    {a.title}
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        ))}
    </div>
  );
}
