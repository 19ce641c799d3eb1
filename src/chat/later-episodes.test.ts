import { describe, expect, it } from 'vitest';
import { StreamGuard } from '../spoilers/names.js';
import { LaterEpisodeMatcher } from './later-episodes.js';

const at6 = new LaterEpisodeMatcher(6);
const later = (t: string) => at6.find(t).map((h) => h.slug);

describe('LaterEpisodeMatcher', () => {
  it('finds references to later episodes in their usual spellings', () => {
    expect(later('In episode 28 she is crowned.')).toEqual(['episode-28']);
    expect(later('see Ep. 36')).toEqual(['episode-36']);
    expect(later('ep28')).toEqual(['episode-28']);
    expect(later('Episode #7')).toEqual(['episode-7']);
    expect(later('chapters 3 and 30')).toEqual(['episode-30']);
    expect(later('episodes 18, 22')).toEqual(['episode-18']);
    expect(later('ISSUE no. 12')).toEqual(['episode-12']);
  });

  it('allows earlier and current episodes', () => {
    expect(later('In episode 4 and episode 6, Pepper…')).toEqual([]);
    expect(later('* See Episode 4 : Stroke of Genius')).toEqual([]);
  });

  it('does not read numbers inside other words', () => {
    expect(later('step 28, keep 30, deep 99')).toEqual([]);
  });

  it('finds citation labels past the position, alone or in groups', () => {
    const at = new LaterEpisodeMatcher({ episode: 6, page: 4 });
    const slugs = (t: string) => at.find(t).map((h) => h.slug);
    expect(slugs('she is crowned [27/1].')).toEqual(['page-27-1']);
    expect(slugs('as seen [6/5]')).toEqual(['page-6-5']);
    expect(slugs('as seen [6/4] and [2/1, 5/3]')).toEqual([]);
    expect(slugs('see [1/2; 36/10]')).toEqual(['page-36-10']);
  });

  it('the stream guard holds an open label until it closes', () => {
    const g = new StreamGuard(new LaterEpisodeMatcher({ episode: 6, page: 4 }));
    expect(g.push('Crowned [2')).toBe('Crowned ');
    expect(g.push('7/1] later')).toBe('');
    expect(g.hit?.slug).toBe('page-27-1');
  });

  it('the stream guard holds an unfinished reference and stops on a later one', () => {
    const g = new StreamGuard(at6);
    expect(g.push('Then in episode 2')).toBe('Then in ');
    expect(g.push('8 she')).toBe('');
    expect(g.hit?.slug).toBe('episode-28');
  });

  it('an earlier episode streams through once finished', () => {
    const g = new StreamGuard(at6);
    let out = g.push('Back in episode 4');
    out += g.push(', she flew.');
    out += g.end();
    expect(out).toBe('Back in episode 4, she flew.');
    expect(g.hit).toBeNull();
  });
});
