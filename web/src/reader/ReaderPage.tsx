/**
 * `/read/:seriesId/:episode/:page`: the flipbook (or the vertical reader),
 * the page strip, the credit line and the side panel. Displaying a page
 * reports the furthest page on display as progress (debounced, flushable),
 * except while peeking. Opening an episode past the next unread one goes
 * through the skip-ahead question first.
 */
import { lazy, type MouseEvent as ReactMouseEvent, type PointerEvent as ReactPointerEvent, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link, useLocation } from 'wouter';
import type { EpisodeDetail, Position, SeriesDetail } from '../../../src/contract/index.js';
import { ApiError, describeError } from '../api/client';
import { useApi } from '../api/use-api';
import type { LinkTarget } from '../markdown/links';
import { PanelSlot } from '../panels/PanelSlot';
import { clearPendingPanel, peekPendingPanel } from '../panels/pending';
import { type PanelRequest, type ReaderPanelContext, readerPanels } from '../panels/registry';
import { progressSync } from '../progress';
import { Credit } from '../ui/Credit';
import { readerPath } from '../ui/format';
import { comparePositions } from '../ui/position';
import { ErrorState, Loading, Skeleton } from '../ui/states';
import { furthestPage, resolvePageIndex } from './book-layout';
import { type FlipbookHandle, FlipbookView } from './FlipbookView';
import type { BookPage } from './flipbook';
import { GuidedView } from './GuidedView';
import { keyAction, type ReaderAction, swipeAction, verticalSwipeAction, zoneAction } from './input';
import { peekState, usePeeking } from './peek';
import { type ModePreference, useGuidedView, useReducedMotion, useViewMode } from './preferences';
import { SkipAhead } from './SkipAhead';
import { ThumbnailStrip } from './ThumbnailStrip';
import { useBackCloses } from './use-back-closes';
import { useImmersive } from './use-immersive';
import { useZoom } from './use-zoom';
import { VerticalReader } from './VerticalReader';
import { zoomKey } from './zoom';
import './flipbook.css';

// The world graph (React Flow) loads only when the reader opens it.
const WorldOverlay = lazy(() => import('../world/WorldOverlay'));

interface PanelState {
  open: boolean;
  active: string;
  request: PanelRequest | null;
}

/**
 * The side panel stays as the reader left it when the reader view remounts
 * (a citation that opens another episode, the next episode): per series, for
 * this page's life.
 */
const panelMemory = new Map<string, PanelState>();
let requestNonce = 0;

const isPhone = () => window.matchMedia('(max-width: 699px)').matches;

export default function ReaderPage({ seriesId, episode, page }: { seriesId: string; episode: number; page: number }) {
  const peek = usePeeking();
  const base = `/api/series/${encodeURIComponent(seriesId)}`;
  const ep = useApi<EpisodeDetail>(`${base}/episodes/${episode}${peek ? '?peek=true' : ''}`);
  const series = useApi<SeriesDetail>(base);
  // Data for another episode (while the new one loads) must not be shown as this one.
  const detail = ep.data?.episode.number === episode ? ep.data : undefined;

  if (ep.error || series.error) {
    return (
      <div className="reader reader--message">
        <ErrorState
          error={ep.error ?? series.error}
          onRetry={() => {
            ep.reload();
            series.reload();
          }}
        />
      </div>
    );
  }
  if (!detail || !series.data) {
    return (
      <div className="reader reader--loading">
        <Loading slow={ep.slow || series.slow}>
          <Skeleton className="reader-skeleton" />
        </Loading>
      </div>
    );
  }
  if (!peek && detail.episode.state === 'unread') {
    return <SkipAhead seriesId={seriesId} detail={detail} series={series.data} page={page} onConfirmed={ep.reload} />;
  }
  return <ReaderView key={`${episode}|${peek}`} seriesId={seriesId} detail={detail} series={series.data} page={page} peek={peek} refresh={ep.reload} />;
}

function ReaderView({
  seriesId,
  detail,
  series,
  page,
  peek,
  refresh,
}: {
  seriesId: string;
  detail: EpisodeDetail;
  series: SeriesDetail;
  page: number;
  peek: boolean;
  refresh: () => void;
}) {
  const [, navigate] = useLocation();
  const { preference, mode, setPreference } = useViewMode();
  const reducedMotion = useReducedMotion();
  const book = useRef<FlipbookHandle>(null);
  const stage = useRef<HTMLElement>(null);
  const [displayed, setDisplayed] = useState<number[]>([]);
  const [stripOpen, setStripOpen] = useState(() => window.matchMedia('(min-width: 700px)').matches);
  const [panel, setPanelState] = useState<PanelState>(() => {
    // "Ask about this" on the world graph's own page opens the reader with the chat asking it.
    const pending = peekPendingPanel(seriesId);
    if (pending) return { open: true, active: pending.panel, request: { ...pending, nonce: ++requestNonce } };
    return panelMemory.get(seriesId) ?? { open: false, active: readerPanels[0]?.id ?? '', request: null };
  });
  useEffect(() => clearPendingPanel(seriesId), [seriesId]);
  const setPanel = useCallback(
    (next: (p: PanelState) => PanelState) =>
      setPanelState((p) => {
        const n = next(p);
        panelMemory.set(seriesId, { ...n, request: null });
        return n;
      }),
    [seriesId],
  );
  const panelOpen = panel.open;
  const setPanelOpen = useCallback(
    (open: boolean | ((o: boolean) => boolean)) => setPanel((p) => ({ ...p, open: typeof open === 'function' ? open(p.open) : open })),
    [setPanel],
  );
  const [worldOpen, setWorldOpen] = useState<false | { node: string | null }>(false);
  /** The newest position the server confirmed while this view is open (the episode data catches up after a refetch). */
  const [stored, setStored] = useState<Position | null>(null);
  const panelOpener = useRef<HTMLElement | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const episode = detail.episode.number;
  const direction = detail.series.readingDirection;
  const vertical = detail.series.layout === 'vertical';
  const actRef = useRef<(action: ReaderAction) => void>(() => {});
  const immersive = useImmersive({ held: panelOpen || stripOpen, turnKey: displayed.join(',') });
  const [guided, setGuided] = useGuidedView();
  /** The scrolling column of a vertical series (guided view steps through its panels instead). */
  const column = vertical && !guided;
  // What a turn moves by, for screen readers.
  const step = guided ? 'panel' : 'page';
  // The column zooms itself (VerticalReader). Guided view has no zoom: its taps must not wait for a double tap.
  const zoom = useZoom(stage, !vertical && !guided, {
    // A touch tap on the left or right half turns like the click zones (which take mouse and keyboard).
    // On a phone a tap on the middle third shows or hides the header instead (use-immersive.ts).
    onTap: (at, view) => {
      if (!immersive.middleTap(at, view)) actRef.current(zoneAction(at.x < view.width / 2 ? 'left' : 'right', direction));
    },
    onScale: (scale) => book.current?.sharpen?.(scale),
  });

  const bookPages: BookPage[] = useMemo(
    () =>
      detail.pages.map((p) => ({
        number: p.number,
        kind: p.kind,
        image: p.image,
        alt: p.alt,
        color: p.thumbnail?.color ?? null,
        full: p.image?.full ?? null,
      })),
    [detail.pages],
  );
  const numbers = useMemo(() => detail.pages.map((p) => p.number), [detail.pages]);
  const [startIndex] = useState(() => resolvePageIndex(numbers, page));
  const episodes = series.episodes.map((e) => e.number);
  const prevEpisode = [...episodes].reverse().find((n) => n < episode);
  const nextEpisode = episodes.find((n) => n > episode);

  // A page on display: the URL follows it (reload reopens it) and the furthest one becomes progress.
  const shownUrl = useRef(window.location.pathname + window.location.search);
  const onShow = useCallback(
    (pages: number[]) => {
      // Every turn (keys, swipe, the strip, a link) starts the new page at fit.
      zoom.reset();
      setDisplayed(pages);
      const first = detail.pages[pages[0]!];
      const furthest = detail.pages[furthestPage(pages)];
      if (first) {
        shownUrl.current = readerPath(seriesId, { episode, page: first.number });
        window.history.replaceState(window.history.state, '', shownUrl.current);
      }
      if (furthest && !peek) progressSync.report(seriesId, { episode, page: furthest.number });
    },
    [detail.pages, seriesId, episode, peek, zoom.reset],
  );

  // Reached pages get their thumbnail and text from the API: refetch once progress is stored.
  useEffect(
    () =>
      progressSync.onStored((id, stored) => {
        if (id !== seriesId) return;
        setStored((s) => (s && comparePositions(s, stored) >= 0 ? s : { episode: stored.episode, page: stored.page }));
        if (stored.advanced) refresh();
      }),
    [seriesId, refresh],
  );
  useEffect(
    () =>
      progressSync.onError((id, err) => {
        if (id !== seriesId) return;
        setNotice(
          err instanceof ApiError && err.status < 500
            ? `Your place could not be saved: ${describeError(err)}`
            : 'Your place could not be saved right now; Folio will keep trying.',
        );
      }),
    [seriesId],
  );

  const act = useCallback(
    (action: ReaderAction) => {
      const b = book.current;
      if (!b) return;
      setNotice(null);
      // Back to fit before the page turns, so the flip is not drawn zoomed.
      if (action !== 'exit') zoom.reset();
      switch (action) {
        case 'next':
          if (!b.next()) {
            if (nextEpisode !== undefined) navigate(readerPath(seriesId, { episode: nextEpisode, page: 0 }), peekState(peek));
            else setNotice('This is the latest episode.');
          }
          break;
        case 'prev':
          if (!b.prev() && prevEpisode !== undefined) navigate(readerPath(seriesId, { episode: prevEpisode, page: 9_999_999 }), peekState(peek));
          break;
        case 'first':
          b.goTo(0);
          break;
        case 'last':
          b.goTo(detail.pages.length - 1);
          break;
        case 'exit':
          if (panelOpen) setPanelOpen(false);
          else navigate(`/series/${encodeURIComponent(seriesId)}`);
          break;
      }
    },
    [nextEpisode, prevEpisode, navigate, seriesId, peek, detail.pages.length, panelOpen, setPanelOpen, zoom.reset],
  );
  actRef.current = act;

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) return;
      const t = e.target as HTMLElement | null;
      if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) || t.closest('dialog[open]'))) return;
      // Inside the side panel, keys belong to the panel; Esc closes it.
      if (t?.closest('.side-panel')) {
        if (e.key === 'Escape') setPanelOpen(false);
        return;
      }
      const z = zoomKey(e.key);
      if (z) {
        e.preventDefault();
        if (column) book.current?.zoom?.(z);
        else zoom.key(z);
        return;
      }
      const action = keyAction(e.key, direction);
      if (!action) return;
      e.preventDefault();
      act(action);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [act, direction, setPanelOpen, column, zoom.key]);

  // Swipes (touch, pen or mouse drag) anywhere on the stage.
  const swipe = useRef<{ x: number; y: number; id: number } | null>(null);
  const swiped = useRef(false);
  const onPointerDown = (e: ReactPointerEvent) => {
    swipe.current = { x: e.clientX, y: e.clientY, id: e.pointerId };
    swiped.current = false;
  };
  const onPointerUp = (e: ReactPointerEvent) => {
    const s = swipe.current;
    swipe.current = null;
    // A zoomed page pans instead; a pinch or a double tap is not a swipe either.
    if (!s || s.id !== e.pointerId || column || zoom.blocksTurn()) return;
    // In guided view a vertical series also moves on with a swipe up, as its column scrolls.
    const dx = e.clientX - s.x;
    const dy = e.clientY - s.y;
    const action = swipeAction(dx, dy, direction) ?? (vertical ? verticalSwipeAction(dx, dy) : null);
    if (action) {
      swiped.current = true;
      act(action);
    }
  };
  const zone = (side: 'left' | 'right') => (e: ReactMouseEvent) => {
    // The click that ends a swipe is not a second turn.
    if (swiped.current) {
      swiped.current = false;
      return;
    }
    // Touch taps are use-zoom's (onTap above). A click says where it came from (Chromium, Firefox);
    // where it does not (Safari's MouseEvent), a touch that just ended made it. A zoomed page is not turned by a click.
    const type = (e.nativeEvent as Partial<PointerEvent>).pointerType;
    const fromTouch = type ? type === 'touch' : zoom.recentTouch();
    if (fromTouch || zoom.blocksTurn()) return;
    act(zoneAction(side, direction));
  };

  const shownNumbers = displayed.map((i) => detail.pages[i]?.number).filter((n): n is number => n !== undefined);
  const pageLabel =
    shownNumbers.length === 0 ? '' : shownNumbers.length === 1 ? `Page ${shownNumbers[0]}` : `Pages ${shownNumbers[0]}–${shownNumbers[shownNumbers.length - 1]}`;
  const position = detail.progress && stored ? (comparePositions(detail.progress, stored) >= 0 ? detail.progress : stored) : (detail.progress ?? stored);
  const openPanel = (id: string, request?: Omit<PanelRequest, 'panel' | 'nonce'>) => {
    if (!panel.open) panelOpener.current = document.activeElement as HTMLElement | null;
    setPanel(() => ({ open: true, active: id, request: request ? { ...request, panel: id, nonce: ++requestNonce } : null }));
  };
  const closePanel = () => setPanelOpen(false);
  // On a phone, Back closes the sheet or the world graph rather than leaving the reader.
  useBackCloses(panelOpen, closePanel, () => shownUrl.current);
  useBackCloses(
    worldOpen !== false,
    () => setWorldOpen(false),
    () => shownUrl.current,
  );
  const openPage = (at: Position) => {
    // On a phone a full-screen panel would hide the page that was just opened.
    const current = readerPanels.find((p) => p.id === panel.active);
    if (isPhone() && current?.sheet === 'full') closePanel();
    navigate(readerPath(seriesId, at), peekState(peek));
  };
  const panelCtx: ReaderPanelContext = {
    seriesId,
    episode: detail,
    displayedPages: shownNumbers,
    peek,
    position,
    flushProgress: () => progressSync.flush(seriesId),
    openPage,
    openLink: (t: LinkTarget) => {
      if (t.kind === 'page' && t.seriesId === seriesId) {
        openPage(t.at);
        return true;
      }
      if (t.kind === 'wiki' && t.seriesId === seriesId) {
        openPanel('wiki', { slug: t.slug });
        return true;
      }
      return false;
    },
    openPanel,
    closePanel,
    openWorld: (node) => setWorldOpen({ node: node ?? null }),
    request: panel.request,
  };
  const title = detail.episode.title ? `Episode ${episode}: ${detail.episode.title}` : detail.episode.displayTitle;

  // A link to another page of this episode (a citation, a search result) turns the book there.
  // biome-ignore lint/correctness/useExhaustiveDependencies: only when the URL's page changes, not on every flip (a flip rewrites the URL to what is shown)
  useEffect(() => {
    const index = resolvePageIndex(numbers, page);
    const showing = displayed.map((i) => detail.pages[i]?.number);
    if (displayed.length > 0 && !showing.includes(detail.pages[index]?.number)) book.current?.goTo(index);
  }, [page]);

  // When the panel closes, focus goes back to where it was opened from.
  const wasOpen = useRef(panelOpen);
  useEffect(() => {
    if (wasOpen.current && !panelOpen) {
      const back = panelOpener.current;
      if (back?.isConnected) back.focus();
      else document.querySelector<HTMLElement>('[data-testid=toggle-panel]')?.focus();
    }
    wasOpen.current = panelOpen;
  }, [panelOpen]);

  useEffect(() => {
    document.title = `${title} · ${detail.series.title} · Folio`;
    return () => {
      document.title = 'Folio';
    };
  }, [title, detail.series.title]);

  return (
    <div
      className={`reader ${panelOpen ? 'reader--panel' : ''} reader--${direction}`}
      data-mode={column ? 'vertical' : mode}
      data-direction={direction}
      data-chrome={immersive.hidden ? 'hidden' : 'shown'}
    >
      <header className="reader-bar">
        <Link href={`/series/${encodeURIComponent(seriesId)}`} className="icon-button back-link" aria-label={`Back to ${detail.series.title}`}>
          <span aria-hidden="true">←</span>
        </Link>
        <div className="reader-title">
          <h1>{title}</h1>
          <p className="reader-sub">
            <span>{detail.series.title}</span>
            <span className="page-indicator" data-testid="page-indicator" aria-live="polite">
              {pageLabel}
              {displayed.length ? ` · ${displayed[displayed.length - 1]! + 1}/${detail.pages.length}` : ''}
            </span>
          </p>
        </div>
        <div className="reader-tools">
          {!vertical ? (
            // biome-ignore lint/a11y/useSemanticElements: a bar of toggle buttons, not a form section; a fieldset's default box and legend do not fit the toolbar
            <div className="segmented" role="group" aria-label="Page layout">
              {(['auto', 'single', 'spread'] as ModePreference[]).map((p) => (
                <button key={p} type="button" aria-pressed={preference === p} onClick={() => setPreference(p)} data-testid={`mode-${p}`}>
                  {p === 'auto' ? 'Auto' : p === 'single' ? 'Single' : 'Spread'}
                </button>
              ))}
            </div>
          ) : null}
          <button type="button" className="button button--small" aria-pressed={guided} onClick={() => setGuided(!guided)} data-testid="toggle-guided">
            Guided
          </button>
          <button type="button" className="button button--small" aria-pressed={stripOpen} onClick={() => setStripOpen((o) => !o)} data-testid="toggle-strip">
            Pages
          </button>
          {readerPanels.length > 0 ? (
            <button
              type="button"
              className="button button--small"
              aria-pressed={panelOpen}
              onClick={(e) => {
                if (!panelOpen) panelOpener.current = e.currentTarget;
                setPanelOpen((o) => !o);
              }}
              data-testid="toggle-panel"
            >
              Panel
            </button>
          ) : null}
          <button type="button" className="button button--small" aria-haspopup="dialog" onClick={() => setWorldOpen({ node: null })} data-testid="open-world">
            World
          </button>
          <button
            type="button"
            className="button button--small button--accent"
            aria-pressed={panelOpen && panel.active === 'chat'}
            onClick={(e) => {
              if (panelOpen && panel.active === 'chat') return closePanel();
              panelOpener.current = e.currentTarget;
              openPanel('chat');
            }}
            data-testid="toggle-chat"
          >
            Ask
          </button>
        </div>
      </header>

      {peek ? (
        <div className="peek-banner" role="status">
          Peeking: your progress is not saved while you look around. <Link href={`/series/${encodeURIComponent(seriesId)}`}>Stop peeking</Link>
        </div>
      ) : null}

      <div className="reader-body">
        <main
          ref={stage}
          className="stage"
          id="main"
          aria-label={`${title}, ${pageLabel}`}
          data-displayed={shownNumbers.join(',')}
          data-zoomed={zoom.zoomed || undefined}
          onPointerDown={onPointerDown}
          onPointerUp={onPointerUp}
          onPointerCancel={() => (swipe.current = null)}
        >
          {column ? (
            <VerticalReader ref={book} pages={bookPages} startIndex={displayed[0] ?? startIndex} onShow={onShow} onTap={() => immersive.toggle()} />
          ) : (
            <>
              {/* Either view opens on the page the other showed. */}
              {guided ? (
                <GuidedView
                  ref={book}
                  pages={detail.pages}
                  direction={direction}
                  startIndex={displayed[0] ?? startIndex}
                  animate={!reducedMotion}
                  onShow={onShow}
                  onAction={(a) => actRef.current(a)}
                  onTapAt={(at, view) => immersive.middleTap(at, view)}
                />
              ) : (
                <FlipbookView
                  ref={book}
                  pages={bookPages}
                  direction={direction}
                  mode={mode}
                  startIndex={displayed[0] ?? startIndex}
                  animate={!reducedMotion}
                  onShow={onShow}
                />
              )}
              <button type="button" className="zone zone--left" onClick={zone('left')} aria-label={`${direction === 'ltr' ? 'Previous' : 'Next'} ${step}`} />
              <button type="button" className="zone zone--right" onClick={zone('right')} aria-label={`${direction === 'ltr' ? 'Next' : 'Previous'} ${step}`} />
            </>
          )}
          {notice ? (
            <p className="reader-notice" role="status">
              {notice}
            </p>
          ) : null}
        </main>
        {panelOpen ? (
          <PanelSlot ctx={panelCtx} active={panel.active} onSelect={(id) => setPanel((p) => ({ ...p, active: id, request: null }))} onClose={closePanel} />
        ) : null}
      </div>

      <ThumbnailStrip
        pages={detail.pages}
        displayed={displayed}
        direction={direction}
        onOpen={(i) => book.current?.goTo(i)}
        open={stripOpen}
        onToggle={() => setStripOpen((o) => !o)}
        onTurn={act}
        step={step}
        ask={
          readerPanels.some((p) => p.id === 'chat')
            ? {
                pressed: panelOpen && panel.active === 'chat',
                onClick: (el) => {
                  if (panelOpen && panel.active === 'chat') return closePanel();
                  panelOpener.current = el;
                  openPanel('chat');
                },
              }
            : null
        }
      />

      {worldOpen ? (
        <Suspense
          fallback={
            <div className="world-overlay-loading" role="status">
              Loading the world…
            </div>
          }
        >
          <WorldOverlay
            seriesId={seriesId}
            initialNode={worldOpen.node}
            onClose={() => setWorldOpen(false)}
            onAsk={(question) => {
              setWorldOpen(false);
              openPanel('chat', { ask: question });
            }}
            onOpenArticle={(slug) => {
              setWorldOpen(false);
              openPanel('wiki', { slug });
            }}
          />
        </Suspense>
      ) : null}

      <footer className="reader-credit">
        <Credit
          attribution={detail.series.attribution}
          license={detail.series.license ?? detail.episode.license}
          licenseUrl={detail.series.licenseUrl}
          episodeAttribution={detail.episode.attribution}
        />
      </footer>
    </div>
  );
}
