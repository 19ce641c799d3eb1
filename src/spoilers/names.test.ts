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

describe('NameMatcher: look-alike letters', () => {
  it('folds Cyrillic and Greek look-alikes into Latin', () => {
    expect(slugs('C\u043eriander')).toEqual(['coriander']); // Cyrillic о
    expect(slugs('\u0421\u043e\u0433iander')).toEqual([]); // г is not a look-alike of r
    expect(slugs('\u0421\u043eri\u0430nd\u0435r')).toEqual(['coriander']);
  });
});

describe('NameMatcher.pendingFrom', () => {
  it('points at the unfinished start of a possible name', () => {
    expect(m.pendingFrom('The ruler is Cori').unreached).toBe('The ruler is '.length);
    expect(m.pendingFrom('The ruler is C-o-r-').unreached).toBe('The ruler is '.length);
    expect(m.pendingFrom('Pepper flies home').unreached).toBe('Pepper flies home'.length);
  });

  it('a whole-word match at the very end is still open (one more letter breaks it)', () => {
    expect(m.pendingFrom('We went Ah').unreached).toBe('We went '.length);
    expect(m.pendingFrom('We went Ah.').unreached).toBe('We went Ah.'.length);
  });

  it('reports unfinished visible names that could still cover a hit', () => {
    const mm = new NameMatcher([n('ah', 'Ah')], [n('temples', 'Temples of Ah')]);
    expect(mm.pendingFrom('near the Temples of').visible).toBe('near the '.length);
    expect(mm.pendingFrom('near the hills').visible).toBe('near the hills'.length);
  });

  it('only looks from `from` on for unreached names', () => {
    expect(m.pendingFrom('Cori and then', 4).unreached).toBe('Cori and then'.length);
  });
});

describe('StreamGuard hold-back', () => {
  const run = (matcher: NameMatcher, chunks: string[]) => {
    const g = new StreamGuard(matcher);
    const released: string[] = [];
    for (const c of chunks) released.push(g.push(c));
    released.push(g.end());
    return { released, out: released.join(''), hit: g.hit };
  };

  it('releases clean text at once, holding back nothing', () => {
    const { released } = run(m, ['Pepper ', 'made ', 'a ', 'potion.']);
    expect(released.slice(0, 4)).toEqual(['Pepper ', 'made ', 'a ', 'potion.']);
  });

  it('a letter that could begin a spelled-out name waits for the next chunk only', () => {
    // "s" could start "s-a-v-a-n-t-a-n-t"; the next chunk settles it.
    const { released } = run(m, ['Pepper flies ', 'home.']);
    expect(released).toEqual(['Pepper flie', 's home.', '']);
  });

  it('holds only the possible start of a name, then releases it when it turns out clean', () => {
    const { released, hit } = run(m, ['She said Cor', 'n is tasty.']);
    expect(hit).toBeNull();
    expect(released[0]).toBe('She said ');
    expect(released.join('')).toBe('She said Corn is tasty.');
  });

  it('a short name split inside a longer word is not a hit ("Ah" + "ead")', () => {
    const { out, hit } = run(m, ['Go Ah', 'ead, Carrot.']);
    expect(hit).toBeNull();
    expect(out).toBe('Go Ahead, Carrot.');
  });

  it('an unreached name that turns out to be inside a visible name streams through', () => {
    const mm = new NameMatcher([n('ah', 'Ah')], [n('temples', 'Temples of Ah')]);
    const { out, hit } = run(mm, ['At the Temples ', 'of ', 'Ah', ' they rest.']);
    expect(hit).toBeNull();
    expect(out).toBe('At the Temples of Ah they rest.');
  });

  it('never releases the first words of a multi-word name', () => {
    const mm = new NameMatcher([n('mayor', 'Mayor of Komona')], []);
    const { out, hit } = run(mm, ['Then the Mayor', ' of', ' Komona', ' spoke.']);
    expect(hit?.slug).toBe('mayor');
    expect(out).toBe('Then the ');
  });

  it('a matcher without pendingFrom falls back to holding back maxSpan characters', () => {
    const plain = { maxSpan: 5, find: (t: string) => m.find(t) };
    const g = new StreamGuard(plain);
    expect(g.push('0123456789')).toBe('01234');
    expect(g.end()).toBe('56789');
  });

  it('agrees with find() on the whole text, whatever the chunking (randomised)', () => {
    let seed = 7;
    const rnd = (k: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % k;
    };
    const pieces = ['Pepper ', 'Carrot ', 'Cori', 'ander ', 'Ah', 'ead ', 'Ah! ', 'yeah ', 'C-o-r-i-a-n-d-e-r ', 'Temples of Ah ', 'Savant', '-Ant ', 'corn ', '. ', '\n', 'Eyeük ', 'Eye'];
    for (let round = 0; round < 400; round++) {
      let text = '';
      for (let i = 0, k = 3 + rnd(10); i < k; i++) text += pieces[rnd(pieces.length)];
      const chunks: string[] = [];
      for (let i = 0; i < text.length; ) {
        const len = 1 + rnd(6);
        chunks.push(text.slice(i, i + len));
        i += len;
      }
      const whole = m.find(text);
      const { out, hit } = run(m, chunks);
      if (whole.length === 0) {
        expect(hit, text).toBeNull();
        expect(out).toBe(text);
      } else {
        expect(hit, text).not.toBeNull();
        expect(out.length, text).toBeLessThanOrEqual(whole[0]!.start);
      }
    }
  });
});
