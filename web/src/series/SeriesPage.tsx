/**
 * `/series/:seriesId`: the episode list with read/unread state. Titles and
 * covers of episodes past the next unread one arrive from the API already
 * replaced ("Episode 12", blurhash placeholder); this page only renders them.
 */
import { Link } from 'wouter';
import type { Episode, SeriesDetail } from '../../../src/contract/index.js';
import { useApi } from '../api/use-api';
import { CoverImage } from '../ui/CoverImage';
import { Credit } from '../ui/Credit';
import { formatProgress, readerPath } from '../ui/format';
import { SiteHeader } from '../ui/SiteHeader';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { ResetProgress } from './ResetProgress';
import { SeriesTools } from './SeriesTools';

const STATE_LABEL: Record<Episode['state'], string> = { read: 'Read', current: 'Reading', next: 'Up next', unread: 'Unread' };

function EpisodeItem({ seriesId, e, detail }: { seriesId: string; e: Episode; detail: SeriesDetail }) {
  const at = e.state === 'current' && detail.progress ? detail.progress : { episode: e.number, page: 0 };
  const locked = e.state === 'unread';
  return (
    <li className={`episode episode--${e.state}`} data-episode={e.number} data-state={e.state}>
      <Link href={readerPath(seriesId, at)} className="episode-link">
        <CoverImage cover={e.cover} alt="" className="episode-cover" />
        <span className="episode-text">
          <span className="episode-title">{e.displayTitle}</span>
          <span className="episode-meta">
            <span className={`badge badge--${e.state}`}>{STATE_LABEL[e.state]}</span>
            {e.title !== null ? <span className="episode-number">Episode {e.number}</span> : null}
            <span>{e.pageCount} pages</span>
            {locked ? <span className="visually-hidden">(you will be asked before it opens)</span> : null}
          </span>
        </span>
      </Link>
      {e.summary ? (
        <p className="episode-summary">
          {e.summaryDrafted ? (
            <span className="drafted-badge" title="Drafted from the episode's text, not written by its author">
              Drafted ·{' '}
            </span>
          ) : null}
          {e.summary}
        </p>
      ) : null}
    </li>
  );
}

export function SeriesPage({ seriesId }: { seriesId: string }) {
  const res = useApi<SeriesDetail>(`/api/series/${encodeURIComponent(seriesId)}`);
  const d = res.data;
  const first = d?.episodes[0];
  return (
    <>
      <SiteHeader />
      <main className="page" id="main">
        {d ? (
          <>
            <div className="series-head">
              <div>
                <h1 className="page-title">{d.series.title}</h1>
                {d.series.description ? <p className="series-description">{d.series.description}</p> : null}
                <p className="progress-line" data-testid="series-progress">
                  {formatProgress(d.progress, d.series.episodeCount)}
                </p>
                <div className="card-actions">
                  {d.progress ? (
                    <Link className="button button--primary" href={readerPath(seriesId, d.progress)} data-testid="continue">
                      Continue reading
                    </Link>
                  ) : first ? (
                    <Link className="button button--primary" href={readerPath(seriesId, { episode: first.number, page: 0 })} data-testid="start">
                      Start reading
                    </Link>
                  ) : null}
                  <ResetProgress detail={d} onDone={res.reload} />
                </div>
              </div>
              <Credit attribution={d.series.attribution} license={d.series.license} licenseUrl={d.series.licenseUrl} />
            </div>
            <SeriesTools detail={d} />
            <h2 className="section-title">Episodes</h2>
            <ol className="episode-list">
              {d.episodes.map((e) => (
                <EpisodeItem key={e.number} seriesId={seriesId} e={e} detail={d} />
              ))}
            </ol>
          </>
        ) : res.error ? (
          <ErrorState error={res.error} onRetry={res.reload} />
        ) : (
          <Loading slow={res.slow}>
            <Skeleton className="skeleton-line wide" />
            <ol className="episode-list">
              {[0, 1, 2, 3].map((i) => (
                <li key={i} className="episode">
                  <Skeleton className="skeleton-cover small" />
                  <Skeleton className="skeleton-line" />
                </li>
              ))}
            </ol>
          </Loading>
        )}
      </main>
    </>
  );
}
