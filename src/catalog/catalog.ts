/** Library, series and episode views for a reader (their shapes are the wire contract's). */
import type { Episode, EpisodeDetail, ImageRef, Library, Placeholder, SeriesDetail, SeriesInfo } from '../contract/index.js';
import type { Db } from '../db/client.js';
import type { ImageVariants } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { episodeState, nextUnreadEpisode } from '../progress/rules.js';
import type { Position, ReaderScope } from '../spoilers/index.js';
import type { Storage } from '../storage/storage.js';
import * as q from './queries.js';

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
