import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PEPPER_CARROT } from '../../test/corpus.js';
import { writeTinyPack } from '../../test/packs.js';
import type { Position } from '../spoilers/index.js';
import {
  contentTokens,
  datedFactRule,
  datedFacts,
  debutBeforeNameRule,
  episodeEnds,
  firstStoryUse,
  type LintEntity,
  type LintFinding,
  laterEntityRule,
  laterEpisodeRule,
  lintPack,
  lintWarnings,
  matcherCache,
  type Passage,
  wordKey,
} from './lint.js';
import { openPackDir } from './pack-source.js';
import { type Pack, readPack } from './read-pack.js';

const REAL_PACK = PEPPER_CARROT;
const SAMPLE = join(process.cwd(), 'samples', 'moth-and-lantern');

const pos = (episode: number, page: number): Position => ({ episode, page });
const lore = (text: string, at: Position, file = 'wiki/x.md'): Passage => ({ file, field: 'body', kind: 'lore', at, text, where: { offset: 0 } });
const page = (text: string, at: Position): Passage => ({ file: 'episodes/e/episode.yaml', field: 'dialogue', kind: 'page', at, text, where: { offset: 0 } });

/** Episodes 1..9 with story pages 1..9 (page 9 the last); episode 6 ends at 6/9. */
const ends = episodeEnds({
  episodes: Array.from({ length: 9 }, (_, i) => ({
    dir: `e${i + 1}`,
    data: { number: i + 1, pages: Array.from({ length: 10 }, (_, p) => ({ number: p, kind: p === 0 ? 'title' : 'story' })) },
  })) as unknown as Pack['episodes'],
});

describe('later-episode rule', () => {
  const rule = (p: Passage) => laterEpisodeRule(p, ends).map((f) => f.safeFrom);
  it('flags lore mentioning a later episode, or its own episode before it ends', () => {
    expect(rule(lore('She used it in episodes 6 and 8.', pos(6, 4)))).toEqual([pos(8, 9)]);
    expect(rule(lore('The first contest, in episode 6, ended badly.', pos(6, 3)))).toEqual([pos(6, 9)]);
    expect(rule(lore('…the end of the war (ep. 36).', pos(9, 9)))).toEqual([pos(37, 0)]);
  });

  it('accepts backward references and its own finished episode', () => {
    expect(rule(lore('The first contest, in episode 6, ended badly.', pos(6, 9)))).toEqual([]);
    expect(rule(lore('As seen in episode 2 and (ep. 4).', pos(5, 1)))).toEqual([]);
  });

  it('on story pages only strictly later episodes count: titles, footers and backward footnotes are fine', () => {
    expect(rule(page('Episode 6 : The Potion Contest', pos(6, 0)))).toEqual([]);
    expect(rule(page('* See Episode 4 : Stroke of Genius', pos(6, 1)))).toEqual([]);
    expect(rule(page('To be continued in episode 7!', pos(6, 9)))).toEqual([pos(7, 9)]);
  });
});

const ent = (slug: string, name: string, debut: Position, aliases: string[] = []): LintEntity => ({ slug, name, aliases, debut });
const ENTITIES = [ent('pepper', 'Pepper', pos(1, 1)), ent('coriander', 'Coriander', pos(6, 4)), ent('qualicity', 'Qualicity', pos(27, 1), ['the industrial city'])];

describe('later-entity rule', () => {
  const matcherAt = matcherCache(ENTITIES);
  const hits = (p: Passage) => laterEntityRule(p, ENTITIES, matcherAt).map((f) => [f.excerpt, f.safeFrom]);

  it('flags each sentence naming an entity (or alias) that debuts later', () => {
    expect(hits(lore('Coriander is a princess. She will rule Qualicity. Pepper is her friend.', pos(6, 4)))).toEqual([['She will rule Qualicity.', pos(27, 1)]]);
    expect(hits(lore('She lives in the Industrial City.', pos(6, 4)))).toEqual([['She lives in the Industrial City.', pos(27, 1)]]);
    expect(hits(lore('Pepper meets Coriander.', pos(6, 3)))).toEqual([['Pepper meets Coriander.', pos(6, 4)]]);
  });

  it('names already debuted are fine, and story pages are not checked', () => {
    expect(hits(lore('Pepper meets Coriander.', pos(6, 4)))).toEqual([]);
    expect(hits(page('Qualicity!', pos(6, 4)))).toEqual([]);
  });
});

describe('dated-fact rule', () => {
  const names = new Set(['pepper', 'coriander', 'qualicity']);
  const upstream = lore(
    '* **Known potion/Spell**: Forceful ejection from water (ep21), Water Tentacles (ep22)\n* **First Episode**: ep11 Stubborn Grumpiness',
    pos(9, 9),
    'wiki/upstream.md',
  );
  const facts = datedFacts([upstream], names);
  /** The episode each finding dates its fact to. */
  const check = (p: Passage, story: Passage[] = []) =>
    datedFactRule(p, facts, firstStoryUse(story, facts, names), ends, names, (f) => `${f.source.file}`).map((f) => Number(/dates to episode (\d+)/.exec(f.message)![1]));

  it('dates the words right before a citation, not a "First Episode:" label', () => {
    expect([...facts.values()].map((f) => [f.phrase, f.episode])).toEqual(
      expect.arrayContaining([
        ['Water Tentacles', 22],
        ['ejection from water', 21],
      ]),
    );
    expect([...facts.values()].some((f) => /Grumpiness|Stubborn/i.test(f.phrase))).toBe(false);
  });

  it('flags a passage shown before the dated episode ends that states the fact', () => {
    expect(check(lore('Her known spells include forceful ejection from water and Water Tentacles.', pos(21, 4)))).toEqual([22]);
    expect(check(lore('Her known spells include Water Tentacles.', pos(8, 1)))).toEqual([22]);
  });

  it('accepts the fact once the episode is over, or once the story pages said it', () => {
    expect(check(lore('Her known spells include Water Tentacles.', pos(23, 1)))).toEqual([]);
    expect(check(lore('Her known spells include water tentacles.', pos(21, 4)), [page('WATER TENTACLES!', pos(21, 2))])).toEqual([]);
  });

  it('tolerates a misspelt vowel and plural/-ing endings (particules ~ particles)', () => {
    expect(wordKey('particules')).toBe(wordKey('particles'));
    expect(wordKey('Reorganizing')).toBe(wordKey('reorganized'));
    const f = datedFacts([lore('Reorganizing particules to rebuild the house (ep25)', pos(9, 9))], names);
    const out = datedFactRule(lore('She is known for reorganizing particles.', pos(3, 1)), f, new Map(), ends, names, () => 'x');
    // Episode 25 is not in this pack: safe only from the start of episode 26.
    expect(out.map((x) => x.safeFrom)).toEqual([pos(26, 0)]);
  });

  it('a pair of common words dates nothing', () => {
    const common = Array.from({ length: 300 }, (_, i) => lore(`Witches use magic every day, number ${i}.`, pos(1, 1)));
    const f = datedFacts([...common, lore('They use magic (ep25)', pos(9, 9))], names);
    expect([...f.values()].some((x) => x.phrase === 'use magic')).toBe(false);
  });

  it('content tokens skip stopwords and entity names', () => {
    expect(contentTokens("Pepper's cat and the Water Tentacles of Qualicity", names).map((t) => t.key)).toEqual(['cat', 'water', 'tntcl']);
  });
});

describe('debut-before-name rule', () => {
  const pages = [page('Look, a bird!', pos(6, 4)), page('You, Oversized-posh-zombie-canary!', pos(6, 8)), page('Coriander!', pos(6, 4)), page('Hello Pepper', pos(2, 1))];
  it('flags an entity that debuts before the page of its episode that names it', () => {
    const canary = ent('canary', 'Oversized-Posh-Zombie-Canary', pos(6, 4));
    const out = debutBeforeNameRule([canary, ent('coriander', 'Coriander', pos(6, 4)), ent('pepper', 'Pepper', pos(1, 1))], pages);
    // Coriander is named on its debut page; Pepper is first named in a later episode (characters are often seen before they are named).
    expect(out.map((o) => [o.entity.slug, o.firstNamed])).toEqual([['canary', pos(6, 8)]]);
  });
});

// ---------------------------------------------------------------------------
// Whole packs, with file and line numbers.

const at = (findings: LintFinding[], file: string, line: number, rule?: string) =>
  findings.filter((f) => f.file === file && f.line === line && (!rule || f.rule === rule));

describe('lintPack on a pack written here', () => {
  let dir: string;
  let findings: LintFinding[];
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'folio-lint-'));
    await writeTinyPack(
      { id: 'lint', episodes: 2, pagesPerEpisode: 3, dialogue: (e, p) => (e === 1 && p === 2 ? 'Next time, in episode 2!\n' : `Line ${e}/${p}\n`) },
      dir,
    );
    await mkdir(join(dir, 'world'), { recursive: true });
    await mkdir(join(dir, 'wiki'), { recursive: true });
    await writeFile(
      join(dir, 'world', 'entities.yaml'),
      [
        'entities:',
        '  - slug: ada',
        '    name: Ada',
        '    kind: character',
        '    summary: >-',
        '      A lamplighter who will one day',
        '      meet Tobin, her grandfather.',
        '    episode_debut: 1',
        '    page_debut: 1',
        '  - slug: tobin',
        '    name: Tobin',
        '    kind: character',
        '    episode_debut: 2',
        '    page_debut: 1',
        '    descriptions:',
        '      - text: "He is seen again in episode 2."',
        '        episode_debut: 2',
        '        page_debut: 1',
        '',
      ].join('\n'),
    );
    await writeFile(
      join(dir, 'wiki', 'ada.md'),
      [
        '---',
        'title: Ada',
        'debut: {episode: 1, page: 1}',
        '---',
        '',
        '## Early',
        'Ada lights lamps.',
        '',
        'She meets Tobin later.',
        '',
        '## Late',
        '<!-- debut: 2/3 -->',
        'Tobin is family.',
        '',
      ].join('\n'),
    );
    await writeFile(join(dir, 'wiki', 'tobin.md'), ['---', 'title: Tobin', 'debut: {episode: 1, page: 2}', '---', 'A tinker.', ''].join('\n'));
    const r = await readPack(await openPackDir(dir));
    if (!r.ok) throw new Error(JSON.stringify(r.problems));
    findings = await lintPack(r.pack);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports each rule at the right line', () => {
    // The folded summary: the name sits on its second line.
    expect(at(findings, 'world/entities.yaml', 7, 'later-entity')).toHaveLength(1);
    // A description at 2/1 mentioning its own, unfinished episode 2.
    expect(at(findings, 'world/entities.yaml', 16, 'later-episode')).toHaveLength(1);
    expect(at(findings, 'wiki/ada.md', 9, 'later-entity')).toHaveLength(1);
    expect(at(findings, 'wiki/tobin.md', 3, 'article-before-entity')).toHaveLength(1);
    // The line "Next time, in episode 2!" (page 2 of episode 1) inside its block scalar.
    expect(at(findings, 'episodes/ep1/episode.yaml', 15, 'later-episode')).toHaveLength(1);
  });

  it('leaves clean text alone', () => {
    expect(at(findings, 'wiki/ada.md', 7)).toEqual([]);
    // "Tobin is family." is shown from 2/3, after Tobin's debut.
    expect(at(findings, 'wiki/ada.md', 13)).toEqual([]);
    expect(findings.map((f) => `${f.file}:${f.line} ${f.rule}`)).toEqual([
      'episodes/ep1/episode.yaml:15 later-episode',
      'wiki/ada.md:9 later-entity',
      // The title of an article shown at 1/2 names Tobin, who debuts at 2/1.
      'wiki/tobin.md:2 later-entity',
      'wiki/tobin.md:3 article-before-entity',
      'world/entities.yaml:7 later-entity',
      'world/entities.yaml:16 later-episode',
    ]);
  });

  it('becomes import warnings with file and line', () => {
    const w = lintWarnings(findings);
    expect(w[0]).toMatchObject({ file: expect.any(String), line: expect.any(Number), message: expect.stringMatching(/^likely spoiler \(/) });
  });
});

describe('lintPack on the Pepper&Carrot pack (by path)', () => {
  let findings: LintFinding[];
  beforeAll(async () => {
    const r = await readPack(await openPackDir(REAL_PACK));
    if (!r.ok) throw new Error('the Pepper&Carrot pack does not read');
    findings = await lintPack(r.pack);
  }, 60_000);

  const has = (file: string, line: number, rule: string, text: RegExp) => {
    const hit = at(findings, file, line, rule).filter((f) => text.test(f.message) || text.test(f.excerpt));
    expect(
      hit,
      `${file}:${line} ${rule} ${text}\n${at(findings, file, line)
        .map((f) => f.message)
        .join('\n')}`,
    ).not.toHaveLength(0);
  };

  // The numbered items of "Spoilers inside the data" in the pack's README.
  it('1-2: Coriander, later queen of Qualicity (entities.yaml and her article)', () => {
    has('world/entities.yaml', 121, 'later-entity', /Qualicity/);
    has('wiki/entities/coriander.md', 12, 'later-entity', /Qualicity.*27\/1/);
  });
  it("3-4: Cayenne's and Thyme's particle spells (dated to ep25 by characters.md)", () => {
    has('wiki/entities/cayenne.md', 10, 'dated-fact', /episode 25/);
    has('wiki/entities/thyme.md', 12, 'dated-fact', /episode 25/);
  });
  it("5-6: Shichimi's partner Torreya and her blinding light spell", () => {
    has('wiki/entities/shichimi.md', 12, 'later-entity', /Torreya/);
    has('wiki/entities/shichimi.md', 12, 'dated-fact', /blinding light.*episode 22/);
  });
  it("7-8: Camomile's episode 22 and Spirulina's Water Tentacles", () => {
    has('wiki/entities/camomile.md', 8, 'later-episode', /episode 22/);
    has('wiki/entities/spirulina.md', 8, 'dated-fact', /Tentacles.*episode 22/);
  });
  it("9: Carrot's Hippiah food storage room (the article)", () => {
    has('wiki/entities/carrot.md', 8, 'later-entity', /Hippiah/);
  });
  it('11: the wanted poster as a good reputation (dated to ep. 37 by magic-system.md)', () => {
    has('wiki/entities/chaosah.md', 12, 'dated-fact', /episode 37/);
    has('wiki/topics/chaosah-tradition.md', 8, 'dated-fact', /episode 37/);
  });
  it('12: the zombie canary debuts at 6/4, before the page that names it (6/8)', () => {
    has('world/entities.yaml', 376, 'debut-before-name', /6\/8/);
  });
  it("13: the mayor's article names episode 6 at 6/3", () => {
    has('wiki/entities/mayor.md', 8, 'later-episode', /episode 6 before it ends/);
  });
  it("14: Pepper's godmothers resurrected by Zombiah, Hippiah backstory, the Komonan contest win", () => {
    has('wiki/entities/pepper.md', 10, 'later-entity', /Zombiah/);
    has('wiki/entities/pepper.md', 8, 'later-entity', /Hippiah/);
    has('wiki/entities/pepper.md', 12, 'later-entity', /Komona/);
  });
  it('15: magic-system.md cites ep. 36', () => {
    has('wiki/upstream/magic-system.md', 48, 'later-episode', /episode 36/);
  });

  it('never flags the backward footnotes in the dialogue or the title strips', () => {
    const pages = findings.filter((f) => f.file.startsWith('episodes/'));
    expect(pages).toEqual([]);
  });

  it('every finding has a real line of its file', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const f of findings) {
      const lines = (await readFile(join(REAL_PACK, f.file), 'utf8')).split('\n');
      expect(f.line, `${f.file}:${f.line}`).toBeGreaterThan(0);
      expect(f.line, `${f.file}:${f.line}`).toBeLessThanOrEqual(lines.length);
    }
  });
});

describe('lintPack on the bundled sample', () => {
  it('the bundled sample is clean: every later name sits in a section that debuts with it', async () => {
    const r = await readPack(await openPackDir(SAMPLE));
    if (!r.ok) throw new Error('sample does not read');
    expect(await lintPack(r.pack)).toEqual([]);
  });
});
