/** `/series/:seriesId/wiki` and `/series/:seriesId/wiki/:slug`: the wiki on its own pages (loaded lazily). */
import { useEffect, useMemo } from 'react';
import { Link } from 'wouter';
import type { SeriesDetail, WikiIndex } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { SiteHeader } from '../ui/SiteHeader';
import { WikiArticleView } from './WikiArticleView';
import { WikiIndexView } from './WikiIndexView';
import './wiki.css';

export default function WikiPages({ seriesId, slug }: { seriesId: string; slug: string | null }) {
  const base = `/api/series/${encodeURIComponent(seriesId)}`;
  const series = useApi<SeriesDetail>(base);
  const index = useApi<WikiIndex>(`${base}/wiki`);
  const unlocked = useMemo(() => new Set((index.data?.articles ?? []).map((a) => a.slug)), [index.data]);
  const title = series.data?.series.title ?? '';
  const seriesHref = `/series/${encodeURIComponent(seriesId)}`;

  useEffect(() => {
    document.title = `Wiki · ${title || 'Folio'}`;
    return () => {
      document.title = 'Folio';
    };
  }, [title]);

  return (
    <>
      <SiteHeader />
      <main className="page narrow wiki-page" id="main">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link href={seriesHref}>{title || 'Series'}</Link>
          <span aria-hidden="true"> / </span>
          {slug ? <Link href={`${seriesHref}/wiki`}>Wiki</Link> : <span aria-current="page">Wiki</span>}
        </nav>
        {slug ? (
          <WikiArticleView key={slug} seriesId={seriesId} slug={slug} known={series.data?.progress ?? null} unlocked={unlocked} level={1} />
        ) : (
          <>
            <h1 className="page-title">Wiki</h1>
            <p className="muted">Articles unlock as you read; sections about later parts of the story appear once you reach them.</p>
            <WikiIndexView seriesId={seriesId} index={index} level={1} />
          </>
        )}
      </main>
    </>
  );
}
