import type { Position } from '../../../src/contract/index.js';

/** "Episode 4 of 23, page 3" (or "Not started"). */
export function formatProgress(progress: Position | null, episodeCount: number): string {
  if (!progress) return 'Not started';
  return `Episode ${progress.episode} of ${episodeCount}, page ${progress.page}`;
}

/** "Have you read episodes 1–11?" / "Have you read episode 1?" */
export function skipQuestion(episodes: readonly number[], target: number): string {
  const before = episodes.filter((n) => n < target);
  if (before.length === 0) return `Open episode ${target}?`;
  if (before.length === 1) return `Have you read episode ${before[0]}?`;
  return `Have you read episodes ${before[0]}–${before[before.length - 1]}?`;
}

/** A reader page's address. Peeking is never in it (reader/peek.ts): a link cannot skip the skip-ahead question. */
export const readerPath = (seriesId: string, at: Position) => `/read/${encodeURIComponent(seriesId)}/${at.episode}/${at.page}`;
