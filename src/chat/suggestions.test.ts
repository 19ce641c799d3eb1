import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { buildGuard } from '../spoilers/index.js';
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

describe('templates', () => {
  it('ask about visible names in the passages and the page in view', () => {
    expect(templateSuggestions(ctx)).toEqual(['Who is Carrot?', 'What happens on page 3/2?', 'What has happened so far in episode 3?']);
  });

  it('phrase the question by kind', () => {
    const c = {
      ...ctx,
      question: 'Hi?',
      visible: [
        { name: 'Komona', kind: 'place' },
        { name: 'Chaosah', kind: 'coven' },
      ],
      passages: [{ ...passages[0]!, text: 'Komona and Chaosah' }],
    };
    expect(templateSuggestions(c).slice(0, 2)).toEqual(['What is Komona like?', 'What is Chaosah?']);
  });

  it('top up model suggestions to three', () => {
    expect(mergeSuggestions(['What potion does Pepper brew?'], ctx)).toEqual(['What potion does Pepper brew?', 'Who is Carrot?', 'What happens on page 3/2?']);
  });
});
