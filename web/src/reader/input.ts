/** Keys and swipes → reader actions, for both reading directions. */
import type { Direction } from './book-layout';

export type ReaderAction = 'next' | 'prev' | 'first' | 'last' | 'exit';

export function keyAction(key: string, direction: Direction): ReaderAction | null {
  switch (key) {
    case 'ArrowRight':
      return direction === 'ltr' ? 'next' : 'prev';
    case 'ArrowLeft':
      return direction === 'ltr' ? 'prev' : 'next';
    case 'PageDown':
      return 'next';
    case 'PageUp':
      return 'prev';
    case 'Home':
      return 'first';
    case 'End':
      return 'last';
    case 'Escape':
      return 'exit';
    default:
      return null;
  }
}

export const SWIPE_MIN_PX = 40;

/**
 * A mostly horizontal drag of at least SWIPE_MIN_PX. Dragging the page to the
 * left turns forward in a left-to-right book and back in a right-to-left one.
 */
export function swipeAction(dx: number, dy: number, direction: Direction): 'next' | 'prev' | null {
  if (Math.abs(dx) < SWIPE_MIN_PX || Math.abs(dy) > Math.abs(dx) * 0.75) return null;
  const towardLeft = dx < 0;
  return towardLeft === (direction === 'ltr') ? 'next' : 'prev';
}

/** A mostly vertical drag of at least SWIPE_MIN_PX: up moves on (as the column of a vertical series scrolls), down back. */
export function verticalSwipeAction(dx: number, dy: number): 'next' | 'prev' | null {
  if (Math.abs(dy) < SWIPE_MIN_PX || Math.abs(dx) > Math.abs(dy) * 0.75) return null;
  return dy < 0 ? 'next' : 'prev';
}

/** Click zones: the left and right halves of the stage, mapped by direction. */
export function zoneAction(side: 'left' | 'right', direction: Direction): 'next' | 'prev' {
  return (side === 'right') === (direction === 'ltr') ? 'next' : 'prev';
}
