import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { citationsFor, citedPositions } from './citations.js';

const p = (chunkId: number, episode: number, page: number, over: Partial<Passage> = {}): Passage => ({
  chunkId,
  episode,
  page,
  source: 'dialogue',
  sourceRef: `${episode}/${page}`,
  text: `text of ${episode}/${page}`,
  title: null,
  current: false,
  score: 1,
  ...over,
});
const id = (s: string) => s;

describe('citedPositions', () => {
  it('reads [E/P] labels, also grouped, once each', () => {
    expect(citedPositions('She flies [1/2]. Later [3/4, 1/2; 5/6]. Not this: 7/8 or [x].')).toEqual([
      { episode: 1, page: 2 },
      { episode: 3, page: 4 },
      { episode: 5, page: 6 },
    ]);
  });
});

describe('citationsFor', () => {
  const passages = [p(1, 1, 2, { current: true }), p(2, 1, 1, { source: 'wiki', sourceRef: 'carrot#0', title: 'Carrot' }), p(3, 2, 5)];

  it('links the cited passages into the reader, only those in the prompt', () => {
    const cs = citationsFor('pepper-carrot', 'Yes [1/2]. Also [23/8] and [2/5].', passages, id);
    expect(cs.map((c) => [c.id, c.href, c.cited])).toEqual([
      ['pepper-carrot/1/2', '/read/pepper-carrot/1/2', true],
      ['pepper-carrot/2/5', '/read/pepper-carrot/2/5', true],
    ]);
  });

  it('links wiki passages to the wiki page', () => {
    const [c] = citationsFor('pepper-carrot', 'A cat [1/1].', passages, id);
    expect(c).toMatchObject({ kind: 'wiki', href: '/series/pepper-carrot/wiki/carrot', title: 'Carrot', episode: 1, page: 1, label: '1/1' });
  });

  it('offers the first passages as uncited sources when the answer cites nothing', () => {
    const cs = citationsFor('s', 'No labels here.', passages, id, 2);
    expect(cs.map((c) => [c.label, c.cited])).toEqual([
      ['1/2', false],
      ['1/1', false],
    ]);
  });

  it('passes snippets through the check it is given', () => {
    const [c] = citationsFor('s', '[2/5]', passages, (t) => t.replace('text', '…'));
    expect(c!.snippet).toBe('… of 2/5');
  });
});
