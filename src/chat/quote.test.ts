import { describe, expect, it } from 'vitest';
import type { Passage } from '../retrieval/retriever.js';
import { buildGuard } from '../spoilers/index.js';
import { asksWhatIs, linesOf, MAX_LINES, QUOTE_HEADER, questionStems, quoteAnswer, routeOf, stem } from './quote.js';

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
    expect(r.text).toContain('— from Wiki: Carrot [1/1]');
    // The lead is the answering sentence; the page in view, where nothing names Carrot, is not quoted for "who is".
    expect(r.text.split('\n').filter((l) => l.startsWith('> '))[0]).toBe("> Carrot is Pepper's familiar, a male orange tabby cat.");
    expect(r.text).not.toContain('> ha... perfect');
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
    expect(r.text).toContain('— from Episode 1, page 2 [1/2]');
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
    const passages = [
      p(10, 3, 4, 'Carrot!\nCarrot, come here\nLook at the Carrot\nThe dragon took the golden key\nNo!', { current: true }),
      p(11, 3, 1, 'Carrot sleeps', {}),
    ];
    const r = quoteAnswer('What did the dragon take from Carrot?', passages, (t) => t, at);
    expect(lines(r.text)[0]).toBe('> The dragon took the golden key');
  });

  it('quotes lines, not whole passages, at most MAX_LINES, each group cited with its page', () => {
    const long = Array.from({ length: 12 }, (_, i) => (i % 2 ? `line ${i} about potions` : `filler ${i}`)).join('\n');
    const r = quoteAnswer(
      'What about the potions?',
      [
        p(20, 3, 4, 'Hello\nWhat a day\nA long day\nSo long\nNearly night\nGood night', { current: true }),
        p(21, 2, 5, long),
        p(22, 2, 6, 'A potion of flight\nnothing else'),
      ],
      (t) => t,
      at,
    );
    expect(lines(r.text).length).toBeLessThanOrEqual(MAX_LINES);
    expect(r.text).not.toContain('filler 0');
    expect(r.text).not.toContain('filler 6');
    expect(r.text).not.toContain('nothing else');
    expect(r.text).toContain('— from Episode 2, page 5 [2/5]');
    // The page in view fills the free places, cited with its page.
    expect(r.text).toContain('> Hello\n');
    expect(r.text).toContain('> Good night\n— from Episode 3, page 4 [3/4]');
  });

  it('quotes more matching lines, and the page in view less, for a question about earlier events', () => {
    const many = Array.from({ length: 8 }, (_, i) => `the dragon ${i}`).join('\n');
    const page = 'Hello\nWhat a day\nSee you\nA long day\nSo long\nGood night';
    const now = quoteAnswer('Where was the dragon?', [p(90, 3, 4, page, { current: true }), p(91, 2, 5, many)], (t) => t, at);
    const before = quoteAnswer('Where was the dragon last time?', [p(90, 3, 4, page, { current: true }), p(91, 2, 5, many)], (t) => t, at);
    // About the episode so far: the best line and the three after it, two more matched lines, four of the page in
    // view, and the story pages retrieval ranked first fill the free places.
    expect(lines(now.text).filter((l) => l.includes('dragon'))).toHaveLength(8);
    expect(lines(now.text).filter((l) => !l.includes('dragon'))).toHaveLength(4);
    expect(lines(now.text)).toContain('> See you');
    expect(lines(before.text).filter((l) => l.includes('dragon'))).toHaveLength(8);
    expect(lines(before.text)).not.toContain('> See you');
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

  it('matches a name typed one letter off, not a short word', () => {
    const passages = [p(62, 3, 4, 'Hello', { current: true }), p(63, 2, 1, 'Truffel is a white cat'), p(64, 2, 2, 'A cut on the paw')];
    expect(lines(quoteAnswer('Who is Truffle?', passages, (t) => t, at).text)[0]).toBe('> Truffel is a white cat');
    expect(quoteAnswer('What is a cat?', [p(65, 3, 4, 'A cut on the paw', { current: true })], (t) => t, at).text).toContain('Nothing you');
  });

  it('ignores French question words and still matches names', () => {
    const r = quoteAnswer('Pourquoi Carrot a-t-il peur ?', [p(60, 3, 4, 'Hello', { current: true }), p(61, 3, 3, 'Carrot hides under the bed')], (t) => t, at);
    expect(lines(r.text)[0]).toBe('> Carrot hides under the bed');
  });

  it('says plainly when nothing answers, and shows the page in view', () => {
    const r = quoteAnswer('What is the capital of Mars?', [p(70, 3, 4, 'Hello\nGoodbye', { current: true })], (t) => t, at);
    expect(r.text).toContain("Nothing you've read matches those words; here is the page you are on.");
    expect(r.text).toContain('> Hello\n> Goodbye\n— from Episode 3, page 4 [3/4]');
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
    for (const q of [
      'What is she worried about?',
      "What's Carrot doing?",
      "What's this sign?",
      'What is Pepper arguing for?',
      'Why is she angry?',
      "What's the spell at the end?",
    ])
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

describe('quoteAnswer leads with the line that answers', () => {
  const at = { episode: 6, page: 9 };
  const quoted = (text: string) => text.split('\n').filter((l) => l.startsWith('> '));

  it('quotes what follows the line that names what was asked, past sound effects', () => {
    const stage = p(1, 6, 4, "Our first contestant\nFirst up, Coriander's demonstration\nClap\nClap\nClap\nZOMBIFICATION !\nThe crowd cheers", { focus: 1 });
    const r = quoteAnswer("What was Coriander's demonstration?", [p(2, 6, 9, 'Well done, everyone', { current: true }), stage], (t) => t, at);
    const lines = quoted(r.text);
    expect(lines.slice(0, 3)).toEqual(["> First up, Coriander's demonstration", '> ZOMBIFICATION !', '> The crowd cheers']);
    expect(lines).not.toContain('> Clap');
  });

  it('about earlier episodes, says plainly when no words match and quotes the page retrieval found closest', () => {
    const r = quoteAnswer(
      'What did she brew last time?',
      [p(3, 6, 9, 'Well done, everyone', { current: true }), p(4, 5, 2, 'Best... Coffee... Ever!\nMmm\nSo that was the secret', { focus: 1 })],
      (t) => t,
      at,
    );
    expect(r.text).toContain("Nothing you've read says that in those words; here is the page closest to your question.");
    // A drawn-out sound says nothing by itself.
    expect(quoted(r.text)).toEqual(['> Best... Coffee... Ever!', '> So that was the secret']);
    expect(r.text).toContain('— from Episode 5, page 2 [5/2]');
  });

  it('keeps the speaker a pack writes on every sentence it quotes', () => {
    expect(linesOf('Saffron: Welcome. Do come in! Pepper: Thanks.', true)).toEqual(['Saffron: Welcome.', 'Saffron: Do come in!', 'Pepper: Thanks.']);
    // Not a speaker: a longer phrase before a colon, or any wiki prose.
    expect(linesOf('Her known spells include: fire. Ice.', true)).toEqual(['Her known spells include: fire.', 'Ice.']);
    expect(linesOf('Spells: fire. Ice.', true, false)).toEqual(['Spells: fire.', 'Ice.']);
    const r = quoteAnswer(
      'Did Saffron invite them in?',
      [p(5, 6, 9, 'Saffron: Welcome, friends. Do come in, the tea is ready!', { source: 'description', current: true })],
      (t) => t,
      at,
    );
    expect(r.text).toContain('> Saffron: Do come in, the tea is ready!');
  });

  it('quotes only words of the passages it was given', () => {
    const given = [
      p(6, 6, 9, 'Because she saved our town\nFirst place to Pepper', { current: true }),
      p(7, 6, 6, 'I cannot, it is too dangerous\nGive me that!', { focus: 1 }),
    ];
    for (const q of ['Why did Pepper win?', 'What happened so far?', 'And then?', 'Pourquoi elle refuse ?', 'Who is the mayor?']) {
      for (const line of quoted(quoteAnswer(q, given, (t) => t, at).text))
        expect(
          given.some((g) => g.text.includes(line.slice(2))),
          `${q}: ${line}`,
        ).toBe(true);
    }
  });
});

describe('quoteAnswer recaps', () => {
  const quoted = (text: string) => text.split('\n').filter((l) => l.startsWith('> '));
  const recap = (episode: number, page: number, text: string) => p(100 * episode + page, episode, page, text, { focus: 2 });

  it('quotes the lines that carry the episode, its title first, each cited with its page', () => {
    const passages = [
      p(1, 7, 5, 'What a waste of a wish!\nZzzzz\nFIN', { current: true }),
      recap(7, 1, 'CARROT!\nCome on, nap time is over'),
      recap(7, 4, 'Welcome to the Fairy Cave\nWe grant you a single wish, anything you desire\nMeow'),
      recap(7, 5, 'What a waste of a wish!\nZzzzz\nFIN'),
      p(2, 7, 0, 'Episode 7 : The Wish'),
    ];
    const r = quoteAnswer('Recap of this episode?', passages, (t) => t, { episode: 7, page: 5 });
    expect(r.text).toContain('The lines that carry what happened in episode 7:');
    const lines = quoted(r.text);
    expect(lines[0]).toBe('> Episode 7 : The Wish');
    expect(lines).toContain('> We grant you a single wish, anything you desire');
    expect(lines).toContain('> What a waste of a wish!');
    expect(lines).not.toContain('> FIN');
    expect(lines).not.toContain('> Zzzzz');
    expect(r.text).toContain('— from Episode 7, page 4 [7/4]');
    // In reading order within the episode.
    expect(r.text.indexOf('single wish')).toBeLessThan(r.text.indexOf('What a waste'));
  });

  it('for the story so far, quotes a few lines per episode, latest episode first', () => {
    const passages = [
      p(1, 5, 2, 'Hello there', { current: true }),
      recap(4, 7, 'My potion of genius made Carrot write letters\nGrrrr'),
      recap(3, 7, 'The best potion for tomorrow’s challenge is ready\nMmm'),
      recap(2, 5, 'The rainbow potions were a disaster for the fish'),
      recap(1, 3, 'The flying potion works, Carrot is flying'),
    ];
    const r = quoteAnswer('What happened so far?', passages, (t) => t, { episode: 5, page: 2 });
    expect(r.text).toContain('latest episode first');
    const order = [4, 3, 2].map((e) => r.text.indexOf(`Episode ${e}, page`));
    expect(order.every((i) => i > 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    // At most three episodes, and nothing from the page in view.
    expect(r.text).not.toContain('Episode 1, page 3');
    expect(r.text).not.toContain('Hello there');
  });
});

describe('routeOf', () => {
  it('reads a follow-up with the route of the question before it, and "sum up" as a recap', () => {
    expect(routeOf('And then?', ['What happened last time?']).kind).toBe('earlier');
    expect(routeOf('Sum up this episode for me').kind).toBe('so_far');
    expect(routeOf('Who is Saffron?').kind).toBe('entity');
  });
});

describe('quoteAnswer line selection beyond the matched words', () => {
  const quoted = (text: string) => text.split('\n').filter((l) => l.startsWith('> '));

  it('about the episode so far, quotes the page in view and then the episode page retrieval ranked first', () => {
    const view = p(1, 9, 7, 'Hello friends\nWhat a lovely day\nIndeed\nLook at the clouds\nSo fluffy\nYes', { current: true });
    const earlierPage = p(2, 9, 2, "I've prepared tea so we can all get our good humour back\nThank you", { focus: 1 });
    const r = quoteAnswer('What did she serve her friends?', [view, earlierPage], (t) => t, { episode: 9, page: 7 });
    expect(routeOf('What did she serve her friends?').kind).toBe('episode');
    expect(r.text).toContain("> I've prepared tea so we can all get our good humour back");
    expect(r.text).toContain('— from Episode 9, page 2 [9/2]');
    expect(quoted(r.text).length).toBeLessThanOrEqual(MAX_LINES);
  });

  it('about earlier episodes, fills with the telling lines of the first story pages retrieval ranked, not only the first', () => {
    const r = quoteAnswer(
      'What did the witch bring last time?',
      [p(1, 8, 3, 'Good morning', { current: true }), p(2, 6, 5, 'The witch arrives\nHer cape flutters'), p(3, 6, 6, 'I cannot, it is too dangerous\nGIANT MONSTERS !')],
      (t) => t,
      { episode: 8, page: 3 },
    );
    expect(r.text).toContain('> The witch arrives');
    expect(r.text).toContain('> I cannot, it is too dangerous');
    expect(r.text).not.toContain('Good morning');
  });

  it('leads with a matched dialogue line among others that match, over the same line alone on a better-ranked page', () => {
    const r = quoteAnswer(
      'Why was the dragon angry last time?',
      [
        p(1, 8, 3, 'Nice weather', { current: true }),
        p(2, 6, 5, 'The dragon is angry\nWind'),
        p(3, 5, 1, 'Look, the dragon!\nThe dragon is angry\nHe lost his golden egg'),
      ],
      (t) => t,
      { episode: 8, page: 3 },
    );
    expect(r.text.indexOf('— from Episode 5, page 1 [5/1]')).toBeLessThan(r.text.indexOf('— from Episode 6, page 5 [6/5]'));
    expect(quoted(r.text).slice(0, 2)).toEqual(['> The dragon is angry', '> He lost his golden egg']);
  });

  it('does not cut "bring" to "br", and drops contractions ("didn\'t") as question words', () => {
    expect(stem('bring')).toBe('bring');
    expect(stem('flying')).toBe('fly');
    expect(questionStems("Why didn't Shichimi bring her potion?")).toEqual(['shichimi', 'bring', 'potion']);
  });
});

describe('quoteAnswer: fourth round', () => {
  const lines = (text: string) => text.split('\n').filter((l) => l.startsWith('> '));

  it('about the episode so far, prefers its own lines over another episode sharing the same words', () => {
    const passages = [
      p(1, 21, 4, 'The crowd cheers', { current: true }),
      p(2, 16, 2, 'Come on, Carrot, let us go'),
      p(3, 21, 2, 'Still sure you do not want to come with us?\nWe do sorcery, not spectacles!'),
    ];
    const r = quoteAnswer("Why didn't she come with us?", passages, (t) => t, { episode: 21, page: 4 });
    expect(lines(r.text).slice(0, 2)).toEqual(['> Still sure you do not want to come with us?', '> We do sorcery, not spectacles!']);
  });

  it('about the episode so far, lets an earlier page lead when only it has a word of the question', () => {
    const passages = [
      p(1, 11, 5, 'Carrot, come here', { current: true }),
      p(2, 11, 1, 'Carrot?\nCarrot!\nGood Carrot', { focus: 1 }),
      p(3, 7, 4, 'We fairies grant you a single wish'),
    ];
    const r = quoteAnswer('What did the fairies offer Carrot?', passages, (t) => t, { episode: 11, page: 5 });
    expect(lines(r.text)[0]).toBe('> We fairies grant you a single wish');
  });

  it('about the episode so far, a word only another episode has is no evidence when retrieval ranked its page low', () => {
    const passages = [
      p(1, 9, 7, 'We are the best', { current: true }),
      p(2, 9, 3, 'Stupid me'),
      p(3, 9, 1, 'Huh?'),
      p(4, 3, 2, 'A pleasure to serve you, Miss'),
      p(5, 9, 2, 'Tea for my friends'),
    ];
    const r = quoteAnswer('What did she serve her friends?', passages, (t) => t, { episode: 9, page: 7 });
    expect(lines(r.text)[0]).toBe('> Tea for my friends');
  });

  it('continues the lead onto the next page when the best line ends its page, skipping footnotes', () => {
    const passages = [
      p(1, 3, 5, 'Off we go', { current: true }),
      p(2, 3, 1, 'I would like eight pumpkinstars, please\nHere you are, that is 60Ko*\n* Ko = the currency\n...Oh dear'),
      p(3, 3, 2, 'Sorry, I will take only four...\nGrrr...'),
    ];
    const r = quoteAnswer('How many pumpkinstars did she buy?', passages, (t) => t, { episode: 3, page: 5 });
    expect(lines(r.text).slice(0, 4)).toEqual([
      '> I would like eight pumpkinstars, please',
      '> Here you are, that is 60Ko*',
      '> ...Oh dear',
      '> Sorry, I will take only four...',
    ]);
    // Each page of the lead is cited with its own page; a citation never reads as "four — Episode".
    expect(r.text).toContain('> ...Oh dear\n— from Episode 3, page 1 [3/1]');
    expect(r.text).toContain('> Sorry, I will take only four...\n— from Episode 3, page 2 [3/2]');
  });

  it('reads the last line of a page with the lines that lead to it', () => {
    const passages = [p(1, 11, 4, 'The King?\n...so young?!\nGo on! Wake him, scare him!', { current: true })];
    const r = quoteAnswer('Who is she supposed to scare?', passages, (t) => t, { episode: 11, page: 4 });
    expect(lines(r.text).slice(0, 3)).toEqual(['> The King?', '> ...so young?!', '> Go on! Wake him, scare him!']);
  });

  it('fills the free places of an answer about a page with little text from the story pages ranked first', () => {
    const passages = [
      p(1, 20, 2, '', { current: true }),
      p(2, 19, 4, '"Oh, handsome warrior!"\nNice poetry, mistress Cayenne!\nCayenne\'s Private Journal'),
      p(3, 19, 5, 'I am no longer the Cayenne who wrote that.'),
    ];
    const r = quoteAnswer('What did Cayenne write in her journal?', passages, (t) => t, { episode: 20, page: 2 });
    expect(lines(r.text)).toContain('> "Oh, handsome warrior!"');
  });

  it('answers "who are the first contestants?" from the page, though retrieval routed it to lore', () => {
    const passages = [
      p(1, 1, 1, 'The first contest had four contestants.', { source: 'wiki', sourceRef: 'contest#0', title: 'Contest', focus: 1 }),
      p(2, 21, 4, 'Please welcome...\nCORIANDER!\nAnd now, a witch of the depths\nSPIRULINA!', { current: true }),
    ];
    const r = quoteAnswer('Who are the first contestants?', passages, (t) => t, { episode: 21, page: 4 });
    expect(r.text).toContain('> And now, a witch of the depths');
  });

  it('matches a word a reader clips short ("lab" for "laboratory"), not any word it starts', () => {
    const passages = [p(1, 9, 7, 'We are the best\nLabel it\nTo the laboratory! This can be lethal!\nHurry', { current: true })];
    const r = quoteAnswer('Why did they rush to the lab?', passages, (t) => t, { episode: 9, page: 7 });
    expect(lines(r.text)[0]).toBe('> To the laboratory! This can be lethal!');
  });

  it('about a thing, fills the free places with the opening sentences of the lore ranked first', () => {
    const passages = [
      p(1, 8, 2, 'Invite the other witches we met at the contest?\nGreat idea!', { current: true }),
      p(2, 1, 1, 'Saffron is a young witch of Magmah.\nShe lives in Komona.', { source: 'wiki', sourceRef: 'saffron#0', title: 'Saffron' }),
      p(3, 1, 1, 'Shichimi is a young witch of Ah.', { source: 'wiki', sourceRef: 'shichimi#0', title: 'Shichimi' }),
    ];
    const r = quoteAnswer('Who were the other witches at the contest?', passages, (t) => t, { episode: 8, page: 2 });
    expect(lines(r.text)).toContain('> Saffron is a young witch of Magmah.');
    expect(lines(r.text)).toContain('> Shichimi is a young witch of Ah.');
  });

  it('quotes a sign lettered in panel after panel, not a short cry repeated', () => {
    const sign = 'Grand Prize of 50 000Ko for the best magic';
    const others = 'Let us go!\nWhat a crowd\nSo many people\nLook, Carrot\nThe arena\nWe are late\nHurry up';
    const passages = [p(1, 21, 1, `${sign}\nClap\nClap\nClap\n${sign}\n${sign}\n${others}`, { current: true })];
    // French words match none of the page's: the page's most telling lines are quoted, the sign among them.
    const r = quoteAnswer("C'est combien, le prix ?", passages, (t) => t, { episode: 21, page: 1 });
    expect(lines(r.text)).toContain(`> ${sign}`);
    expect(lines(r.text)).not.toContain('> Clap');
  });

  it('reads "qu\'est-ce que X a fait ?" as a question about events, "qu\'est-ce que le X ?" as one about a thing', () => {
    expect(asksWhatIs("Qu'est-ce que Carrot lui a apporté ?")).toBe(false);
    expect(asksWhatIs("Qu'est-ce que le Chaosah ?")).toBe(true);
    expect(asksWhatIs("Qu'est-ce que c'est que le Chaosah ?")).toBe(true);
  });
});
