/** Routes (docs/architecture.md#web-routes). The reader, with page-flip, loads on first use. */
import { lazy, Suspense, useEffect } from 'react';
import { Link, Route, Switch, useLocation } from 'wouter';
import type { EpisodeDetail } from '../../src/contract/index.js';
import { mediaUrl } from './api/client';
import { prefetch } from './api/use-api';
import { LibraryPage } from './library/LibraryPage';
import { dropPeekParam, isPeeking } from './reader/peek';
import { SeriesPage } from './series/SeriesPage';
import { Skeleton } from './ui/states';

const loadReader = () => import('./reader/ReaderPage');
const ReaderPage = lazy(loadReader);
// The world graph (React Flow) and the wiki (markdown) load only on their routes.
const WorldPage = lazy(() => import('./world/WorldPage'));
const WikiPages = lazy(() => import('./wiki/WikiPages'));
// Connecting an assistant is rare: its own chunk, off the first route.
const ConnectPage = lazy(() => import('./connect/ConnectPage'));
const LinkPage = lazy(() => import('./connect/LinkPage'));
const DevicesPage = lazy(() => import('./connect/DevicesPage'));
const AuthorizePage = lazy(() => import('./connect/AuthorizePage'));

// Opened on a reader URL: fetch the reader's code and its data at the same time, not one after the other.
const deepLink = /^\/read\/([a-z0-9][a-z0-9-]*)\/(\d+)\/(\d+)$/.exec(window.location.pathname);
if (deepLink) {
  void loadReader();
  // A peek is this tab's choice (a reload keeps it), never a link's: reader/peek.ts.
  dropPeekParam();
  const peek = isPeeking();
  const page = Number(deepLink[3]);
  void prefetch<EpisodeDetail>(`/api/series/${deepLink[1]}/episodes/${deepLink[2]}${peek ? '?peek=true' : ''}`).then((ep) => {
    // The page asked for is about to be shown: start its image too (the flipbook's <img> reuses the request).
    const image = ep.pages.find((p) => p.number === page)?.image;
    if (image) new Image().src = mediaUrl(image.url);
  });
  void prefetch(`/api/series/${deepLink[1]}`);
}

const pageFallback = <Skeleton className="page-skeleton" label="Loading" />;

function NotFound() {
  return (
    <main className="page narrow" id="main">
      <h1>Page not found</h1>
      <Link className="button" href="/">
        Back to the library
      </Link>
    </main>
  );
}

/** Each navigation starts at the top, with focus on the main content for screen readers. */
function ScrollToTop() {
  const [location] = useLocation();
  useEffect(() => {
    if (!location.startsWith('/read/')) window.scrollTo(0, 0);
  }, [location]);
  return null;
}

export function App() {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <ScrollToTop />
      <Switch>
        <Route path="/" component={LibraryPage} />
        <Route path="/series/:seriesId">{(p) => <SeriesPage seriesId={p.seriesId} />}</Route>
        <Route path="/series/:seriesId/world">
          {(p) => (
            <Suspense fallback={pageFallback}>
              <WorldPage seriesId={p.seriesId} />
            </Suspense>
          )}
        </Route>
        <Route path="/series/:seriesId/wiki">
          {(p) => (
            <Suspense fallback={pageFallback}>
              <WikiPages seriesId={p.seriesId} slug={null} />
            </Suspense>
          )}
        </Route>
        <Route path="/series/:seriesId/wiki/:slug">
          {(p) => (
            <Suspense fallback={pageFallback}>
              <WikiPages seriesId={p.seriesId} slug={p.slug} />
            </Suspense>
          )}
        </Route>
        <Route path="/connect">
          <Suspense fallback={pageFallback}>
            <ConnectPage />
          </Suspense>
        </Route>
        <Route path="/devices">
          <Suspense fallback={pageFallback}>
            <DevicesPage />
          </Suspense>
        </Route>
        <Route path="/authorize">
          <Suspense fallback={pageFallback}>
            <AuthorizePage />
          </Suspense>
        </Route>
        <Route path="/link">
          <Suspense fallback={pageFallback}>
            <LinkPage />
          </Suspense>
        </Route>
        <Route path="/read/:seriesId/:episode/:page">
          {(p) => (
            <Suspense fallback={<Skeleton className="reader-skeleton" label="Loading the reader" />}>
              <ReaderPage seriesId={p.seriesId} episode={Number(p.episode)} page={Number(p.page)} />
            </Suspense>
          )}
        </Route>
        <Route component={NotFound} />
      </Switch>
    </>
  );
}
