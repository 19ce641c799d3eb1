/** `/`: every series with its cover, credit line and this reader's place in it; continuing is one click. */
import { Link } from 'wouter';
import type { SeriesSummary } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { CoverImage } from '../ui/CoverImage';
import { Credit } from '../ui/Credit';
import { formatProgress, readerPath } from '../ui/format';
import { SiteHeader } from '../ui/SiteHeader';
import { ErrorState, Loading, Skeleton } from '../ui/states';

function SeriesCard({ s, first }: { s: SeriesSummary; first: boolean }) {
  const seriesHref = `/series/${encodeURIComponent(s.id)}`;
  return (
    <li className="series-card">
      <Link href={seriesHref} className="series-cover-link" aria-label={`${s.title}: episodes`}>
        <CoverImage cover={s.cover} alt="" eager={first} />
      </Link>
      <div className="series-card-body">
        <h2>
          <Link href={seriesHref}>{s.title}</Link>
        </h2>
        {s.description ? <p className="series-description">{s.description}</p> : null}
        <p className="progress-line" data-testid="series-progress">
          {formatProgress(s.progress, s.episodeCount)}
        </p>
        <div className="card-actions">
          {s.progress ? (
            <Link className="button button--primary" href={readerPath(s.id, s.progress)} data-testid="continue">
              Continue reading
            </Link>
          ) : (
            <Link className="button button--primary" href={seriesHref} data-testid="start">
              Start reading
            </Link>
          )}
          <Link className="button" href={seriesHref}>
            Episodes
          </Link>
        </div>
        <Credit attribution={s.attribution} license={s.license} licenseUrl={s.licenseUrl} />
      </div>
    </li>
  );
}

export function LibraryPage() {
  const lib = useApi<{ series: SeriesSummary[] }>('/api/series');
  return (
    <>
      <SiteHeader />
      <main className="page" id="main">
        <h1 className="page-title">Library</h1>
        {lib.data ? (
          lib.data.series.length === 0 ? (
            <p className="empty">
              No series yet. An operator adds one with <code>folio import &lt;pack&gt;</code>.
            </p>
          ) : (
            <ul className="series-grid">
              {lib.data.series.map((s, i) => (
                <SeriesCard key={s.id} s={s} first={i === 0} />
              ))}
            </ul>
          )
        ) : lib.error ? (
          <ErrorState error={lib.error} onRetry={lib.reload} />
        ) : (
          <Loading slow={lib.slow}>
            <ul className="series-grid">
              {[0, 1].map((i) => (
                <li key={i} className="series-card">
                  <Skeleton className="skeleton-cover" />
                  <div className="series-card-body">
                    <Skeleton className="skeleton-line wide" />
                    <Skeleton className="skeleton-line" />
                  </div>
                </li>
              ))}
            </ul>
          </Loading>
        )}
      </main>
    </>
  );
}
