/** Shapes of the search API (docs/world.md). Only text the reader has reached is searched. */
export interface SearchResult {
  kind: 'page' | 'wiki';
  source: 'dialogue' | 'description' | 'wiki';
  episode: number;
  page: number;
  title: string;
  slug?: string;
  section?: string | null;
  anchor?: string | null;
  /** A web route: /read/:seriesId/:episode/:page or /series/:seriesId/wiki/:slug. */
  link: string;
  /** Plain text. */
  snippet: string;
  /** [start, end) UTF-16 offsets of matched words in `snippet`. */
  highlights: Array<[number, number]>;
}

export interface SearchResponse {
  seriesId: string;
  query: string;
  offset: number;
  limit: number;
  nextOffset: number | null;
  results: SearchResult[];
}
