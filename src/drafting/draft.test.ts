import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { lintPack } from '../content/lint.js';
import { entitiesFileSchema, relationshipsFileSchema } from '../content/pack-schema.js';
import { openPackDir } from '../content/pack-source.js';
import { readPack } from '../content/read-pack.js';
import { type DraftPage, draftWorld, type WorldDraft } from './draft.js';
import { readGoldEntities, readPackPages, scoreDraft } from './evaluate.js';

const P = (episode: number, page: number, text: string, kind: DraftPage['kind'] = 'story'): DraftPage => ({ episode, page, kind, text });

/** A small invented series: names no word list knows, ordinary words that are names, sounds, labels, credits. */
const SERIES: DraftPage[] = [
  P(1, 0, 'Episode 1 : The Broken Lantern', 'title'),
  P(1, 1, 'What a lovely morning.\nI should finish this potion before noon.\nBLAM\nGlup\nGlup'),
  P(1, 2, 'Hey, Tomasz! Come and look at this.\nTomasz never listens to me...\nKRAKOOM !'),
  P(1, 3, 'We are going to Vellbridge tomorrow.\nThe market in Vellbridge opens early.\nFIN'),
  P(1, 4, 'Thanks to our patrons: Tomasz Nowak, Ilsabet Grey, Vellbridge Print Co.\nMade with Krita', 'credits'),
  P(2, 0, 'Episode 2 : The Witches of Ombrelune', 'title'),
  P(2, 1, 'Tomasz, the witches of Ombrelune are here!\nWhat do the Ombrelune witches want from us?'),
  P(2, 2, 'I am Ilsabet, and I speak for the witches of Ombrelune.\nTomasz looked at Ilsabet and said nothing.\nShhh\nZzzzz'),
  P(2, 3, 'Ilsabet flew back to Vellbridge with Tomasz.\nThey reached Vellbridge at dusk.\n- FIN -'),
  P(2, 4, 'Patrons: Mirelda Stone', 'credits'),
  P(3, 1, 'Come on, Ilsabet, wake up!\nIlsabet is still asleep.\nMirelda arrived from Ombrelune at dawn.'),
  P(3, 2, 'Mirelda and Ilsabet argued about the old lantern.\nYipee!\nYipee!\nMirelda, please, calm down.'),
  P(3, 3, 'Mirelda will teach Ilsabet the lantern spell in Vellbridge.\nTomasz just slept.'),
];

const byName = (d: WorldDraft, name: string) => d.entities.find((e) => e.name === name);
const cmp = (a: { episode: number; page: number }, b: { episode: number; page: number }) => a.episode - b.episode || a.page - b.page;
const pos = (x: { episode_debut: number; page_debut: number }) => ({ episode: x.episode_debut, page: x.page_debut });

describe('draftWorld: entities (rule 1)', () => {
  const d = draftWorld(SERIES, { language: 'en' });

  it('drafts the names of the text, with a kind from context', () => {
    const names = d.entities.map((e) => e.name).sort();
    expect(names).toEqual(expect.arrayContaining(['Ilsabet', 'Mirelda', 'Ombrelune', 'Tomasz', 'Vellbridge']));
    expect(byName(d, 'Vellbridge')!.kind).toBe('place');
    expect(byName(d, 'Ombrelune')!.kind).toBe('group');
    expect(byName(d, 'Tomasz')!.kind).toBe('character');
    expect(byName(d, 'Ilsabet')!.kind).toBe('character');
  });

  it('never drafts sound effects, interjections, labels or ordinary capitalised words', () => {
    const keys = d.entities.map((e) => e.name.toLowerCase());
    for (const noise of ['blam', 'glup', 'krakoom', 'shhh', 'zzzzz', 'yipee', 'fin', 'hey', 'what', 'episode', 'broken lantern', 'lantern', 'krita', 'come'])
      expect(keys).not.toContain(noise);
  });

  it('matches the pack schema (entities and relationships)', () => {
    expect(() => entitiesFileSchema.parse({ entities: d.entities })).not.toThrow();
    expect(() => relationshipsFileSchema.parse({ relationships: d.relationships })).not.toThrow();
    for (const e of d.entities) {
      expect(e.summary).toBeNull();
      expect(e.descriptions.length).toBeGreaterThan(0);
      expect(e.descriptions.length).toBeLessThanOrEqual(50);
      for (const x of e.descriptions) expect(x.text.length).toBeLessThanOrEqual(5_000);
    }
  });

  it('finds an ordinary word used as a name (capitalised mid-sentence, never lower case), not the same word as a word', () => {
    const pages = [
      P(1, 1, 'Where is Pepper today?\nI think Pepper went out.'),
      P(1, 2, 'Ask Pepper, she knows.'),
      P(2, 1, 'Add some salt and pepper.\nThe pepper is on the shelf.\nThe pepper mill is broken.\nMore pepper please.'),
    ];
    expect(byName(draftWorld(pages, { language: 'en' }), 'Pepper')).toBeUndefined();
    const named = draftWorld(pages.slice(0, 2), { language: 'en' });
    expect(byName(named, 'Pepper')).toMatchObject({ kind: 'character', episode_debut: 1, page_debut: 1 });
  });

  it('handles ALL-CAPS lettering: unknown words repeated in sentences on several pages are names, shouts are not', () => {
    const caps = SERIES.map((p) => ({ ...p, text: p.text.toUpperCase() }));
    const c = draftWorld(caps, { language: 'en' });
    const names = c.entities.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Tomasz', 'Ilsabet', 'Vellbridge', 'Mirelda']));
    for (const noise of ['Krakoom', 'Blam', 'Glup', 'Yipee', 'Shhh']) expect(names).not.toContain(noise);
  });

  it('keeps a title with its name as an alias, and the article of a name written with it', () => {
    const pages = [
      P(1, 1, 'Good morning, Captain Orrin.\nWe must climb to see the Oracle of the hills.'),
      P(1, 2, 'Orrin said we should wait.\nThe Oracle speaks only at night, says Orrin.'),
      P(1, 3, 'The Oracle is angry with us.'),
    ];
    const c = draftWorld(pages, { language: 'en' });
    expect(byName(c, 'Orrin')!.aliases).toContain('Captain Orrin');
    expect(byName(c, 'Oracle')!.aliases).toContain('the Oracle');
  });

  it('decides the kind from the text up to the debut page only (it shows from the debut)', () => {
    const early = [
      P(1, 1, 'They say Zimbrel is wonderful, Ada.'),
      P(2, 1, 'We travelled to the city of Zimbrel.\nLife in Zimbrel is good.\nThe market in Zimbrel never sleeps.'),
    ];
    expect(byName(draftWorld(early, { language: 'en' }), 'Zimbrel')!.kind).toBe('character');
    expect(byName(draftWorld(early.slice(1), { language: 'en' }), 'Zimbrel')!.kind).toBe('place');
  });

  it('keeps only the aliases written by the debut page (a later title would tell too much)', () => {
    const pages = [P(1, 1, 'Here comes Orrin, the new cook.'), P(1, 2, 'Orrin burned the soup again.'), P(2, 1, 'Long live King Orrin!\nBow to King Orrin.')];
    const orrin = byName(draftWorld(pages, { language: 'en' }), 'Orrin')!;
    expect(orrin.episode_debut).toBe(1);
    expect(orrin.aliases).not.toContain('King Orrin');
    expect(orrin.descriptions.at(-1)!.text).toContain('King Orrin');
    expect(pos(orrin.descriptions.at(-1)!)).toEqual({ episode: 2, page: 1 });
  });

  it('joins a full name and its first word into one entity; a full name given later is not shown at the debut', () => {
    const pages = [P(1, 1, 'Have you seen Zoltan Brakk today?\nI saw Zoltan Brakk at the mill.'), P(1, 2, 'Zoltan said he would come back.\nAsk Zoltan yourself.')];
    const d = draftWorld(pages, { language: 'en' });
    expect(d.entities.map((e) => e.name)).toEqual(['Zoltan Brakk']);
    expect(d.entities[0]).toMatchObject({ aliases: ['Zoltan'], episode_debut: 1, page_debut: 1 });
    expect(d.entities[0]!.descriptions.at(-1)!.text).toContain('Zoltan said he would come back');

    const later = draftWorld(
      [P(1, 1, 'Zoltan said he would come back.\nAsk Zoltan yourself.'), P(2, 1, 'Have you seen Zoltan Brakk today?\nI saw Zoltan Brakk at the mill.')],
      {
        language: 'en',
      },
    );
    expect(later.entities.map((e) => [e.name, e.aliases, e.episode_debut])).toEqual([['Zoltan', [], 1]]);
    // Nor in its slug (it may show in a link).
    expect(later.entities[0]!.slug).toBe('zoltan');
  });

  it('takes a rare word written once only where names go ("from Brumhold", "the Undercroft:"), not as a modifier', () => {
    const pages = [
      P(1, 1, 'They came all the way from Brumhold to see us.\nThe scholars measured the Voskar points again.'),
      P(1, 2, 'Below us lies the Grimmvault: dark and cold.'),
    ];
    const names = draftWorld(pages, { language: 'en' }).entities.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Brumhold', 'Grimmvault']));
    expect(names).not.toContain('Voskar');
  });

  it('never quotes a line that names an authored entity before its authored debut', () => {
    const known = { names: ['Mirelda'], debuts: [{ names: ['Mirelda'], episode: 3, page: 2 }] };
    const d = draftWorld(SERIES, { language: 'en', known });
    const quoted = d.entities.flatMap((e) => e.descriptions.map((x) => x.text)).join('\n');
    // 3/1 names Mirelda before 3/2: not quoted; 3/2 and 3/3 are.
    expect(quoted).not.toContain('Mirelda arrived from Ombrelune');
    expect(quoted).toContain('Mirelda will teach Ilsabet');
    expect(d.summaries.find((x) => x.episode === 3)!.text).not.toContain('Mirelda arrived');
    expect(d.entities.map((e) => e.name)).not.toContain('Mirelda');
  });

  it('drafts a capitalised phrase that recurs and is never written in lower case; not one that is', () => {
    const pages = [
      P(1, 1, 'We live near Crow Hollow, far from town.'),
      P(1, 2, 'Nobody visits Crow Hollow in winter.\nThe Grand Contest starts today!'),
      P(1, 3, 'I will win the Grand Contest.\nThis grand contest is a farce.'),
    ];
    const c = draftWorld(pages, { language: 'en' });
    expect(byName(c, 'Crow Hollow')).toMatchObject({ kind: 'place', episode_debut: 1, page_debut: 1 });
    expect(c.entities.map((e) => e.name)).not.toContain('Grand Contest');
  });

  it('never drafts a known name or alias again, nor the name inside a known title', () => {
    const c = draftWorld(SERIES, { language: 'en', known: { names: ['Tomasz', 'the Witches of OMBRELUNE', 'Lady Mirelda'] } });
    const names = c.entities.map((e) => e.name);
    expect(names).not.toContain('Tomasz');
    expect(names).not.toContain('Mirelda');
    expect(names).toContain('Ilsabet');
    expect(c.entities.map((e) => e.slug)).not.toContain('tomasz');
    // A known full name knows its first and last words; a known place does not know its town's name.
    const full = draftWorld(SERIES, { language: 'en', known: { names: ['Ilsabet Varn', 'Mayor of Vellbridge'] } }).entities.map((e) => e.name);
    expect(full).not.toContain('Ilsabet');
    expect(full).toContain('Vellbridge');
    // Known entities are not relationship endpoints either: nothing refers to a slug the draft does not define.
    const slugs = new Set(c.entities.map((e) => e.slug));
    for (const r of c.relationships) expect(slugs.has(r.source) && slugs.has(r.target)).toBe(true);
  });
});

describe('draftWorld: debuts (rule 2)', () => {
  const d = draftWorld(SERIES, { language: 'en' });

  it('debuts on the first story or title page that writes the name, never on credits', () => {
    expect(pos(byName(d, 'Tomasz')!)).toEqual({ episode: 1, page: 2 });
    expect(pos(byName(d, 'Vellbridge')!)).toEqual({ episode: 1, page: 3 });
    // Ilsabet is thanked on the credits of episode 1, but first written in the story at 2/2.
    expect(pos(byName(d, 'Ilsabet')!)).toEqual({ episode: 2, page: 2 });
    // Ombrelune is on the title page of episode 2: a title page counts.
    expect(pos(byName(d, 'Ombrelune')!)).toEqual({ episode: 2, page: 0 });
    expect(pos(byName(d, 'Mirelda')!)).toEqual({ episode: 3, page: 1 });
  });

  it('debuts where the name itself is written, not a plural of it', () => {
    const pages = [P(1, 1, 'The Zorblats are coming, said the guard.'), P(1, 2, 'Zorblat is here. Hello Zorblat.'), P(1, 3, 'Zorblat left the city.')];
    const z = byName(draftWorld(pages, { language: 'en' }), 'Zorblat')!;
    expect(pos(z)).toEqual({ episode: 1, page: 2 });
    expect(z.descriptions.every((x) => !x.text.includes('are coming'))).toBe(true);
  });

  it('never drafts a name written only on credits pages', () => {
    const names = d.entities.map((e) => e.name);
    for (const n of ['Nowak', 'Grey', 'Stone', 'Krita', 'Print Co']) expect(names).not.toContain(n);
  });

  it('never debuts before the first page whose text contains the name (any case)', () => {
    for (const e of d.entities) {
      const first = SERIES.filter((p) => p.kind === 'story' || p.kind === 'title').find((p) =>
        [e.name, ...e.aliases].some((n) => p.text.toLowerCase().includes(n.toLowerCase())),
      )!;
      expect(cmp(pos(e), first)).toBeGreaterThanOrEqual(0);
    }
  });
});

describe('draftWorld: descriptions (rule 3)', () => {
  const d = draftWorld(SERIES, { language: 'en' });

  it('grows with the story: the debut page, then one item per episode that mentions the entity, each at its own position', () => {
    const ils = byName(d, 'Ilsabet')!;
    expect(ils.descriptions.map(pos)).toEqual([
      { episode: 2, page: 2 },
      { episode: 2, page: 3 },
      { episode: 3, page: 3 },
    ]);
    expect(ils.descriptions[0]!.text).toContain('I speak for the witches of Ombrelune');
    expect(ils.descriptions[0]!.text).not.toContain('flew back');
    expect(ils.descriptions[1]!.text).toContain('flew back');
    expect(ils.descriptions[1]!.text).not.toContain('lantern spell');
    expect(ils.descriptions[2]!.text).toContain('lantern spell');
    // Each item is the whole story so far (the world graph shows the latest reached one alone).
    expect(ils.descriptions[2]!.text).toContain('I speak for the witches of Ombrelune');
    expect(ils.descriptions[2]!.text).toMatch(/^“.*” · “.*lantern spell.*”$/);
    // An entity whose first episode item is on its debut page has no separate debut item.
    expect(byName(d, 'Tomasz')!.descriptions.map(pos)[0]).toEqual({ episode: 1, page: 2 });
    expect(byName(d, 'Tomasz')!.descriptions.filter((x) => x.episode_debut === 1)).toHaveLength(1);
  });

  it('a description at P quotes only lines of pages at or before P (and never credits)', () => {
    for (const e of d.entities) {
      for (const x of e.descriptions) {
        expect(cmp(pos(x), pos(e))).toBeGreaterThanOrEqual(0);
        const quotes = [...x.text.matchAll(/“([^”]*)”/g)].map((m) => m[1]!.replace(/…$/, ''));
        expect(quotes.length).toBeGreaterThan(0);
        for (const q of quotes) {
          const source = SERIES.filter((p) => p.kind !== 'credits' && cmp(p, pos(x)) <= 0).some((p) => p.text.includes(q));
          expect(source, `${e.name} at ${x.episode_debut}/${x.page_debut}: "${q}"`).toBe(true);
        }
      }
    }
  });

  it('caps the number of items at 50, spread over the series, each at its own position', () => {
    const pages = Array.from({ length: 80 }, (_, i) => P(i + 1, 1, `Today Zanthor went out again, day ${i + 1}.`));
    const z = byName(draftWorld(pages, { language: 'en' }), 'Zanthor')!;
    expect(z.descriptions).toHaveLength(50);
    expect(pos(z.descriptions[0]!)).toEqual({ episode: 1, page: 1 });
    expect(pos(z.descriptions[49]!)).toEqual({ episode: 80, page: 1 });
    for (const x of z.descriptions) expect(x.text).toContain(`day ${x.episode_debut}.”`);
    for (const x of z.descriptions) expect(x.text).not.toContain(`day ${x.episode_debut + 1}.”`);
  });
});

describe('draftWorld: relationships (rule 4)', () => {
  it('appears_with after N shared pages, debut at the first shared page (never before either debut)', () => {
    const d = draftWorld(SERIES, { language: 'en' });
    const slug = (n: string) => byName(d, n)!.slug;
    const r = d.relationships.find((x) => [x.source, x.target].sort().join() === [slug('Ilsabet'), slug('Mirelda')].sort().join());
    expect(r).toMatchObject({ kind: 'appears_with', episode_debut: 3, page_debut: 1 });
    expect(r!.summary).not.toMatch(/\b[2-9] pages\b/);
    for (const x of d.relationships) {
      const a = d.entities.find((e) => e.slug === x.source)!;
      const b = d.entities.find((e) => e.slug === x.target)!;
      expect(cmp(pos(x), pos(a))).toBeGreaterThanOrEqual(0);
      expect(cmp(pos(x), pos(b))).toBeGreaterThanOrEqual(0);
    }
  });

  it('never names an episode in lore (an episode named before its end reads as its summary)', () => {
    const d = draftWorld(SERIES, { language: 'en' });
    for (const e of d.entities) for (const x of e.descriptions) expect(x.text).not.toMatch(/episode \d/i);
    for (const r of d.relationships) expect(r.summary).not.toMatch(/episode \d/i);
  });

  it('needs the minimum number of shared pages', () => {
    const pages = [P(1, 1, 'Ilsabet met Zanthor at the gate.'), P(1, 2, 'Zanthor waved at Ilsabet.'), P(1, 3, 'Ilsabet is alone.')];
    expect(draftWorld(pages, { language: 'en' }).relationships).toHaveLength(1);
    expect(draftWorld(pages, { language: 'en', minCooccurrence: 3 }).relationships).toHaveLength(0);
    expect(draftWorld(pages, { language: 'en' }).relationships[0]).toMatchObject({ episode_debut: 1, page_debut: 1 });
  });
});

describe('draftWorld: episode summaries (rule 5)', () => {
  const d = draftWorld(SERIES, { language: 'en' });

  it('quotes only lines of the episode’s own story pages, in story order, about 400 characters', () => {
    expect(d.summaries.map((s) => s.episode)).toEqual([1, 2, 3]);
    for (const s of d.summaries) {
      expect(s.text.length).toBeGreaterThan(0);
      expect(s.text.length).toBeLessThanOrEqual(400);
      const own = SERIES.filter((p) => p.episode === s.episode && p.kind === 'story')
        .map((p) => p.text)
        .join('\n');
      // Every sentence of the summary is a line of the episode's story pages.
      for (const part of s.text.split(/(?<=[.!?…])\s+/)) expect(own, part).toContain(part.replace(/[.…]$/, ''));
      expect(s.text).not.toMatch(/Patrons|Krita|Episode \d/);
    }
    expect(d.summaries[1]!.text).not.toContain('Mirelda');
  });

  it('has no summary for an episode without lettering', () => {
    const c = draftWorld([...SERIES, P(4, 1, ''), P(4, 2, 'BLAM')], { language: 'en' });
    expect(c.summaries.map((s) => s.episode)).toEqual([1, 2, 3]);
  });
});

describe('draftWorld: determinism (rule 6) and languages', () => {
  it('gives the same draft for the same pages, whatever their order in the input', () => {
    const a = draftWorld(SERIES, { language: 'en' });
    const b = draftWorld([...SERIES].reverse(), { language: 'en' });
    expect(b).toEqual(a);
    expect(draftWorld(SERIES, { language: 'en' })).toEqual(a);
  });

  it('makes stable, unique, schema-valid slugs', () => {
    const pages = [P(1, 1, 'Hello Zorbé, said Zorbe.\nZorbé is here.'), P(1, 2, 'Zorbé and Zorbe again, says Zorbe.')];
    const d = draftWorld(pages, { language: 'en' });
    const slugs = d.entities.map((e) => e.slug);
    expect(new Set(slugs).size).toBe(slugs.length);
    for (const s of slugs) expect(s).toMatch(/^[a-z0-9][a-z0-9_-]{0,99}$/);
  });

  it('reads speaker labels ("BOB: …") as characters', () => {
    const pages = [P(1, 1, 'BOB: Where did you put the map?\nALICE: In the drawer.'), P(1, 2, 'BOB: It is not there.\nALICE: Then look again!\nNOTE: the map is lost.')];
    const names = draftWorld(pages, { language: 'en' }).entities.map((e) => `${e.name}:${e.kind}`);
    expect(names).toEqual(expect.arrayContaining(['Bob:character', 'Alice:character']));
    expect(names.join()).not.toMatch(/Note/);
  });

  it('does not crash on a script without capitals', () => {
    const pages = [P(1, 1, 'こんにちは、ハナコ。\n今日はいい天気ですね。'), P(1, 2, 'ハナコはどこ？')];
    expect(() => draftWorld(pages, { language: 'ja' })).not.toThrow();
  });

  it('drafts a French series with the French word list, without crashing', () => {
    const fr = [
      P(1, 1, 'Bonjour Zéphirine, tu vas au marché de Brumevigne ?\nOui, je pars pour Brumevigne ce matin.'),
      P(1, 2, 'Zéphirine arrive à Brumevigne.\nLe Marché est fermé !'),
      P(1, 3, 'Zéphirine rentre chez elle.'),
    ];
    const d = draftWorld(fr, { language: 'fr' });
    expect(d.entities.map((e) => e.name)).toEqual(expect.arrayContaining(['Zéphirine', 'Brumevigne']));
    expect(d.entities.map((e) => e.name)).not.toContain('Bonjour');
    expect(d.summaries).toHaveLength(1);
    expect(() => draftWorld(fr, { language: 'xx' })).not.toThrow();
  });
});

describe('draftWorld on the bundled sample series (speaker labels)', () => {
  it('finds its characters and places from the lettering', () => {
    const dir = fileURLToPath(new URL('../../samples/moth-and-lantern', import.meta.url));
    const pages = readPackPages(dir);
    const d = draftWorld(pages, { language: 'en' });
    const s = scoreDraft(pages, d, readGoldEntities(dir));
    expect(s.recall).toBeGreaterThanOrEqual(0.75);
    expect(s.precision).toBeGreaterThanOrEqual(0.6);
    expect(s.debutShare).toBe(1);
    expect(byName(d, 'Wickmere')!.kind).toBe('place');
    expect(d.entities.map((e) => e.name)).not.toContain('Caption');
  });
});

describe('the drafted world in a content pack', () => {
  it('reads back and passes the content lint (no episode named early, no entity named before its debut)', async () => {
    const sample = fileURLToPath(new URL('../../samples/moth-and-lantern', import.meta.url));
    const dir = await mkdtemp(join(tmpdir(), 'folio-draft-'));
    try {
      await cp(join(sample, 'series.yaml'), join(dir, 'series.yaml'));
      await cp(join(sample, 'episodes'), join(dir, 'episodes'), { recursive: true });
      const d = draftWorld(readPackPages(dir), { language: 'en' });
      await mkdir(join(dir, 'world'));
      await writeFile(join(dir, 'world', 'entities.yaml'), stringify({ entities: d.entities }));
      await writeFile(join(dir, 'world', 'relationships.yaml'), stringify({ relationships: d.relationships }));
      const read = await readPack(await openPackDir(dir));
      if (!read.ok) throw new Error(JSON.stringify(read.problems));
      expect(read.pack.entities.length).toBe(d.entities.length);
      expect(read.pack.relationships.length).toBe(d.relationships.length);
      expect(await lintPack(read.pack)).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

const PACK = '/work/shared/data/pepper-carrot';
describe.skipIf(!existsSync(`${PACK}/world/entities.yaml`))('draftWorld on the Pepper&Carrot lettering', () => {
  it('finds most authored entities, mostly nothing else, and no debut before the first written mention', () => {
    const pages = readPackPages(PACK);
    const d = draftWorld(pages, { language: 'en' });
    const s = scoreDraft(pages, d, readGoldEntities(PACK));
    expect(s.goldInText).toBeGreaterThanOrEqual(20);
    expect(s.recall).toBeGreaterThanOrEqual(0.8);
    expect(s.precision).toBeGreaterThanOrEqual(0.7);
    expect(s.debutShare).toBe(1);
    expect(d.summaries.length).toBeGreaterThanOrEqual(15);
    expect(() => entitiesFileSchema.parse({ entities: d.entities })).not.toThrow();
  });

  it('still finds most of them when the same lettering is in capitals', () => {
    const pages = readPackPages(PACK).map((p) => ({ ...p, text: p.text.toUpperCase() }));
    const s = scoreDraft(pages, draftWorld(pages, { language: 'en' }), readGoldEntities(PACK));
    expect(s.recall).toBeGreaterThanOrEqual(0.7);
    expect(s.precision).toBeGreaterThanOrEqual(0.7);
    expect(s.debutShare).toBe(1);
  });
});
