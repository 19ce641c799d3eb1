/** Reading positions compare in lexicographic order: (episode, page). See docs/architecture.md#the-spoiler-policy. */
import type { Position } from '../../../src/contract/index.js';

export const comparePositions = (a: Position, b: Position): number => (a.episode !== b.episode ? a.episode - b.episode : a.page - b.page);

/** Is `at` at or before `limit`? Nothing is at or before an unknown limit. */
export const atOrBefore = (at: Position, limit: Position | null | undefined): boolean => limit != null && comparePositions(at, limit) <= 0;

/** The earlier of two positions (either may be unknown). */
export function earlier(a: Position | null | undefined, b: Position | null | undefined): Position | null {
  if (!a) return b ?? null;
  if (!b) return a;
  return comparePositions(a, b) <= 0 ? a : b;
}
