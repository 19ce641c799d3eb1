import { describe, expect, it } from 'vitest';
import { looksLikeCredits } from './credits.js';

describe('looksLikeCredits', () => {
  it('a page of thanks, patrons and a web address is credits', () => {
    expect(looksLikeCredits('Many thanks to\nAlex Silver Boonsak Andreas Rieger\nfunded by my 21 patrons on\nwww.patreon.com/davidrevoy')).toBe(true);
    expect(looksLikeCredits('Story and art: Ana Lee. Licensed under Creative Commons. Translation: Bo Chen')).toBe(true);
  });
  it('story lettering is not, even with one such word', () => {
    expect(looksLikeCredits('Thanks, Carrot! Now the potion is perfect.')).toBe(false);
    expect(looksLikeCredits('...and the last touch\nSHH\nPLOP')).toBe(false);
    expect(looksLikeCredits('')).toBe(false);
  });
});
