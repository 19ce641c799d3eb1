/** Library, series and episode views for a reader (their shapes are the wire contract's), and their cache. */
import { createHash } from 'node:crypto';
import type { Episode, EpisodeDetail, ImageRef, Library, Placeholder, SeriesDetail, SeriesInfo } from '../contract/index.js';
import type { Database, Db } from '../db/client.js';
import type { ImageVariants } from '../db/schema.js';
import { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { KnownContext } from '../progress/progress.js';
import { episodeState, nextUnreadEpisode } from '../progress/rules.js';
import type { Position, ReaderScope } from '../spoilers/index.js';
import type { Storage } from '../storage/storage.js';
import { type CachedResponse, etagOf, positionKey, ResponseCache } from './cache.js';
import * as q from './queries.js';
import { BoundaryStates, type LibraryState, STATE_LIMITS } from './states.js';

const image = (storage: Storage, v: { key: string; width: number; height: number }, extra?: Pick<ImageVariants, 'blurhash' | 'color'>): ImageRef => ({
  url: storage.url(v.key),
  width: v.width,
  height: v.height,
  ...(extra ? { blurhash: extra.blurhash, color: extra.color } : {}),
});

const placeholder = (width: number, height: number, blurhash: string | null, color: string | null): Placeholder => ({
  placeholder: true,
  width,
  height,
  blurhash,
  color,
});

function seriesOut(r: q.SeriesRow | q.SeriesListRow): SeriesInfo {
  return {
    id: r.id,
    title: r.title,
    description: r.description,
    language: r.language,
    readingDirection: r.reading_direction,
    layout: r.layout,
    license: r.license,
    licenseUrl: r.license_url,
    attribution: r.attribution,
    author: r.author,
    homepage: r.homepage,
  };
}

export async function listLibrary(db: Db, storage: Storage, readerId: string | null): Promise<Library> {
  const rows = await q.listSeries(db, readerId);
  return {
    series: rows.map((r) => ({
      ...seriesOut(r),
      episodeCount: r.episode_count,
      cover: r.cover ? image(storage, r.cover.display, r.cover) : null,
      progress: r.position_episode === null ? null : { episode: r.position_episode, page: r.position_page! },
    })),
  };
}

export const neutralTitle = (n: number): string => `Episode ${n}`;

async function requireSeries(db: Db, seriesId: string): Promise<q.SeriesRow> {
  const s = await q.getSeries(db, seriesId);
  if (!s) throw new FolioError('not_found:series', `No series "${seriesId}".`);
  return s;
}

/**
 * What a screen reader hears for a page: its description, else the text of a reached page (authored or
 * transcribed) in reading order, else only its number. The query withholds both for an unreached page.
 */
function pageAlt(p: Pick<q.PageRow, 'number' | 'description' | 'dialogue'>): string {
  if (p.description) return p.description;
  const text = p.dialogue
    ?.split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' / ');
  return text ? `Page ${p.number}: ${text}` : `Page ${p.number}`;
}

function episodeOut(storage: Storage, e: q.EpisodeListRow, current: Position | null, next: number | null): Episode {
  return {
    number: e.number,
    title: e.title,
    displayTitle: e.title ?? neutralTitle(e.number),
    state: episodeState({ number: e.number, end: e.end_page }, current, next),
    pageCount: e.page_count,
    cover: e.cover
      ? image(storage, e.cover.display, e.cover)
      : e.cover_width !== null
        ? placeholder(e.cover_width, e.cover_height ?? 0, e.cover_blurhash, e.cover_color)
        : null,
    summary: e.summary,
    summaryDrafted: e.summary_drafted,
    attribution: e.attribution,
    license: e.license,
  };
}

export async function seriesDetail(db: Db, storage: Storage, scope: ReaderScope): Promise<SeriesDetail> {
  const s = await requireSeries(db, scope.seriesId);
  const [rows, current] = await Promise.all([q.listEpisodes(db, scope), q.position(db, scope)]);
  const next = nextUnreadEpisode(
    current,
    rows.map((r) => r.number),
  );
  return {
    series: { ...seriesOut(s), showUnreadCovers: s.show_unread_covers, episodeCount: rows.length },
    progress: current,
    nextUnreadEpisode: next,
    episodes: rows.map((e) => episodeOut(storage, e, current, next)),
  };
}

export async function episodeDetail(db: Db, storage: Storage, scope: ReaderScope, episode: number, opts: { peek?: boolean } = {}): Promise<EpisodeDetail> {
  const s = await requireSeries(db, scope.seriesId);
  const [episodes, current] = await Promise.all([q.listEpisodes(db, scope), q.position(db, scope)]);
  const e = episodes.find((x) => x.number === episode);
  if (!e) throw new FolioError('not_found:episode', `Series "${scope.seriesId}" has no episode ${episode}.`);
  const next = nextUnreadEpisode(
    current,
    episodes.map((x) => x.number),
  );
  const pages = await q.listPages(db, scope, episode, opts.peek ?? false);
  return {
    series: {
      id: s.id,
      title: s.title,
      readingDirection: s.reading_direction,
      layout: s.layout,
      attribution: s.attribution,
      license: s.license,
      licenseUrl: s.license_url,
    },
    episode: episodeOut(storage, e, current, next),
    progress: current,
    pages: pages.map((p) => ({
      number: p.number,
      kind: p.kind,
      reached: p.reached,
      image: p.display ? { ...image(storage, p.display), ...(p.full ? { full: image(storage, p.full) } : {}) } : null,
      thumbnail: p.thumb
        ? image(storage, p.thumb, { blurhash: p.blurhash ?? '', color: p.color ?? '' })
        : p.thumb_width !== null
          ? placeholder(p.thumb_width, p.thumb_height ?? 0, p.blurhash, p.color)
          : null,
      alt: pageAlt(p),
      dialogue: p.dialogue,
      textSource: p.dialogue_source,
      description: p.description,
      panels: p.panels,
    })),
  };
}

/** What the cached routes send: the body and its ETag. */
export type CatalogResponse = CachedResponse;

export interface CachedCatalog {
  library(database: Database, readerId: string | null): Promise<CatalogResponse>;
  series(database: Database, scope: ReaderScope): Promise<CatalogResponse>;
  episode(database: Database, scope: ReaderScope, episode: number, opts?: { peek?: boolean }): Promise<CatalogResponse>;
  /**
   * What a progress move is decided on, from memory: the reader's position and the series' pages, when both are
   * known and current (the change feed is live); null otherwise, and the move reads them in its own statement.
   */
  knownMove(database: Database, readerId: string, seriesId: string, target: Position): Promise<KnownContext | null>;
  /** The boundary keys held in memory; a progress write in this process calls `forget` (states.ts). */
  readonly states: BoundaryStates;
  /** The entries, for tests. */
  readonly cache: ResponseCache;
}

/** About 2,000 responses or 16 MB, whichever comes first. */
export const CATALOG_CACHE_LIMITS = { maxEntries: 2_000, maxBytes: 16 * 1024 * 1024 };

/**
 * The library, series and episode views through a cache of responses keyed by boundary state (cache.ts). A hit
 * costs no statement while the change feed is live (the key is in memory, states.ts) and one otherwise; a miss
 * computes the view and reads its key in one read-only REPEATABLE READ snapshot.
 */
export function cachedCatalog(storage: Storage, opts: { limits?: typeof CATALOG_CACHE_LIMITS; logger?: Logger } = {}): CachedCatalog {
  const cache = new ResponseCache(opts.limits ?? CATALOG_CACHE_LIMITS);
  const states = new BoundaryStates({ ...STATE_LIMITS, logger: opts.logger });

  /** The reader's key for one series: from memory, else read (null: no such series) and kept if still current. */
  async function seriesState(database: Database, scope: ReaderScope): Promise<q.BoundaryStateRow | null> {
    states.follow(database);
    const known = states.series(scope.readerId, scope.seriesId);
    if (known) return known;
    const ticket = states.ticket(scope.readerId);
    const row = await q.boundaryState(database.db, scope);
    if (row) states.keepSeries(ticket, scope.seriesId, row);
    return row;
  }

  async function libraryState(database: Database, readerId: string | null): Promise<LibraryState> {
    states.follow(database);
    const known = states.library(readerId);
    if (known) return known;
    const ticket = states.ticket(readerId);
    const rows = await q.libraryState(database.db, readerId);
    states.keepLibrary(ticket, rows);
    return rows;
  }

  const snapshot = <T>(db: Db, fn: (tx: Db) => Promise<T>): Promise<T> =>
    db.transaction((tx) => fn(tx as unknown as Db), { isolationLevel: 'repeatable read', accessMode: 'read only' });
  const seriesKey = (kind: string, scope: ReaderScope, state: q.BoundaryStateRow, rest = ''): string =>
    `${kind}|${scope.seriesId}|${state.version}|${positionKey(state)}${rest}`;

  /** Served from the cache under the current state, or computed with its state in one snapshot and kept. */
  async function through(db: Db, key: string | null, compute: (tx: Db) => Promise<{ key: string | null; value: unknown }>): Promise<CatalogResponse> {
    const hit = key === null ? undefined : cache.get(key);
    if (hit) return hit;
    const fresh = await snapshot(db, compute);
    const body = JSON.stringify(fresh.value);
    return fresh.key === null ? { body, etag: etagOf(body) } : cache.set(fresh.key, body);
  }

  const libraryKey = (rows: Array<q.BoundaryStateRow & { id: string }>): string =>
    `library|${createHash('sha1')
      .update(rows.map((r) => `${r.id}|${r.version}|${positionKey(r)}`).join('\n'))
      .digest('base64url')}`;

  return {
    cache,
    states,
    async knownMove(database, readerId, seriesId, target) {
      states.follow(database);
      const state = states.series(readerId, seriesId);
      if (!state) return null;
      let layout = states.layout(seriesId, state.version);
      if (!layout) {
        const era = states.era;
        const read = await q.pageLayout(database.db, seriesId);
        if (!read) return null;
        layout = { version: read.version, pages: new Set(read.pages.map(([e, p]) => `${e}:${p}`)), episodes: read.episodes };
        states.keepLayout(era, seriesId, layout);
        // Read at another version than the reader's key: the statement decides.
        if (layout.version !== state.version) return null;
      }
      return {
        current: state.episode === null || state.page === null ? null : { episode: state.episode, page: state.page },
        pageExists: layout.pages.has(`${target.episode}:${target.page}`),
        episodes: layout.episodes,
      };
    },
    async library(database, readerId) {
      return through(database.db, libraryKey(await libraryState(database, readerId)), async (tx) => {
        const key = libraryKey(await q.libraryState(tx, readerId));
        return { key, value: await listLibrary(tx, storage, readerId) };
      });
    },
    async series(database, scope) {
      const state = await seriesState(database, scope);
      // No such series: the uncached path says so (not_found), nothing is kept.
      return through(database.db, state && seriesKey('series', scope, state), async (tx) => {
        const s = await q.boundaryState(tx, scope);
        return { key: s && seriesKey('series', scope, s), value: await seriesDetail(tx, storage, scope) };
      });
    },
    async episode(database, scope, episode, opts = {}) {
      const rest = `|${episode}|${opts.peek ? 'peek' : ''}`;
      const state = await seriesState(database, scope);
      return through(database.db, state && seriesKey('episode', scope, state, rest), async (tx) => {
        const s = await q.boundaryState(tx, scope);
        return { key: s && seriesKey('episode', scope, s, rest), value: await episodeDetail(tx, storage, scope, episode, opts) };
      });
    },
  };
}
