/** Shapes of the reader API (DESIGN §11; src/catalog/catalog.ts is the source). */
export interface Position {
  episode: number;
  page: number;
}

export interface ImageRef {
  url: string;
  width: number;
  height: number;
  blurhash?: string;
  color?: string;
}

/** What the API sends instead of an image the reader has not reached. */
export interface Placeholder {
  placeholder: true;
  width: number;
  height: number;
  blurhash: string | null;
  color: string | null;
}

export type Cover = ImageRef | Placeholder;
export const isPlaceholder = (c: Cover | null): c is Placeholder => c !== null && 'placeholder' in c;

export type Direction = 'ltr' | 'rtl';
export type Layout = 'paged' | 'vertical';

export interface SeriesSummary {
  id: string;
  title: string;
  description: string | null;
  language: string;
  readingDirection: Direction;
  layout: Layout;
  license: string | null;
  licenseUrl: string | null;
  attribution: string;
  author: string | null;
  homepage: string | null;
  episodeCount: number;
  cover: ImageRef | null;
  progress: Position | null;
}

export type EpisodeState = 'read' | 'current' | 'next' | 'unread';

export interface Episode {
  number: number;
  title: string | null;
  displayTitle: string;
  state: EpisodeState;
  pageCount: number;
  cover: Cover | null;
  summary: string | null;
  attribution: string | null;
  license: string | null;
}

export interface SeriesDetail {
  series: Omit<SeriesSummary, 'cover' | 'progress'> & { showUnreadCovers: boolean };
  progress: Position | null;
  nextUnreadEpisode: number | null;
  episodes: Episode[];
}

export interface Page {
  number: number;
  kind: 'title' | 'story' | 'credits' | 'blank' | string;
  reached: boolean;
  image: ImageRef | null;
  thumbnail: Cover | null;
  alt: string;
  dialogue: string | null;
  description: string | null;
}

export interface EpisodeDetail {
  series: {
    id: string;
    title: string;
    readingDirection: Direction;
    layout: Layout;
    attribution: string;
    license: string | null;
    licenseUrl: string | null;
  };
  episode: Episode;
  progress: Position | null;
  pages: Page[];
}

export interface ProgressResult extends Position {
  advanced?: boolean;
}
