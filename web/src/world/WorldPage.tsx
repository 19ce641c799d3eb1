/** `/series/:seriesId/world`: the world graph on its own page (loaded lazily). */
import { useEffect } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import type { SeriesDetail } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { setPendingPanel } from '../panels/pending';
import { readerPath } from '../ui/format';
import { SiteHeader } from '../ui/SiteHeader';
import { WorldData } from './WorldData';
import './world.css';

export default function WorldPage({ seriesId }: { seriesId: string }) {
  const [, navigate] = useLocation();
  const node = new URLSearchParams(useSearch()).get('node');
  const series = useApi<SeriesDetail>(`/api/series/${encodeURIComponent(seriesId)}`);
  const title = series.data?.series.title ?? '';
  const seriesHref = `/series/${encodeURIComponent(seriesId)}`;

  useEffect(() => {
    document.title = `World · ${title || 'Folio'}`;
    return () => {
      document.title = 'Folio';
    };
  }, [title]);

  const progress = series.data?.progress ?? null;
  return (
    <div className="world-page">
      <SiteHeader />
      <main className="world-main" id="main">
        <div className="world-page-head">
          <nav className="breadcrumbs" aria-label="Breadcrumbs">
            <Link href={seriesHref}>{title || 'Series'}</Link>
            <span aria-hidden="true"> / </span>
            <span aria-current="page">World</span>
          </nav>
          <h1 className="page-title">World graph</h1>
          <p className="muted">The people, places and groups you have met so far, and how they are linked.</p>
        </div>
        <WorldData
          seriesId={seriesId}
          ready
          initialNode={node}
          focusFirst={false}
          colorMode="system"
          onAsk={
            progress
              ? (question) => {
                  // The reader opens at the reader's place with the companion asking this.
                  setPendingPanel(seriesId, { panel: 'chat', ask: question });
                  navigate(readerPath(seriesId, progress));
                }
              : undefined
          }
          onOpenArticle={(slug) => navigate(`${seriesHref}/wiki/${encodeURIComponent(slug)}`)}
        />
      </main>
    </div>
  );
}
