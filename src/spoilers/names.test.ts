import { describe, expect, it } from 'vitest';
import { type EntityName, NameMatcher } from './names.js';

const n = (slug: string, name: string): EntityName => ({ slug, name });
const unreached = [n('coriander', 'Coriander'), n('savant-ant', 'Savant-Ant'), n('ah', 'Ah'), n('eyeuk', 'Eyeük'), n('temples', 'Temples of Ah'), n('tobin', 'Tobin')];
const visible = [n('pepper', 'Pepper'), n('carrot', 'Carrot')];
const m = new NameMatcher(unreached, visible);
const slugs = (text: string) => m.find(text).map((h) => h.ref);

describe('NameMatcher.find', () => {
  it('finds names whole-word, any case, with possessives and punctuation', () => {
    expect(slugs('Then Coriander arrived.')).toEqual(['coriander']);
    expect(slugs("CORIANDER's crown")).toEqual(['coriander']);
    expect(slugs('"coriander!"')).toEqual(['coriander']);
    expect(slugs('Ah! she said')).toEqual(['ah']);
    expect(m.find('Then Coriander arrived.')[0]).toMatchObject({ kind: 'entity', matched: 'Coriander', ref: 'coriander' });
  });

  it('does not find short names inside other words or across words', () => {
    expect(slugs('yeah, ahead, Pepper')).toEqual([]);
    expect(slugs('Carrot sleeps')).toEqual([]);
    expect(slugs('I want to bin it')).toEqual([]);
    expect(slugs('a ha')).toEqual([]);
  });

  it('folds accents, invisible characters and full-width forms', () => {
    expect(slugs('Córiander')).toEqual(['coriander']);
    expect(slugs('Cori\u200Bander')).toEqual(['coriander']);
    expect(slugs('Ｃｏｒｉａｎｄｅｒ')).toEqual(['coriander']);
    expect(slugs('Eyeuk appears')).toEqual(['eyeuk']);
    expect(slugs('EYEÜK appears')).toEqual(['eyeuk']);
    expect(slugs('ＴＯＢＩＮ')).toEqual(['tobin']);
  });

  it('folds Cyrillic and Greek look-alikes into Latin', () => {
    expect(slugs('C\u043eriander')).toEqual(['coriander']); // Cyrillic о
    expect(slugs('\u0421\u043e\u0433iander')).toEqual([]); // г is not a look-alike of r
    expect(slugs('\u0421\u043eri\u0430nd\u0435r')).toEqual(['coriander']);
    expect(slugs('T\u03bfbin')).toEqual(['tobin']); // Greek ο
  });

  it('finds long names spelled out, split or in leetspeak', () => {
    expect(slugs('C-o-r-i-a-n-d-e-r')).toEqual(['coriander']);
    expect(slugs('C o r i a n d e r')).toEqual(['coriander']);
    expect(slugs('C0r1and3r')).toEqual(['coriander']);
    expect(slugs('Cori ander')).toEqual(['coriander']);
    expect(slugs('savant ant')).toEqual(['savant-ant']);
    expect(slugs('Savant—Ant')).toEqual(['savant-ant']);
  });

  it.each(['T-o-b-i-n', 'T o b i n', 'T.o.b.i.n', 't_o_b_i_n', 'ToBiN', 'T. o. b. i. n.', 'T0b1n', 'say t-o-b-i-n now'])('finds a short name spelled out: %s', (text) => {
    expect(slugs(text)).toEqual(['tobin']);
  });

  it('reports offsets in the original text', () => {
    for (const text of ['Well, Córiander came.', 'Well, Ｃｏｒｉａｎｄｅｒ came.', 'So T-o-b-i-n, again']) {
      const [hit] = m.find(text);
      expect(text.slice(hit!.start, hit!.end)).toBe(hit!.matched);
      expect(hit!.matched).toMatch(/^[CＣT].*[rｒn]$/);
    }
  });

  it('an unreached name inside a visible longer name is not a hit', () => {
    const mm = new NameMatcher([n('ah', 'Ah')], [n('temples', 'Temples of Ah')]);
    expect(mm.find('the Temples of Ah are far')).toEqual([]);
    expect(mm.find('Ah is a coven')).toHaveLength(1);
    expect(mm.find('the Temples of Ah, and Ah itself')).toHaveLength(1);
  });

  it('an alias shared with a visible entity is not a spoiler', () => {
    const mm = new NameMatcher([n('queen', 'Coriander')], [n('princess', 'Coriander')]);
    expect(mm.empty).toBe(true);
    expect(mm.find('Coriander')).toEqual([]);
  });

  it('an empty matcher finds nothing', () => {
    expect(new NameMatcher([]).find('Coriander')).toEqual([]);
  });

  it('multi-word names need their words', () => {
    const mm = new NameMatcher([n('mayor', 'Mayor of Komona')]);
    expect(mm.find('the Mayor of Komona spoke').map((h) => h.matched)).toEqual(['Mayor of Komona']);
    expect(mm.find('the mayor spoke')).toEqual([]);
  });
});

describe('NameMatcher.open (stream hold-back)', () => {
  it('is open while the end of the text can still grow into a name', () => {
    expect(m.open('The ruler is Cori. ')).toBe(true);
    expect(m.open('The ruler is C-o-r-')).toBe(true);
    expect(m.open('Pepper flies home. ')).toBe(false);
    expect(m.open('Pepper flies home.\n\n\n\n')).toBe(false);
  });
});

function medianMs(fn: () => unknown, calls: number): number {
  fn();
  const times: number[] = [];
  for (let i = 0; i < calls; i++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return times.sort((x, y) => x - y)[calls >> 1]!;
}

describe('NameMatcher cost', () => {
  // Names sharing long prefixes: the old per-first-letter index tried every one of them at every "S".
  const names = (k: number) => Array.from({ length: k }, (_, i) => n(`s${i}`, `Savantissimo Grandmaster ${i.toString(36)}x`));
  const answer = 'Savantissimo Grandmaster walks on. '.repeat(92).slice(0, 3200);

  it('5,000 prefix-sharing names on a 3,200-character answer take well under 20 ms', () => {
    const mm = new NameMatcher(names(5000));
    expect(mm.find(answer)).toEqual([]);
    // The median of a few calls: one call stalled by another process on a shared machine says nothing.
    expect(medianMs(() => mm.find(answer), 15)).toBeLessThan(20);
  });

  it('doubling the names does not double the cost per call', () => {
    const small = new NameMatcher(names(5000));
    const large = new NameMatcher(names(10000));
    const a = medianMs(() => small.find(answer), 21);
    const b = medianMs(() => large.find(answer), 21);
    // Linear in the text, not in the names: generous bound (timer noise on a shared machine).
    expect(b).toBeLessThan(Math.max(1.6 * a, 3));
  });
});
