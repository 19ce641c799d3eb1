import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buildGuard, episodeSafe, type GuardInput } from './guard.js';
import type { EntityName } from './names.js';
import { type SentenceCheck, type SpoilerGuard, WITHHELD, type WordCheck } from './policy.js';

const n = (slug: string, name: string): EntityName => ({ slug, name });
const input = (over: Partial<GuardInput> = {}): GuardInput => ({
  position: { episode: 6, page: 4 },
  episodeEnd: 9,
  names: {
    unreached: [n('torreya', 'Torreya'), n('ah', 'Ah'), n('qualicity', 'Qualicity'), n('coriander', 'Coriander'), n('tobin', 'Tobin')],
    visible: [n('pepper', 'Pepper'), n('carrot', 'Carrot'), n('temples', 'Temples of Ah')],
  },
  ...over,
});
const guard = buildGuard(input());
const kinds = (g: SpoilerGuard, t: string, kind?: 'lore' | 'page' | 'generated') => g.find(t, kind).map((h) => `${h.kind}:${h.ref}`);

async function streamed(g: SpoilerGuard, chunks: string[]) {
  const s = g.stream();
  let out = '';
  for (const c of chunks) out += await s.push(c);
  out += await s.end();
  return { out, withheld: s.withheld, hits: s.hits };
}

describe('episodeSafe', () => {
  const at = (episode: number, page: number, episodeEnd: number | null = 9) => ({ position: { episode, page }, episodeEnd });
  it('lore may name earlier episodes, and the current one only once it is finished', () => {
    expect(episodeSafe(5, at(6, 1), 'lore')).toBe(true);
    expect(episodeSafe(6, at(6, 8), 'lore')).toBe(false);
    expect(episodeSafe(6, at(6, 9), 'lore')).toBe(true);
    expect(episodeSafe(7, at(6, 9), 'lore')).toBe(false);
  });
  it('pages and generated text may name the current episode, never a later one', () => {
    expect(episodeSafe(6, at(6, 0), 'page')).toBe(true);
    expect(episodeSafe(6, at(6, 0), 'generated')).toBe(true);
    expect(episodeSafe(7, at(6, 0), 'page')).toBe(false);
  });
  it('without a position nothing is safe', () => {
    expect(episodeSafe(1, { position: null, episodeEnd: null }, 'lore')).toBe(false);
  });
});

describe('SpoilerGuard.find', () => {
  it('finds unreached names and later episodes together, in order', () => {
    expect(kinds(guard, 'In episode 28 Torreya flies', 'generated')).toEqual(['episode:28', 'entity:torreya']);
    expect(kinds(guard, 'crowned [27/1], as seen [6/4]', 'generated')).toEqual(['page:27/1']);
  });
  it('lore withholds the current episode until it is finished; pages and answers do not', () => {
    expect(kinds(guard, 'The first contest, in episode 6, ended badly.', 'lore')).toEqual(['episode:6']);
    expect(kinds(guard, 'The first contest, in episode 6, ended badly.', 'generated')).toEqual([]);
    expect(kinds(buildGuard(input({ position: { episode: 6, page: 9 } })), 'in episode 6', 'lore')).toEqual([]);
  });
});

describe('SpoilerGuard.redact', () => {
  it('withholds sentences with unreached names or unfinished episodes, keeps the rest', () => {
    expect(guard.redact('Pepper flies. Her partner is Torreya. The first contest, in episode 6, ended badly. It rained (ep. 5).')).toMatchObject({
      text: 'Pepper flies. … It rained (ep. 5).',
      withheld: 2,
    });
  });
  it('page text keeps its own episode, loses later ones', () => {
    expect(guard.redact('Episode 6 : The Potion Contest\nNext: episode 7!', 'page').text).toBe('Episode 6 : The Potion Contest\n…');
  });
  it('"(ep. 36)" withholds its sentence', () => {
    const r = guard.redact('Pepper demands a transfer to stop a war (ep. 36). Then she rests.');
    expect(r.text).toBe('… Then she rests.');
    expect(r.hits.map((h) => h.matched)).toEqual(['ep. 36']);
  });
  it('a name spelled across a sentence break withholds both sentences', () => {
    expect(guard.redact('The rider is Torr. eya, a dragon rider. Fine.').text).toBe('… Fine.');
  });
  it('a name inside a visible longer name is excused', () => {
    expect(guard.redact('They pray at the Temples of Ah. Ah rules them.').text).toBe('They pray at the Temples of Ah. …');
  });
  it.each([
    'in ｅｐｉｓｏｄｅ ３６ she flies.',
    'in ep\u200B36 she flies.',
    'in ep-36 she flies.',
    'in Episode: 36 she flies.',
    'in EP.36 she flies.',
    'in episode no. 36 she flies.',
    'in the 36th episode she flies.',
    'in Episode XXXVI she flies.',
    "dans l'épisode 36 elle vole.",
  ])('episode references however written: %s', (text) => {
    expect(guard.redact(`Pepper is a witch. ${text}`).text.trimEnd()).toBe(`Pepper is a witch. ${WITHHELD}`);
  });
  it('clean text passes unchanged', () => {
    const text = 'Pepper flies over the forest.\nCarrot sleeps (ep. 5). At first, one day, wait a second.';
    expect(guard.redact(text)).toEqual({ text, withheld: 0, hits: [] });
  });
});

describe('SpoilerGuard.label and questionHit', () => {
  it('labels are all or nothing', () => {
    expect(guard.label('Pepper')).toBe('Pepper');
    expect(guard.label('Torreya and the dragon')).toBeNull();
    expect(guard.label('Episode 7')).toBeNull();
  });
  it('a question naming an unreached entity or a later episode is caught; a two-letter name is left to the output guard', () => {
    expect(guard.questionHit('Who is Torreya?')?.ref).toBe('torreya');
    expect(guard.questionHit('Who is T-o-b-i-n?')?.ref).toBe('tobin');
    expect(guard.questionHit('What happens in episode 20?')).toMatchObject({ kind: 'episode', ref: '20' });
    expect(guard.questionHit('Ah, and who is Pepper?')).toBeNull();
    expect(guard.questionHit('What did Pepper do in episode 6?')).toBeNull();
  });
});

describe('pluggable checks', () => {
  // A test-local vocabulary check: the word "dragon" spoils in lore and answers, not on pages.
  const dragon: WordCheck = {
    kinds: ['lore', 'generated'],
    find: (text) =>
      [...text.matchAll(/dragon/gi)].map((m) => ({ kind: 'vocabulary' as const, matched: m[0], ref: 'dragon', start: m.index, end: m.index + m[0].length })),
  };
  // A test-local paraphrase check: a sentence about a crown.
  const judged: string[] = [];
  const crown: SentenceCheck = {
    judge: async (sentence) => {
      judged.push(sentence);
      const i = sentence.indexOf('crown');
      return i < 0 ? null : { kind: 'paraphrase', matched: 'crown', ref: '27/1', start: i, end: i + 5 };
    },
  };
  const g = buildGuard(input({ checks: { word: [dragon], sentence: [crown] } }));

  it('word checks run in find/has/redact/label for the kinds they name', () => {
    expect(kinds(g, 'A dragon sleeps.', 'lore')).toEqual(['vocabulary:dragon']);
    expect(g.has('A dragon sleeps.', 'page')).toBe(false);
    expect(g.redact('A dragon sleeps. Pepper flies.').text).toBe('… Pepper flies.');
    expect(g.label('dragon')).toBeNull();
  });

  it('sentence checks run on generated text only, each sentence once', async () => {
    judged.length = 0;
    expect(g.redact('She gets a crown. Fine.').withheld).toBe(0);
    const r = await g.redactGenerated('She gets a crown. Fine. A dragon!');
    expect(r.text).toBe('… Fine. …');
    expect(r.hits.map((h) => h.kind)).toEqual(['paraphrase', 'vocabulary']);
    expect(judged).toEqual(['She gets a crown. ', 'Fine. ']);
  });

  it('the stream runs both and withholds by sentence', async () => {
    const r = await streamed(g, ['She gets a cr', 'own. Fine. A dra', 'gon!']);
    expect(r.out).toBe('… Fine. …');
    expect(r.withheld).toBe(2);
    expect(r.hits.map((h) => h.kind)).toEqual(['paraphrase', 'vocabulary']);
  });
});

describe('GuardedStream', () => {
  it('passes clean text through unchanged', async () => {
    const text = 'Pepper and Carrot fly to the market. '.repeat(20);
    expect((await streamed(guard, [text])).out).toBe(text);
    expect((await streamed(guard, [...text])).out).toBe(text);
  });

  it('withholds the sentence and goes on with the next one', async () => {
    const r = await streamed(guard, ['Pepper flies. The next ruler is Cori', 'ander, of course. Carrot ', 'sleeps.']);
    expect(r.out).toBe('Pepper flies. … Carrot sleeps.');
    expect(r.withheld).toBe(1);
    expect(r.hits[0]).toMatchObject({ kind: 'entity', ref: 'coriander' });
  });

  it('releases a sentence once it ends, never part of one', async () => {
    const s = guard.stream();
    expect(await s.push('Pepper mixes a potion')).toBe('');
    expect(await s.push(' in the kitchen. Carrot')).toBe('Pepper mixes a potion in the kitchen. ');
    expect(await s.push(' naps')).toBe('');
    expect(await s.end()).toBe('Carrot naps');
  });

  it('releases a sentence when its end punctuation arrives, not when the next one begins', async () => {
    const s = guard.stream();
    expect(await s.push('Pepper mixes a potion in the kitchen.')).toBe('Pepper mixes a potion in the kitchen.');
    expect(await s.push('" ')).toBe('" ');
    expect(await s.push('Torreya flies!')).toBe('…');
    // What follows a withheld sentence's end is its own: it goes with it.
    expect(await s.push('!" ')).toBe('');
    expect(await s.push('Carrot naps at 3.')).toBe('');
    expect(await s.push('5 o’clock. ')).toBe(' Carrot naps at 3.5 o’clock. ');
    expect(await s.end()).toBe('');
    expect(s.withheld).toBe(1);
  });

  it('a name cut by a sentence end withholds the sentences it spans', async () => {
    const r = await streamed(guard, ['Pepper flies. The rider is Torr. ', 'eya, a dragon rider. Fine.']);
    expect(r.out).toBe('Pepper flies. … Fine.');
  });

  it('judges a long run without a sentence end at a clause boundary', async () => {
    const s = guard.stream();
    let out = '';
    for (let i = 0; i < 80; i++) out += await s.push('and then, ');
    expect(out.length).toBeGreaterThan(0);
    out += await s.push('Torreya came');
    out += await s.end();
    expect(out).toMatch(/…$/);
    expect(out).not.toMatch(/Torreya/);
  });

  it('a sentence end judged on arrival is an end in the whole text too ("Ahe.g. T. o. b. i. n")', async () => {
    // Found by the property below: the stream released "Ahe." at its period; the whole text did not cut there.
    for (const text of ['Ahe.g. T. o. b. i. n ', 'Fine.Cori. ander. Ok.', 'She went."Tobin," he said.', 'See 3.5 and e.g. Tobin.']) {
      const whole = await guard.redactGenerated(text);
      for (const size of [1, 2, 3]) {
        const chunks = text.match(new RegExp(`[\\s\\S]{1,${size}}`, 'g'))!;
        const s = await streamed(guard, chunks);
        expect(s.out, `${text} by ${size}`).toBe(whole.text);
      }
      expect(whole.text).not.toMatch(/T\. o\. b|Tobin|Cori/);
    }
  });

  it('equals whole-text redaction whatever the chunking (property)', async () => {
    const pieces = [
      'Pepper ',
      'Carrot ',
      'Cori',
      'ander ',
      'Ah',
      'ead ',
      'Ah! ',
      'yeah ',
      'C-o-r-i-a-n-d-e-r ',
      'Temples of Ah ',
      'T. o. b. i. n ',
      'to bin ',
      'corn ',
      '. ',
      '! ',
      '\n',
      'episode ',
      '7',
      '5',
      ' and ',
      'ep. ',
      '[27/1] ',
      '[3/2] ',
      'the sixth ',
      'episode',
      'Torr',
      'eya ',
      'Mr. ',
      ', ',
      // Cut by a sentence end: the stream must hold the first sentence until it knows.
      'Torr. ',
      'Cori! ',
      'Temples of. ',
      'in episode. ',
      // A sentence judged at its end punctuation, before what still belongs to it arrives.
      'Ah!" ',
      'Cori?! ',
      'Carrot… ',
      'Pepper.)\n\n',
      'corn." ',
      'episode 3. ',
      '3.5 ',
      'e.g. ',
      // End punctuation followed by no whitespace ("Ahe.g", "went.Fine", '!"x') and a spelled-out name.
      '.',
      '!"',
      'x',
      'T. o. b. i. n ',
    ];
    const g = buildGuard(
      input({
        checks: {
          word: [],
          sentence: [
            {
              judge: async (s) => (s.includes('corn') ? { kind: 'paraphrase', matched: 'corn', ref: '1/1', start: s.indexOf('corn'), end: s.indexOf('corn') + 4 } : null),
            },
          ],
        },
      }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom(...pieces), { minLength: 1, maxLength: 40 }),
        fc.array(fc.integer({ min: 1, max: 12 }), { minLength: 1, maxLength: 20 }),
        async (ps, sizes) => {
          const text = ps.join('');
          const chunks: string[] = [];
          for (let i = 0, k = 0; i < text.length; k++) {
            const len = sizes[k % sizes.length]!;
            chunks.push(text.slice(i, i + len));
            i += len;
          }
          const whole = await g.redactGenerated(text);
          const s = await streamed(g, chunks);
          expect(s.out).toBe(whole.text);
          expect(s.withheld).toBe(whole.withheld);
        },
      ),
      { numRuns: 500 },
    );
  });
});
