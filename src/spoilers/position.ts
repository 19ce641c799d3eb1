/** A reading position: episode number and page number as numbered in the pack. */
export interface Position {
  episode: number;
  page: number;
}

/** Lexicographic order: every page of an earlier episode comes before any page of a later one. */
export function comparePositions(a: Position, b: Position): number {
  return a.episode !== b.episode ? a.episode - b.episode : a.page - b.page;
}

/** Is content at `at` visible to a reader whose furthest page is `boundary` (inclusive)? */
export function isVisible(at: Position, boundary: Position | null): boolean {
  return boundary !== null && comparePositions(at, boundary) <= 0;
}

export const formatPosition = (p: Position): string => `${p.episode}/${p.page}`;
