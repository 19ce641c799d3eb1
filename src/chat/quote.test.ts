import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { buildGuard } from '../spoilers/index.js';
import { asksWhatIs, MAX_LINES, QUOTE_HEADER, quoteAnswer, stem } from './quote.js';

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
    // The lead is the answering sentence; the page in view follows it.
    expect(r.text.indexOf("> Carrot is Pepper's familiar")).toBeLessThan(r.text.indexOf('> ha... perfect'));
    expect(r.used.map((u) => u.chunkId)).toEqual([2, 1]);
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

describe('quoteAnswer composition', () => {
  const at = { episode: 3, page: 4 };
  const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('> '));

  it('leads with the line whose rarer question word answers, not the one sharing a common word', () => {
    const passages = [p(10, 3, 4, 'Carrot!\nCarrot, come here\nLook at the Carrot\nThe dragon took the golden key', { current: true }), p(11, 3, 1, 'Carrot sleeps', {})];
    const r = quoteAnswer('What did the dragon take from Carrot?', passages, (t) => t, at);
    expect(lines(r.text)[0]).toBe('> The dragon took the golden key');
  });

  it('quotes lines, not whole passages, at most six, each group cited with its page', () => {
    const long = Array.from({ length: 12 }, (_, i) => (i % 2 ? `line ${i} about potions` : `filler ${i}`)).join('\n');
    const r = quoteAnswer(
      'What about the potions?',
      [p(20, 3, 4, 'Hello\nWhat a day', { current: true }), p(21, 2, 5, long), p(22, 2, 6, 'A potion of flight\nnothing else')],
      (t) => t,
      at,
    );
    expect(lines(r.text).length).toBeLessThanOrEqual(MAX_LINES);
    expect(r.text).not.toContain('filler 0');
    expect(r.text).not.toContain('filler 4');
    expect(r.text).not.toContain('nothing else');
    expect(r.text).toContain('— Episode 2, page 5 [2/5]');
    // The page in view fills the free places, cited with its page.
    expect(r.text).toContain('> Hello\n> What a day\n— Episode 3, page 4 [3/4]');
  });

  it('quotes more matching lines, and the page in view less, for a question about earlier events', () => {
    const many = Array.from({ length: 8 }, (_, i) => `the dragon ${i}`).join('\n');
    const page = 'Hello\nWhat a day\nSee you';
    const now = quoteAnswer('Where was the dragon?', [p(90, 3, 4, page, { current: true }), p(91, 2, 5, many)], (t) => t, at);
    const before = quoteAnswer('Where was the dragon last time?', [p(90, 3, 4, page, { current: true }), p(91, 2, 5, many)], (t) => t, at);
    expect(lines(now.text).filter((l) => l.includes('dragon'))).toHaveLength(3);
    expect(lines(now.text)).toContain('> See you');
    expect(lines(before.text).filter((l) => l.includes('dragon'))).toHaveLength(MAX_LINES);
  });

  it('prefers the page in view and page text over wiki lore for a question about the page', () => {
    const passages = [
      p(30, 1, 1, 'The tower has a magic potion shop.', { source: 'wiki', sourceRef: 'tower#0', title: 'Tower' }),
      p(31, 3, 4, 'My potion shop is closed today!', { current: true }),
    ];
    const r = quoteAnswer('Why is the potion shop closed?', passages, (t) => t, at);
    expect(lines(r.text)[0]).toBe('> My potion shop is closed today!');
    expect(r.used[0]!.chunkId).toBe(31);
  });

  it('adds the line after the best one in dialogue, where the reply often is', () => {
    const r = quoteAnswer('Where is the treasure?', [p(40, 3, 4, 'Where is the treasure?\nUnder the old oak.\nThanks', { current: true })], (t) => t, at);
    expect(r.text).toContain('> Under the old oak.');
  });

  it("borrows an earlier question's words for a follow-up", () => {
    const passages = [p(50, 3, 4, 'Hello there', { current: true }), p(51, 3, 2, 'Saffron sells her potions in the market', {})];
    const r = quoteAnswer('And why?', passages, (t) => t, at, { earlier: ['Who is Saffron?'] });
    expect(lines(r.text)[0]).toBe('> Saffron sells her potions in the market');
  });

  it('ignores French question words and still matches names', () => {
    const r = quoteAnswer('Pourquoi Carrot a-t-il peur ?', [p(60, 3, 4, 'Hello', { current: true }), p(61, 3, 3, 'Carrot hides under the bed')], (t) => t, at);
    expect(lines(r.text)[0]).toBe('> Carrot hides under the bed');
  });

  it('says plainly when nothing answers, and shows the page in view', () => {
    const r = quoteAnswer('What is the capital of Mars?', [p(70, 3, 4, 'Hello\nGoodbye', { current: true })], (t) => t, at);
    expect(r.text).toContain("Nothing you've read matches those words; here is the page you are on.");
    expect(r.text).toContain('> Hello\n> Goodbye\n— Episode 3, page 4 [3/4]');
  });

  it('cuts prose into sentences and quotes only the matching one', () => {
    const wiki = 'Komona is a floating city. It hosts the potion contest every year. The market is large and has many shops selling everything a witch needs.';
    const r = quoteAnswer('Who hosts the contest?', [p(80, 1, 1, wiki, { source: 'wiki', sourceRef: 'komona#0', title: 'Komona' })], (t) => t, at);
    expect(lines(r.text)).toEqual(['> It hosts the potion contest every year.']);
  });
});

describe('asksWhatIs', () => {
  it('tells "what is X?" from a question about the page', () => {
    for (const q of ['Who is Saffron?', "What's a DragonCow?", 'Who is the King of Acren?', 'Qui est Shichimi ?', "C'est quoi Komona ?"])
      expect(asksWhatIs(q), q).toBe(true);
    for (const q of ['What is she worried about?', "What's Carrot doing?", "What's this sign?", 'What is Pepper arguing for?', 'Why is she angry?'])
      expect(asksWhatIs(q), q).toBe(false);
  });
});

describe('quoteAnswer for "what is X?"', () => {
  const at = { episode: 3, page: 4 };
  it('leads with the sentence that defines it, and quotes the same words once', () => {
    const wiki = p(1, 1, 1, 'Komona has many shops. Komona is a floating city of witches. The mayor of Komona is loud.', {
      source: 'wiki',
      sourceRef: 'komona#0',
      title: 'Komona',
    });
    const r = quoteAnswer('What is Komona?', [p(2, 3, 4, 'Welcome to Komona\nWelcome to Komona', { current: true }), wiki], (t) => t, at);
    const quoted = r.text.split('\n').filter((l) => l.startsWith('> '));
    expect(quoted[0]).toBe('> Komona is a floating city of witches.');
    expect(quoted.filter((l) => l === '> Welcome to Komona')).toHaveLength(1);
  });
});

describe('stem', () => {
  it('folds plurals and -ing/-ed forms', () => {
    expect(['potions', 'flying', 'watched', 'witches', 'stories', 'glass'].map(stem)).toEqual(['potion', 'fly', 'watch', 'witch', 'story', 'glass']);
  });
});
