/**
 * On the series page: the world graph, the wiki, recaps and search of what the
 * reader has read. The recap code (AI SDK, markdown) loads on the first click.
 */
import { lazy, Suspense, useState } from 'react';
import { Link } from 'wouter';
import type { SeriesDetail } from '../../../src/contract/index.js';
import { flushProgress } from '../progress';
import { SearchBox } from '../search/SearchBox';
import '../search/search.css';

const Recap = lazy(() => import('../recap/Recap').then((m) => ({ default: m.Recap })));

type Scope = 'series' | 'episode';

export function SeriesTools({ detail }: { detail: SeriesDetail }) {
  const seriesId = detail.series.id;
  const base = `/series/${encodeURIComponent(seriesId)}`;
  const [recap, setRecap] = useState<Scope | null>(null);
  if (!detail.progress) return null;
  return (
    <section className="series-tools" aria-label="Explore what you have read">
      <div className="series-tools-links">
        <Link className="button button--small" href={`${base}/world`} data-testid="world-link">
          World graph
        </Link>
        <Link className="button button--small" href={`${base}/wiki`} data-testid="wiki-link">
          Wiki
        </Link>
        {recap === null ? (
          <>
            <button type="button" className="button button--small" onClick={() => setRecap('series')} data-testid="recap-series">
              Story so far
            </button>
            <button type="button" className="button button--small" onClick={() => setRecap('episode')} data-testid="recap-episode">
              Previously
            </button>
          </>
        ) : null}
      </div>
      {recap !== null ? (
        <div className="series-recap">
          <Suspense
            fallback={
              <p role="status" className="muted">
                Loading…
              </p>
            }
          >
            <Recap seriesId={seriesId} known={detail.progress} flushProgress={() => flushProgress(seriesId)} autoStart={recap} />
          </Suspense>
        </div>
      ) : null}
      <SearchBox seriesId={seriesId} known={detail.progress} beforeSearch={() => flushProgress(seriesId)} />
    </section>
  );
}
