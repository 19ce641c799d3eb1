import { describe, expect, it } from 'vitest';
import { NameMatcher, StreamGuard } from '../spoilers/names.js';
import { ChatGuard } from './guard.js';

const names = new NameMatcher(
  [
    { slug: 'torreya', name: 'Torreya' },
    { slug: 'ah', name: 'Ah' },
    { slug: 'qualicity', name: 'Qualicity' },
  ],
  [{ slug: 'pepper', name: 'Pepper' }],
);
const guard = new ChatGuard(names, 6);

describe('ChatGuard', () => {
  it('finds unreached names and later episodes together, in order', () => {
    expect(guard.find('In episode 28 Torreya flies').map((h) => h.slug)).toEqual(['episode-28', 'torreya']);
  });

  it('redacts sentences with either', () => {
    expect(guard.redact('Pepper flies. In episode 9 she lands. Torreya waves. The end.').text).toBe('Pepper flies. … The end.');
  });

  it('a question naming an unreached entity or a later episode is caught; a two-letter name is left to the output guard', () => {
    expect(guard.questionHit('Who is Torreya?')?.slug).toBe('torreya');
    expect(guard.questionHit('What happens in episode 20?')?.slug).toBe('episode-20');
    expect(guard.questionHit('Ah, and who is Pepper?')).toBeNull();
  });

  it('drives a StreamGuard over split chunks of both kinds', () => {
    for (const chunks of [['She meets Tor', 'reya.'], ['See epis', 'ode 3', '0.']]) {
      const g = new StreamGuard(guard);
      let out = '';
      for (const c of chunks) out += g.push(c);
      out += g.end();
      expect(g.hit).not.toBeNull();
      expect(out).not.toMatch(/tor|epis/i);
    }
  });
});
