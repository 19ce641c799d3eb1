import { describe, expect, it } from 'vitest';
import { withoutSeriesTitle } from './title.js';

describe('withoutSeriesTitle', () => {
  it('removes the title as a logo letters it, in any case and spacing', () => {
    expect(withoutSeriesTitle('PEPPER & CARROT\nEpisode 2: Rainbow potions', 'Pepper&Carrot').trim()).toBe('Episode 2: Rainbow potions');
    expect(withoutSeriesTitle('pepper and carrot', 'Pepper&Carrot').trim()).toBe('');
    expect(withoutSeriesTitle('Pepper&Carrot', 'Pepper & Carrot').trim()).toBe('');
  });
  it("on an episode's opening page, each word of the title goes (a logo read in pieces)", () => {
    expect(withoutSeriesTitle('er g Carrot\nEpisode 2 Rainbow potions', 'Pepper&Carrot', { openingPage: true }).trim()).toBe('er g  \nEpisode 2 Rainbow potions'.trim());
    expect(withoutSeriesTitle('er g Carrot', 'Pepper&Carrot')).toBe('er g Carrot');
  });

  it('leaves the names when they are not the title', () => {
    expect(withoutSeriesTitle('Carrot! Come back, Pepper needs you', 'Pepper&Carrot')).toBe('Carrot! Come back, Pepper needs you');
    expect(withoutSeriesTitle('Peppermint and Carrots', 'Pepper&Carrot')).toBe('Peppermint and Carrots');
  });
});
