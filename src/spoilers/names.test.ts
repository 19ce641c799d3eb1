import { describe, expect, it } from 'vitest';
import { NameMatcher, splitSentences, StreamGuard, type EntityName } from './names.js';

const n = (slug: string, name: string): EntityName => ({ slug, name });
const unreached = [n('coriander', 'Coriander'), n('savant-ant', 'Savant-Ant'), n('ah', 'Ah'), n('eyeuk', 'Eyeük'), n('temples', 'Temples of Ah')];
const visible = [n('pepper', 'Pepper'), n('carrot', 'Carrot')];
const m = new NameMatcher(unreached, visible);
const slugs = (text: string) => m.find(text).map((h) => h.slug);

describe('NameMatcher.find', () => {
  it('finds names whole-word, any case, with possessives and punctuation', () => {
    expect(slugs('Then Coriander arrived.')).toEqual(['coriander']);
    expect(slugs("CORIANDER's crown")).toEqual(['coriander']);
    expect(slugs('"coriander!"')).toEqual(['coriander']);
    expect(slugs('Ah! she said')).toEqual(['ah']);
  });

  it('does not find short names inside other words', () => {
    expect(slugs('yeah, ahead, Pepper')).toEqual([]);
    expect(slugs('Carrot sleeps')).toEqual([]);
  });

  it('folds accents, invisible characters and full-width forms', () => {
    expect(slugs('Córiander')).toEqual(['coriander']);
    expect(slugs('Cori\u200Bander')).toEqual(['coriander']);
    expect(slugs('Ｃｏｒｉａｎｄｅｒ')).toEqual(['coriander']);
    expect(slugs('Eyeuk appears')).toEqual(['eyeuk']);
    expect(slugs('EYEÜK appears')).toEqual(['eyeuk']);
  });

  it('finds long names spelled out or in leetspeak', () => {
    expect(slugs('C-o-r-i-a-n-d-e-r')).toEqual(['coriander']);
    expect(slugs('C o r i a n d e r')).toEqual(['coriander']);
    expect(slugs('C0r1and3r')).toEqual(['coriander']);
    expect(slugs('savant ant')).toEqual(['savant-ant']);
    expect(slugs('Savant—Ant')).toEqual(['savant-ant']);
  });

  it('reports offsets in the original text', () => {
    const text = 'Well, Córiander came.';
    const [hit] = m.find(text);
    expect(text.slice(hit!.start, hit!.end)).toBe('Córiander');
  });

  it('an unreached name inside a visible longer name is not a hit', () => {
    const mm = new NameMatcher([n('ah', 'Ah')], [n('temples', 'Temples of Ah')]);
    expect(mm.find('the Temples of Ah are far')).toEqual([]);
    expect(mm.find('Ah is a coven')).toHaveLength(1);
  });

  it('an alias shared with a visible entity is not a spoiler', () => {
    const mm = new NameMatcher([n('queen', 'Coriander')], [n('princess', 'Coriander')]);
    expect(mm.empty).toBe(true);
    expect(mm.find('Coriander')).toEqual([]);
  });

  it('an empty matcher finds nothing', () => {
    expect(new NameMatcher([]).find('Coriander')).toEqual([]);
  });
});

describe('NameMatcher.redact', () => {
  it('withholds exactly the sentences that name an unreached entity', () => {
    const r = m.redact('Pepper is a witch. Coriander is a princess. Carrot is a cat.');
    expect(r).toEqual({ text: 'Pepper is a witch. … Carrot is a cat.', withheld: 1 });
  });

  it('collapses neighbouring withheld sentences and keeps line breaks', () => {
    const r = m.redact('Coriander rules. Eyeük waits.\nPepper flies.');
    expect(r.text).toBe('…\nPepper flies.');
    expect(r.withheld).toBe(2);
  });

  it('leaves clean text alone', () => {
    expect(m.redact('Pepper flies over 3.5 hills.')).toEqual({ text: 'Pepper flies over 3.5 hills.', withheld: 0 });
  });
});

describe('splitSentences', () => {
  it('joins back to the input', () => {
    for (const t of ['a. b! c? d… e', 'x\ny\n\nz', '"Hi!" she said. Then 3.5', '']) expect(splitSentences(t).join('')).toBe(t);
  });
  it('splits after sentence ends and line breaks only', () => {
    expect(splitSentences('One. Two 3.5!\nThree')).toEqual(['One. ', 'Two 3.5!\n', 'Three']);
  });
});

describe('StreamGuard', () => {
  const feed = (chunks: string[]) => {
    const g = new StreamGuard(m);
    let out = '';
    for (const c of chunks) out += g.push(c);
    out += g.end();
    return { out, hit: g.hit };
  };

  it('passes clean text through unchanged, whatever the chunking', () => {
    const text = 'Pepper and Carrot fly to the market. '.repeat(20);
    expect(feed([text])).toEqual({ out: text, hit: null });
    expect(feed([...text])).toEqual({ out: text, hit: null });
  });

  it('stops on a name split across chunks, before any of it is released', () => {
    for (const chunks of [
      ['The next ruler is Cori', 'ander, of course.'],
      ['The next ruler is C', 'o', 'r', 'i', 'a', 'n', 'd', 'e', 'r'],
      ['The next ruler is C-o-r-i-', 'a-n-d-e-r'],
    ]) {
      const { out, hit } = feed(chunks);
      expect(hit?.slug).toBe('coriander');
      expect(out.toLowerCase()).not.toMatch(/cor/);
    }
  });

  it('releases text that can no longer become a name as it streams', () => {
    const g = new StreamGuard(m);
    const released = g.push('Pepper mixes a potion in the kitchen while Carrot naps on the chair near the window and dreams.');
    expect(released.length).toBeGreaterThan(0);
    expect(g.push(' More')).toBeTypeOf('string');
  });

  it('releases nothing more after tripping', () => {
    const g = new StreamGuard(m);
    g.push('Ah');
    g.push('! Coriander');
    expect(g.hit).not.toBeNull();
    expect(g.push(' and clean text')).toBe('');
    expect(g.end()).toBe('');
  });
});
