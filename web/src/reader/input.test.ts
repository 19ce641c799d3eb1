import { describe, expect, it } from 'vitest';
import { keyAction, swipeAction, zoneAction } from './input';

describe('reader input', () => {
  it('arrow keys follow the reading direction', () => {
    expect(keyAction('ArrowRight', 'ltr')).toBe('next');
    expect(keyAction('ArrowLeft', 'ltr')).toBe('prev');
    expect(keyAction('ArrowLeft', 'rtl')).toBe('next');
    expect(keyAction('ArrowRight', 'rtl')).toBe('prev');
    expect(keyAction('Home', 'rtl')).toBe('first');
    expect(keyAction('End', 'ltr')).toBe('last');
    expect(keyAction('Escape', 'ltr')).toBe('exit');
    expect(keyAction('a', 'ltr')).toBeNull();
  });

  it('swipes: long and mostly horizontal only', () => {
    expect(swipeAction(-80, 10, 'ltr')).toBe('next');
    expect(swipeAction(80, 10, 'ltr')).toBe('prev');
    expect(swipeAction(-80, 10, 'rtl')).toBe('prev');
    expect(swipeAction(80, 10, 'rtl')).toBe('next');
    expect(swipeAction(-20, 0, 'ltr')).toBeNull();
    expect(swipeAction(-80, 90, 'ltr')).toBeNull();
  });

  it('click zones', () => {
    expect(zoneAction('right', 'ltr')).toBe('next');
    expect(zoneAction('left', 'ltr')).toBe('prev');
    expect(zoneAction('left', 'rtl')).toBe('next');
  });
});
