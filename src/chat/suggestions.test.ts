import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { buildGuard } from '../spoilers/index.js';
import { questionStems, stem } from './quote.js';
import { mergeSuggestions, type SuggestionContext, templateSuggestions, validateSuggestions } from './suggestions.js';

const guard = buildGuard({
  position: { episode: 3, page: 2 },
  episodeEnd: 9,
  names: {
    unreached: [{ slug: 'torreya', name: 'Torreya' }],
    visible: [
      { slug: 'pepper', name: 'Pepper' },
      { slug: 'carrot', name: 'Carrot' },
    ],
  },
});
const passages: Passage[] = [
  {
    chunkId: 1,
    episode: 3,
    page: 2,
    source: 'dialogue',
    sourceRef: '3/2',
    text: 'Pepper brews a potion.\nCarrot watches the cauldron.',
    title: null,
    current: true,
    score: 1,
  },
];
const ctx: SuggestionContext = {
  hasSpoiler: (t) => guard.has(t, 'generated'),
  visible: [
    { name: 'Pepper', kind: 'character' },
    { name: 'Carrot', kind: 'character' },
  ],
  passages,
  question: 'What is Pepper doing?',
  position: { episode: 3, page: 2 },
};

describe('validateSuggestions', () => {
  it('keeps short questions about visible things', () => {
    expect(validateSuggestions(['What potion does Pepper brew?', 'Why does Carrot watch the cauldron?'], ctx)).toEqual([
      'What potion does Pepper brew?',
      'Why does Carrot watch the cauldron?',
    ]);
  });

  it.each([
    ['Who is Torreya?', 'unreached name'],
    ['What happens to the potion in episode 12?', 'later episode'],
    ['What potion does Pepper brew', 'not a question'],
    ['What potion does Pepper brew in the long and winding story of this comic that we read so far today?', 'too long'],
    ['Where is the <b>potion</b>?', 'markup'],
    ['What is the weather like on Mars?', 'nothing visible'],
    ['Does Zorblax brew the potion?', 'unknown capitalised name'],
    ['What is Pepper doing?', 'same as the question'],
    [42, 'not a string'],
  ] as Array<[unknown, string]>)('rejects %j (%s)', (s) => {
    expect(validateSuggestions([s], ctx)).toEqual([]);
  });

  it('drops duplicates and keeps at most three', () => {
    const many = ['What potion does Pepper brew?', 'what potion does pepper brew?', 'Why does Carrot watch?', 'Where is the cauldron?', 'What does Carrot watch?'];
    expect(validateSuggestions(many, ctx)).toHaveLength(3);
  });
});

/** A chip's key words: its content words less the frame every template shares ("what … doing here?"). */
const FRAME = new Set(['happen', 'happened', 'doing', 'just', 'here', 'far', 'episode', 'like', 'who', 'what']);
const keyWords = (chip: string) => questionStems(chip).filter((w) => !FRAME.has(w));
const reachedStems = (ps: Passage[]) =>
  new Set(
    (
      ps
        .map((p) => p.text.toLowerCase())
        .join(' ')
        .match(/[\p{L}\p{N}]+/gu) ?? []
    ).map(stem),
  );

describe('templates', () => {
  const tallow: Passage[] = [
    { ...passages[0]!, chunkId: 7, page: 1, current: false, text: 'The Great Lantern flickers.\nPepper: Komona is far.' },
    { ...passages[0]!, chunkId: 8, page: 2, current: true, text: 'TOBIN: Lanterns mended!\nCARROT: Prrp?' },
  ];
  const many: SuggestionContext = {
    ...ctx,
    question: 'Hi?',
    visible: [
      { name: 'Pepper', kind: 'character' },
      { name: 'Tobin', kind: 'character' },
      { name: 'Carrot', kind: 'creature' },
      { name: 'The Great Lantern', kind: 'object' },
      { name: 'Komona', kind: 'place' },
    ],
    passages: tallow,
  };

  it('are questions a reader asks: no page numbers or fractions, no episode numbers', () => {
    for (const c of [ctx, many, { ...many, question: 'Who is Tobin?' }]) {
      const chips = templateSuggestions(c);
      expect(chips.length).toBeGreaterThanOrEqual(2);
      for (const chip of chips) {
        expect(chip).toMatch(/^\p{Lu}.{6,}\?$/u);
        expect(chip, chip).not.toMatch(/\d|\/|\bpage\b/i);
      }
    }
  });

  it('start with someone on the page in view, then who or what is named there, then what just happened', () => {
    // Tobin speaks on the page in view; Pepper only in an earlier passage.
    expect(templateSuggestions(many)).toEqual(['What is Tobin doing here?', 'Who is Carrot?', 'What just happened?']);
    expect(templateSuggestions(ctx)).toEqual(['What is Carrot doing here?', 'Who is Carrot?', 'What just happened?']);
  });

  it('are answerable: every key word occurs in a passage the turn reached', () => {
    for (const c of [ctx, many, { ...many, question: 'Who is Tobin?' }, { ...many, passages: [tallow[0]!] }]) {
      const reached = reachedStems(c.passages);
      for (const chip of templateSuggestions(c)) for (const w of keyWords(chip)) expect(reached.has(w), `${chip}: "${w}"`).toBe(true);
    }
  });

  it('skip what the reader just asked about, and fall back to the passages when the page in view names no one', () => {
    expect(templateSuggestions({ ...many, question: 'What is Tobin doing?' })).toEqual([
      'What is Carrot doing here?',
      'What is the Great Lantern?',
      'What just happened?',
    ]);
    expect(templateSuggestions({ ...many, passages: [tallow[0]!] })).toEqual([
      'What is the Great Lantern?',
      'What has happened so far in this episode?',
      'Who is Pepper?',
    ]);
  });

  it('phrase the question by kind', () => {
    const c = {
      ...ctx,
      question: 'Hi?',
      visible: [
        { name: 'Komona', kind: 'place' },
        { name: 'Chaosah', kind: 'coven' },
      ],
      passages: [{ ...passages[0]!, current: false, text: 'Komona and Chaosah' }],
    };
    expect(templateSuggestions(c)[0]).toBe('What is Komona like?');
    expect(templateSuggestions({ ...c, visible: [c.visible[1]!] })[0]).toBe('What is Chaosah?');
  });

  it('go through the guard', () => {
    const chips = templateSuggestions({ ...many, hasSpoiler: (t) => /Tobin|just/.test(t) });
    expect(chips).toEqual(['What is Carrot doing here?', 'What is the Great Lantern?', 'What has happened so far in this episode?']);
  });

  it('are in French when the series is', () => {
    const fr: Passage[] = [{ ...passages[0]!, text: "Pepper : Je ne sais pas ce que c'est.\nCarrot regarde la potion dans le chaudron." }];
    expect(templateSuggestions({ ...ctx, passages: fr, question: 'Hi?', language: 'fr' })).toEqual([
      'Que fait Pepper ici ?',
      'Qui est Carrot ?',
      'Que vient-il de se passer ?',
    ]);
  });

  it('top up model suggestions to three', () => {
    expect(mergeSuggestions(['What potion does Pepper brew?'], ctx)).toEqual(['What potion does Pepper brew?', 'What is Carrot doing here?', 'Who is Carrot?']);
  });
});
