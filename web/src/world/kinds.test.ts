import { describe, expect, it } from 'vitest';
import { askAbout, initialOf, kindLook } from './kinds';

describe('kinds', () => {
  it('a look per kind, and a neutral one for words it does not know', () => {
    expect(kindLook('character').icon).toBe('person');
    expect(kindLook('Place').icon).toBe('place');
    expect(kindLook('coven').icon).toBe('group');
    expect(kindLook('entity')).toMatchObject({ icon: 'dot', label: 'Entity' });
  });
  it('initials skip a leading article', () => {
    expect(initialOf('The Great Lantern')).toBe('G');
    expect(initialOf('Ada Quill')).toBe('A');
    expect(initialOf('éclair')).toBe('É');
    expect(initialOf('  ')).toBe('?');
  });
  it('the question to ask about a node', () => {
    expect(askAbout('Tobin', 'character')).toBe('Who is Tobin?');
    expect(askAbout('Flit', 'creature')).toBe('Who is Flit?');
    expect(askAbout('The Undercroft', 'place')).toBe('What is the Undercroft?');
  });
});
