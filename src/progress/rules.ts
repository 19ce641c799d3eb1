/**
 * Progress rules (pure). Progress is the furthest page displayed; it only
 * moves forward here. Moving into the current or the next episode is reading;
 * jumping past the next unread episode must be confirmed by the reader.
 */
import { z } from 'zod';
import { comparePositions, type Position } from '../spoilers/index.js';

/** A position as a client sends it (progress requests, the pages on screen with a question): nothing else in it. */
export const positionBody = z.strictObject({
  episode: z.int().min(0).max(1_000_000),
  page: z.int().min(0).max(100_000),
});

export type AdvanceDecision = { kind: 'noop' } | { kind: 'advance' } | { kind: 'skip_ahead'; nextUnreadEpisode: number };

/** The first episode after the current one (or the first episode when nothing is read). */
export function nextUnreadEpisode(current: Position | null, episodeNumbers: readonly number[]): number | null {
  const sorted = [...episodeNumbers].sort((a, b) => a - b);
  if (!current) return sorted[0] ?? null;
  return sorted.find((n) => n > current.episode) ?? null;
}

export function decideAdvance(input: { current: Position | null; target: Position; episodeNumbers: readonly number[]; confirmSkip: boolean }): AdvanceDecision {
  const { current, target } = input;
  if (current && comparePositions(target, current) <= 0) return { kind: 'noop' };
  if (input.confirmSkip) return { kind: 'advance' };
  if (current && target.episode === current.episode) return { kind: 'advance' };
  const next = nextUnreadEpisode(current, input.episodeNumbers);
  if (next !== null && target.episode <= next) return { kind: 'advance' };
  return { kind: 'skip_ahead', nextUnreadEpisode: next ?? target.episode };
}

export type EpisodeState = 'read' | 'current' | 'next' | 'unread';

/**
 * An episode is read once its end is reached: `end` is its last story page
 * (spoilers episodeEnd, the one definition of a finished episode; credits after it do not count).
 */
export function episodeState(episode: { number: number; end: number }, current: Position | null, nextUnread: number | null): EpisodeState {
  if (current) {
    if (episode.number < current.episode) return 'read';
    if (episode.number === current.episode) return current.page >= episode.end ? 'read' : 'current';
  }
  return episode.number === nextUnread ? 'next' : 'unread';
}
