import { describe, expect, it } from 'vitest';
import type { ChunkHit } from './queries.js';
import { assemblePassages, markNamed, mergeHits, NAMED, pagesInView, recapPages, routeLead } from './retriever.js';
import type { Route } from './route.js';

let next = 1;
const hit = (episode: number, page: number, over: Partial<ChunkHit> = {}): ChunkHit => ({
  chunkId: next++,
  episode,
  page,
  source: 'dialogue',
  sourceRef: `${episode}/${page}`,
  text: `text ${episode}/${page}`,
  title: null,
  ...over,
});
const wiki = (slug: string, over: Partial<ChunkHit> = {}) => hit(1, 1, { source: 'wiki', sourceRef: `${slug}#intro`, title: slug, ...over });
const label = (p: { source: string; sourceRef: string; episode: number; page: number }) => (p.source === 'wiki' ? p.sourceRef : `${p.episode}/${p.page}`);

describe('assemblePassages', () => {
  it('keeps the page in view first and at most two wiki passages the question is not about in the first five', () => {
    const current = hit(3, 4);
    const lore = ['a', 'b', 'c', 'd'].map((s, i) => wiki(s, { rank: 1 - i * 0.1 }));
    const story = [hit(3, 2, { rank: 0.05 }), hit(2, 1, { rank: 0.04 })];
    // Lore found by both searches outranks story pages found by one (even counted twice as story).
    const nearest = lore.map((h, i) => ({ ...h, rank: 0.1 + i * 0.1 }));
    const passages = assemblePassages({ text: [...lore, ...story], vector: nearest, current: [current] });
    expect(passages.slice(0, 5).map(label)).toEqual(['3/4', 'a#intro', 'b#intro', '3/2', '2/1']);
    expect(passages.map(label).slice(5)).toEqual(['c#intro', 'd#intro']);
  });

  it('lets wiki passages the question is about (focus) through', () => {
    const lore = ['a', 'b', 'c'].map((s, i) => wiki(s, { rank: 1 - i * 0.1, focus: 1 }));
    const passages = assemblePassages({ text: [...lore, hit(3, 2, { rank: 0.05 })], vector: [], current: [] });
    expect(passages.map(label)).toEqual(['a#intro', 'b#intro', 'c#intro', '3/2']);
  });

  it('ranks hits in the part of the story the question is about above others', () => {
    const elsewhere = hit(1, 2, { rank: 0.9 });
    const here = hit(5, 3, { rank: 0.5, focus: 1 });
    const near = hit(5, 2, { rank: 0.3, focus: 0 });
    const passages = assemblePassages({
      text: [elsewhere, here, near],
      vector: [
        { ...here, rank: 0.2 },
        { ...elsewhere, rank: 0.3 },
      ],
      current: [],
    });
    expect(passages.map(label)).toEqual(['5/3', '1/2', '5/2']);
  });

  it('puts recap pages right after the page in view', () => {
    const recap = [hit(4, 1, { focus: 2 }), hit(4, 5, { focus: 2 })];
    const passages = assemblePassages({ text: [hit(2, 2, { rank: 0.9 }), ...recap], vector: [], current: [hit(5, 1)] });
    expect(passages.map(label)).toEqual(['5/1', '4/1', '4/5', '2/2']);
  });
});

describe('recapPages', () => {
  it('spreads the pages of one episode from its start to its end', () => {
    const pages = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => hit(6, p, { focus: 2 }));
    expect(recapPages(pages, false).map(label)).toEqual(['6/1', '6/4', '6/6', '6/9']);
    expect(recapPages(pages.slice(0, 3), false)).toHaveLength(3);
  });
  it('keeps every episode ending for a recap of the story', () => {
    const endings = [hit(9, 7, { focus: 2 }), hit(8, 6, { focus: 2 }), hit(7, 8, { focus: 2 }), hit(6, 9, { focus: 2 }), hit(5, 8, { focus: 2 })];
    expect(recapPages(endings, true)).toEqual(endings);
  });
});

describe('mergeHits', () => {
  it('keeps each chunk once, with its strongest focus', () => {
    const a = hit(1, 1, { rank: 0.5 });
    const merged = mergeHits([a], [{ ...a, focus: 2 }], [hit(1, 2)]);
    expect(merged).toHaveLength(2);
    expect(merged[0]).toMatchObject({ chunkId: a.chunkId, rank: 0.5, focus: 2 });
  });
});

describe('assemblePassages and the page in view', () => {
  it('puts the page in view right after the best passage when the question is about another part of the story', () => {
    const view = hit(5, 4, { focus: 0 });
    const passages = assemblePassages({ text: [hit(4, 2, { rank: 0.9, focus: 1 }), hit(5, 1, { rank: 0.5, focus: 1 })], vector: [], current: [view] });
    expect(passages.map(label)).toEqual(['4/2', '5/4', '5/1']);
    expect(passages[1]?.current).toBe(true);
  });
  it('keeps it first when the question is about it, and when nothing else was found', () => {
    expect(assemblePassages({ text: [hit(4, 2, { rank: 0.9 })], vector: [], current: [hit(5, 4, { focus: 1 })] }).map(label)).toEqual(['5/4', '4/2']);
    expect(assemblePassages({ text: [], vector: [], current: [hit(5, 4, { focus: 0 })] }).map(label)).toEqual(['5/4']);
  });
});

describe('the page in view, by the route', () => {
  const route = (kind: Route['kind']): Route => ({ kind, episodes: kind === 'page' || kind === 'entity' || kind === 'follow_up' ? null : 'current' });
  const inView = (kind: Route['kind'], view: ChunkHit[]) => pagesInView({ viewHits: view, positionHits: [], route: route(kind) }, []);

  it('leads for what is on screen, follows the best passage for earlier events and recaps, and weighs the evidence otherwise', () => {
    expect(routeLead(route('page'))).toBe('first');
    expect(routeLead(route('follow_up'))).toBe('first');
    expect(routeLead(route('earlier'))).toBe('second');
    expect(routeLead(route('so_far'))).toBe('second');
    expect(routeLead(route('episode'))).toBe('evidence');
    expect(routeLead(route('entity'))).toBe('evidence');
  });

  it('gives way, for a question about the episode so far, to a page of it that matches the question better', () => {
    const view = hit(5, 4);
    const earlierPage = hit(5, 1, { rank: 0.4, focus: 1 });
    const passages = assemblePassages({ text: [earlierPage, { ...view, rank: 0.1, focus: 1 }], vector: [], current: inView('episode', [view]) });
    expect(passages.map(label)).toEqual(['5/1', '5/4']);
    // The same question at a page that matches it as well: the page in view stays first.
    const tie = assemblePassages({ text: [earlierPage, { ...view, rank: 0.4, focus: 1 }], vector: [], current: inView('episode', [view]) });
    expect(tie.map(label)).toEqual(['5/4', '5/1']);
    // Lore and pages outside the episode never push it back; a question about the page never does.
    const lore = wiki('w', { rank: 0.9, focus: 1 });
    expect(assemblePassages({ text: [lore], vector: [], current: inView('episode', [view]) }).map(label)[0]).toBe('5/4');
    expect(assemblePassages({ text: [earlierPage], vector: [], current: inView('page', [view]) }).map(label)[0]).toBe('5/4');
  });

  it('follows the article of the thing a who/what question names', () => {
    const view = hit(5, 4);
    const other = wiki('carrot', { rank: 0.8, focus: 1 });
    const own = wiki('pepper', { rank: 0.2, focus: NAMED });
    const passages = assemblePassages({ text: [other, own], vector: [], current: inView('entity', [view]) });
    expect(passages.map(label)).toEqual(['pepper#intro', '5/4', 'carrot#intro']);
  });
});

describe('markNamed', () => {
  const entities = [
    { slug: 'squirrel-s-end', name: "Squirrel's End", aliases: [], visible: true },
    { slug: 'thyme', name: 'Thyme', aliases: ['Master Thyme'], visible: true },
    { slug: 'dragon', name: 'Dragon', aliases: [], visible: false },
  ];
  it('marks the sections of the things the question names, by name or alias, whole words, reached ones only', () => {
    const hits = [wiki('squirrel-s-end', { title: "Squirrel's End" }), wiki('thyme', { title: 'Thyme' }), wiki('dragon', { title: null }), hit(2, 2)];
    const focus = (q: string) => markNamed(hits, q, entities).map((h) => h.focus ?? 0);
    expect(focus("What is Squirrel's End?")).toEqual([NAMED, 0, 0, 0]);
    expect(focus("C'est quoi Squirrel's End ?")).toEqual([NAMED, 0, 0, 0]);
    expect(focus('Who is thyme?')).toEqual([0, NAMED, 0, 0]);
    expect(focus('What is a dragon?')).toEqual([0, 0, 0, 0]);
    expect(focus('Who is Thymeless?')).toEqual([0, 0, 0, 0]);
  });
});
