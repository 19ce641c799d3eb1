import { describe, expect, it } from 'vitest';
import { PEPPER_CARROT } from '../../corpus.js';
import { comparePositions, corpusPages, wordPattern } from '../../spoilers/labelled/labelled.js';
import {
  containsWords,
  corpusEntities,
  entityArticles,
  firstGoldRank,
  goldHit,
  goldLabel,
  isAnswerable,
  isWikiGold,
  type LabelledQuestion,
  loadQuestions,
  type PassageRef,
  parseQuestions,
  QUESTION_KINDS,
  QuestionFileError,
} from './labelled.js';

/** The set's size and spread (issue 16). */
const MIN_ITEMS = 250;
const MIN_PER_KIND = 8;
const MIN_FRENCH = 10;
const MIN_POSITIONS = 60;

const at = (p: { episode: number; page: number }) => `${p.episode}/${p.page}`;

let cached: LabelledQuestion[] | undefined;
/** Loaded on first use, so a broken file fails these checks and leaves the unit tests below alone. */
const set = (): LabelledQuestion[] => (cached ??= loadQuestions());

describe('labelled Pepper&Carrot questions for answers (pepper-carrot-*.yaml)', () => {
  const pages = corpusPages(PEPPER_CARROT);
  const pageText = new Map(pages.map((p) => [at(p), p.text]));
  const entities = corpusEntities(PEPPER_CARROT);
  const debut = new Map(entities.map((e) => [e.slug, e.debut]));
  const articles = entityArticles(PEPPER_CARROT);

  it('reads every file against the schema, with unique ids', () => {
    const items = set();
    expect(items.length, 'no pepper-carrot-*.yaml in test/answers/labelled').toBeGreaterThan(0);
    const seen = new Map<string, string>();
    const dups: string[] = [];
    for (const q of items) {
      const other = seen.get(q.id);
      if (other) dups.push(`${q.id} in ${other} and ${q.file}`);
      seen.set(q.id, q.file);
    }
    expect(dups).toEqual([]);
  });

  it(`has at least ${MIN_ITEMS} items, every kind, ${MIN_FRENCH} French questions and ${MIN_POSITIONS} positions`, () => {
    const items = set();
    expect(items.length).toBeGreaterThanOrEqual(MIN_ITEMS);
    const counts = Object.fromEntries(QUESTION_KINDS.map((k) => [k, items.filter((q) => q.kind === k).length]));
    for (const k of QUESTION_KINDS) expect(counts[k], `kind ${k} (counts ${JSON.stringify(counts)})`).toBeGreaterThanOrEqual(MIN_PER_KIND);
    expect(items.filter((q) => q.language === 'fr').length, 'French questions').toBeGreaterThanOrEqual(MIN_FRENCH);
    expect(new Set(items.map((q) => at(q.position))).size, 'distinct positions').toBeGreaterThanOrEqual(MIN_POSITIONS);
  });

  it('puts every position on a real page, and gold pages at or before it (after it for beyond)', () => {
    const problems: string[] = [];
    for (const q of set()) {
      if (!pageText.has(at(q.position))) problems.push(`${q.id}: position ${at(q.position)} is not a page of the corpus`);
      for (const g of q.gold) {
        if (isWikiGold(g)) continue;
        if (!pageText.has(at(g))) problems.push(`${q.id}: gold ${at(g)} is not a page of the corpus`);
        const later = comparePositions(g, q.position) > 0;
        if (isAnswerable(q) && later) problems.push(`${q.id}: gold ${at(g)} is after the position ${at(q.position)}`);
        if (!isAnswerable(q) && !later) problems.push(`${q.id}: beyond, but gold ${at(g)} is not after the position ${at(q.position)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('points wiki gold only at entity articles whose debut is reached', () => {
    const problems: string[] = [];
    for (const q of set()) {
      for (const g of q.gold.filter(isWikiGold)) {
        const d = debut.get(g.wiki);
        if (!articles.has(g.wiki)) problems.push(`${q.id}: no wiki/entities/${g.wiki}.md`);
        if (!d) problems.push(`${q.id}: ${g.wiki} is not an entity of world/entities.yaml`);
        else if (comparePositions(d, q.position) > 0) problems.push(`${q.id}: ${g.wiki} debuts at ${at(d)}, after the position ${at(q.position)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('finds every words group in the text of a gold page or article', () => {
    const problems: string[] = [];
    for (const q of set()) {
      const texts = q.gold.map((g) => (isWikiGold(g) ? articles.get(g.wiki) : pageText.get(at(g))) ?? '');
      for (const group of q.words) {
        if (!texts.some((t) => containsWords(t, [group]))) problems.push(`${q.id}: none of ${JSON.stringify(group)} is in ${q.gold.map(goldLabel).join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('never has a forbidden word in the pages at or before the position', () => {
    const problems: string[] = [];
    for (const q of set()) {
      for (const w of q.forbidden) {
        const re = wordPattern(w);
        const hit = pages.find((p) => comparePositions(p, q.position) <= 0 && re.test(p.text));
        if (hit) problems.push(`${q.id}: forbidden "${w}" is on ${at(hit)}, reached at ${at(q.position)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has no forbidden word in the wiki of an entity the reader has reached, unless it names one they have not', () => {
    // Lore that has debuted is reached text: a word it contains gives nothing away. An unreached entity's name in
    // it is another matter (the guard withholds that sentence), so such a name stays a fair forbidden word.
    const problems: string[] = [];
    for (const q of set()) {
      const unreached = entities.filter((e) => comparePositions(e.debut, q.position) > 0).map((e) => e.name.toLowerCase());
      for (const w of q.forbidden) {
        if (unreached.includes(w.toLowerCase())) continue;
        const re = wordPattern(w);
        const lore = entities.filter((e) => comparePositions(e.debut, q.position) <= 0 && re.test(articles.get(e.slug) ?? '')).map((e) => e.slug);
        if (lore.length > 0) problems.push(`${q.id}: forbidden "${w}" is in the reached wiki of ${lore.join(', ')}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('names no entity the reader has not reached, in the question or its history', () => {
    // Two-letter names ("Ah") read as interjections; the matrix oracle treats them the same way.
    const names = entities.filter((e) => e.name.length >= 3).map((e) => ({ ...e, re: wordPattern(e.name) }));
    const problems: string[] = [];
    for (const q of set()) {
      for (const e of names) {
        if (comparePositions(e.debut, q.position) > 0 && [q.question, ...q.history].some((t) => e.re.test(t))) {
          problems.push(`${q.id}: names ${e.name} (debut ${at(e.debut)}) at ${at(q.position)}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

describe('containsWords', () => {
  it('needs one alternative of every group', () => {
    expect(containsWords('She wanted eight pumpkinstars.', [['pumpkinstars']])).toBe(true);
    expect(containsWords('She wanted eight pumpkinstars.', [['pumpkinstars'], ['money', 'Ko']])).toBe(false);
    expect(containsWords('Eight pumpkinstars cost 60 Ko.', [['pumpkinstars'], ['money', 'Ko']])).toBe(true);
    expect(containsWords('anything', [])).toBe(true);
  });

  it('ignores case and accents, on both sides', () => {
    expect(containsWords('EYEUK is there', [['Eyeük']])).toBe(true);
    expect(containsWords('Eyeük is there', [['eyeuk']])).toBe(true);
    expect(containsWords('Le café est prêt', [['CAFE'], ['pret']])).toBe(true);
  });

  it('matches whole words and phrases only, across line breaks', () => {
    expect(containsWords('Chaosahn magic', [['Chaosah']])).toBe(false);
    expect(containsWords('a potion', [['potions']])).toBe(false);
    expect(containsWords('pearls of\nmist from the clouds', [['pearls of mist']])).toBe(true);
    expect(containsWords('(Saffron)', [['saffron']])).toBe(true);
    expect(containsWords("Pepper's cat", [["Pepper's"]])).toBe(true);
    expect(containsWords('Pepper’s cat', [["Pepper's"]])).toBe(true);
  });
});

describe('goldHit', () => {
  const page = (episode: number, p: number, source = 'dialogue'): PassageRef => ({ source, sourceRef: `${episode}/${p}`, episode, page: p });
  const wiki = (sourceRef: string, episode = 3, p = 2): PassageRef => ({ source: 'wiki', sourceRef, episode, page: p });

  it('matches page text (dialogue or description) by episode and page', () => {
    expect(goldHit(page(3, 2), [{ episode: 3, page: 2 }])).toBe(true);
    expect(goldHit(page(3, 2, 'description'), [{ episode: 3, page: 2 }])).toBe(true);
    expect(goldHit(page(3, 2), [{ episode: 3, page: 3 }, { wiki: 'saffron' }])).toBe(false);
    expect(goldHit(page(2, 3), [{ episode: 3, page: 2 }])).toBe(false);
  });

  it('matches a wiki chunk by its article slug, whatever the section', () => {
    expect(goldHit(wiki('saffron#0'), [{ wiki: 'saffron' }])).toBe(true);
    expect(goldHit(wiki('saffron#3'), [{ episode: 1, page: 1 }, { wiki: 'saffron' }])).toBe(true);
    expect(goldHit(wiki('saffron-witchcraft#0'), [{ wiki: 'saffron' }])).toBe(false);
    // A wiki chunk is never a page hit, even at the gold page's position.
    expect(goldHit(wiki('komona#0', 3, 2), [{ episode: 3, page: 2 }])).toBe(false);
    // Nor is a page chunk a wiki hit.
    expect(goldHit(page(3, 2), [{ wiki: 'saffron' }])).toBe(false);
  });

  it('gives the rank of the first hit', () => {
    const passages = [page(3, 3), wiki('komona#0'), page(3, 2), wiki('saffron#1')];
    expect(firstGoldRank(passages, [{ episode: 3, page: 2 }, { wiki: 'saffron' }])).toBe(3);
    expect(firstGoldRank(passages, [{ wiki: 'pepper' }])).toBeNull();
  });
});

describe('parseQuestions', () => {
  const item = (extra: string) =>
    `items:\n  - id: qa-9-001\n    position: { episode: 1, page: 2 }\n    language: en\n    kind: page\n    question: "What splashes?"\n    gold: [{ episode: 1, page: 2 }]\n${extra}`;

  it('reads an item with its defaults', () => {
    const [q] = parseQuestions(item('    words: [["SPLASH"]]\n'), 'pepper-carrot-9.yaml');
    expect(q).toEqual({
      id: 'qa-9-001',
      position: { episode: 1, page: 2 },
      language: 'en',
      kind: 'page',
      question: 'What splashes?',
      history: [],
      gold: [{ episode: 1, page: 2 }],
      words: [['SPLASH']],
      forbidden: [],
      file: 'pepper-carrot-9.yaml',
    });
  });

  it('names the file, the id and the field of a problem', () => {
    const fail = (text: string) => () => parseQuestions(text, 'pepper-carrot-9.yaml');
    expect(fail(item('    words: [["SPLASH"]]\n').replace('page: 2 }\n    language', 'pag: 2 }\n    language'))).toThrow(
      /pepper-carrot-9\.yaml: item qa-9-001 \(#1\): position/,
    );
    expect(fail(item('    words: []\n'))).toThrow(/qa-9-001.*words: needs 1–3 groups/);
    expect(fail(item('    words: [["a"]]\n    forbidden: ["b"]\n'))).toThrow(/qa-9-001.*forbidden: only beyond/);
    expect(fail(item('    words: [["a"]]\n    colour: red\n'))).toThrow(/qa-9-001.*colour/);
    expect(fail(item('    words: [["a"]]\n').replace('kind: page', 'kind: later'))).toThrow(/qa-9-001.*kind/);
    expect(fail(item('    words: [["a"]]\n').replace('{ episode: 1, page: 2 }]', '{ wiki: "Saffron!" }]'))).toThrow(/qa-9-001.*gold\.0/);
    expect(fail(item('    words: [["a"]]\n').replace('kind: page', 'kind: follow_up'))).toThrow(/history: a follow_up needs/);
    expect(fail('items: []\n')).toThrow(/pepper-carrot-9\.yaml: items: has no items/);
    expect(fail('items: [\n')).toThrow(QuestionFileError);
  });
});
