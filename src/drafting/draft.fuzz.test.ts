import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type DraftPage, draftWorld } from './draft.js';

/** Random lettering from invented names, ordinary words, sounds and punctuation, on story, title and credits pages. */
const WORDS = ['Zorblat', 'Ilsabet', 'Quorvane', 'Brumhold', 'Pepper', 'the', 'witches', 'of', 'in', 'to', 'went', 'is', 'potion', 'BLAM', 'Glup', 'Miss', 'said', 'and'];
const line = fc.array(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 9 }).chain((ws) => fc.constantFrom('', '!', '?', '.', ',').map((p) => ws.join(' ') + p));
const page = fc.record({
  kind: fc.constantFrom<DraftPage['kind']>('story', 'story', 'story', 'title', 'credits'),
  text: fc.array(line, { minLength: 0, maxLength: 5 }).map((ls) => ls.join('\n')),
  caps: fc.boolean(),
});
const series = fc
  .array(fc.array(page, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 5 })
  .map((eps) => eps.flatMap((ps, e) => ps.map((p, i) => ({ episode: e + 1, page: i, kind: p.kind, text: p.caps ? p.text.toUpperCase() : p.text }) satisfies DraftPage)));

const atOrBefore = (a: { episode: number; page: number }, b: { episode: number; page: number }) => a.episode < b.episode || (a.episode === b.episode && a.page <= b.page);
const writes = (text: string, name: string) => new RegExp(`(?<![\\p{L}])${name.replace(/[^\p{L}]+/gu, '[^\\p{L}]+')}(?![\\p{L}])`, 'iu').test(text);

describe('draftWorld on random lettering', () => {
  it('keeps every spoiler rule', () => {
    fc.assert(
      fc.property(series, (pages) => {
        const d = draftWorld(pages, { language: 'en' });
        const readable = pages.filter((p) => p.kind === 'story' || p.kind === 'title');
        for (const e of d.entities) {
          const at = { episode: e.episode_debut, page: e.page_debut };
          // Debut: a story or title page that writes the name or an alias (so never before the first one that does;
          // later is allowed: "potion" in lower case before "Miss Potion" is not her).
          const debutPage = readable.find((p) => p.episode === at.episode && p.page === at.page);
          expect(debutPage && [e.name, ...e.aliases].some((n) => writes(debutPage.text, n))).toBe(true);
          // The name and aliases shown at the debut are written by then.
          for (const n of [e.name, ...e.aliases]) expect(readable.some((p) => atOrBefore(p, at) && writes(p.text, n))).toBe(true);
          for (const x of e.descriptions) {
            const pos = { episode: x.episode_debut, page: x.page_debut };
            expect(atOrBefore(at, pos)).toBe(true);
            for (const m of x.text.matchAll(/“([^”]*)”/g)) {
              const q = m[1]!.replace(/…$/, '');
              expect(readable.some((p) => atOrBefore(p, pos) && p.text.includes(q))).toBe(true);
            }
          }
        }
        for (const r of d.relationships) {
          const a = d.entities.find((e) => e.slug === r.source)!;
          const b = d.entities.find((e) => e.slug === r.target)!;
          expect(atOrBefore({ episode: a.episode_debut, page: a.page_debut }, { episode: r.episode_debut, page: r.page_debut })).toBe(true);
          expect(atOrBefore({ episode: b.episode_debut, page: b.page_debut }, { episode: r.episode_debut, page: r.page_debut })).toBe(true);
        }
        for (const s of d.summaries) {
          const own = pages.filter((p) => p.episode === s.episode && p.kind === 'story').map((p) => p.text);
          for (const part of s.text.split(/(?<=[.!?…])\s+/)) expect(own.some((t) => t.includes(part.replace(/[.…]$/, '')))).toBe(true);
        }
        expect(draftWorld([...pages].reverse(), { language: 'en' })).toEqual(d);
      }),
      { numRuns: 150, seed: 20261206 },
    );
  });
});
