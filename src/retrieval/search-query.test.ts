import { describe, expect, it } from 'vitest';
import { searchTerms, toWebSearch } from './search-query.js';

describe('toWebSearch', () => {
  it('joins the words of a question with or', () => {
    expect(toWebSearch('Who is Carrot?')).toBe('who or is or carrot');
  });
  it('drops websearch syntax and operator words', () => {
    expect(toWebSearch('"Pepper" -Carrot or (potion) and OR AND')).toBe('pepper or carrot or potion');
  });
  it('strips possessives and keeps accented letters', () => {
    expect(searchTerms("Pepper's cat, Eyeük’s cave")).toEqual(['pepper', 'cat', 'eyeük', 'cave']);
  });
  it('is null when nothing is searchable', () => {
    expect(toWebSearch('?? !! a')).toBeNull();
  });
  it('caps the number of terms', () => {
    expect(searchTerms(Array.from({ length: 40 }, (_, i) => `word${i}`).join(' '))).toHaveLength(16);
  });
});
