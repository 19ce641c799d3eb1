import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { buildGuard } from '../spoilers/index.js';
import { QUOTE_HEADER, quoteAnswer, stem } from './quote.js';

const p = (chunkId: number, episode: number, page: number, text: string, over: Partial<Passage> = {}): Passage => ({
  chunkId,
  episode,
  page,
  source: 'dialogue',
  sourceRef: `${episode}/${page}`,
  text,
  title: null,
  current: false,
  score: 1,
  ...over,
});
const guard = buildGuard({
  position: { episode: 1, page: 2 },
  episodeEnd: 9,
  names: { unreached: [{ slug: 'hippiah', name: 'Hippiah' }], visible: [{ slug: 'carrot', name: 'Carrot' }] },
});
const redact = (t: string) => guard.redact(t, 'page').text;

describe('quoteAnswer', () => {
  const passages = [
    p(1, 1, 2, "ha... perfect\nNO! Don't even think about it\nSPLASH", { current: true }),
    p(2, 1, 1, "Carrot is Pepper's familiar, a male orange tabby cat. He was found in a Hippiah storage room. Carrot sleeps on potions.", {
      source: 'wiki',
      sourceRef: 'carrot#0',
      title: 'Carrot',
    }),
  ];

  it('quotes the matching lines with their pages, labelled as quotes', () => {
    const r = quoteAnswer('Who is Carrot?', passages, redact, { episode: 1, page: 2 });
    expect(r.text.startsWith(QUOTE_HEADER)).toBe(true);
    expect(r.text).toContain("> Carrot is Pepper's familiar, a male orange tabby cat.");
    expect(r.text).toContain('— Wiki: Carrot [1/1]');
    expect(r.used.map((u) => u.chunkId)).toEqual([2]);
  });

  it('withholds quoted sentences that name an unreached entity', () => {
    const r = quoteAnswer('Where was Carrot found?', passages, redact, { episode: 1, page: 2 });
    expect(r.text).not.toContain('Hippiah');
  });

  it('falls back to the page in view when no line matches', () => {
    const r = quoteAnswer('What is going on?', passages, redact, { episode: 1, page: 2 });
    expect(r.text).toContain('here is the page you are on');
    expect(r.text).toContain("> NO! Don't even think about it");
    expect(r.text).toContain('— Episode 1, page 2 [1/2]');
  });

  it('says so when nothing at all is visible', () => {
    const r = quoteAnswer('Who is Carrot?', [], redact, { episode: 1, page: 2 });
    expect(r.text).toContain("Nothing in what you've read so far (up to episode 1, page 2) matches that question.");
    expect(r.used).toEqual([]);
  });
});

describe('stem', () => {
  it('folds plurals and -ing/-ed forms', () => {
    expect(['potions', 'flying', 'watched', 'witches', 'stories', 'glass'].map(stem)).toEqual(['potion', 'fly', 'watch', 'witch', 'story', 'glass']);
  });
});
