/**
 * A drafted world against an authored one (bench/draft.ts and the drafting tests): recall of the authored
 * entities the text names, precision of the drafted ones, and whether every drafted debut is at or after the
 * first page that writes the name. Also a reader for a content pack's pages (the pack's own episode.yaml files).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { foldText } from '../spoilers/index.js';
import type { DraftPage, WorldDraft } from './draft.js';

export interface GoldEntity {
  slug: string;
  name: string;
  kind: string;
  aliases?: string[];
  episode_debut: number;
  page_debut: number;
}

/** Every page of a pack's episodes (episodes/<dir>/episode.yaml), in reading order; `text` is the page's `dialogue`. */
export function readPackPages(packDir: string): DraftPage[] {
  const root = join(packDir, 'episodes');
  const pages: DraftPage[] = [];
  for (const dir of readdirSync(root).sort()) {
    const file = join(root, dir, 'episode.yaml');
    try {
      if (!statSync(file).isFile()) continue;
    } catch {
      continue;
    }
    const ep = parse(readFileSync(file, 'utf8')) as { number: number; pages: Array<{ number: number; kind?: DraftPage['kind']; dialogue?: string | null }> };
    for (const p of ep.pages) pages.push({ episode: ep.number, page: p.number, kind: p.kind ?? 'story', text: p.dialogue ?? '' });
  }
  return pages.sort((a, b) => a.episode - b.episode || a.page - b.page);
}

export function readGoldEntities(packDir: string): GoldEntity[] {
  const doc = parse(readFileSync(join(packDir, 'world', 'entities.yaml'), 'utf8')) as { entities: GoldEntity[] };
  return doc.entities;
}

/** How two names compare: folded, possessive and leading article dropped, punctuation as spaces. */
export const matchKey = (s: string): string =>
  foldText(s)
    .replace(/['’]s\b/g, 's')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^the /, '');

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** First story/title page whose text has `name` as whole words, case-insensitive (folded); null when none. */
export function firstMention(pages: readonly DraftPage[], name: string): { episode: number; page: number } | null {
  const words = matchKey(name).split(' ').filter(Boolean);
  if (words.length === 0) return null;
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${words.map(escapeRe).join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`, 'u');
  for (const p of pages) {
    if (p.kind !== 'story' && p.kind !== 'title') continue;
    if (re.test(foldText(p.text).replace(/['’]s\b/g, 's'))) return { episode: p.episode, page: p.page };
  }
  return null;
}

export interface DraftScore {
  goldInText: number;
  goldMatched: number;
  recall: number;
  drafted: number;
  draftedMatched: number;
  precision: number;
  /** Drafted entities matching gold whose debut is at or after the first page that writes any of the matched names. */
  debutsChecked: number;
  debutsOk: number;
  debutShare: number;
  missed: string[];
  unmatched: string[];
  earlyDebuts: string[];
  /** Matched pairs whose drafted kind agrees with the authored one (coven → group, creature → character or thing). */
  kindAgree: number;
}

const KIND_MAP: Record<string, string[]> = {
  character: ['character'],
  coven: ['group'],
  group: ['group'],
  place: ['place'],
  creature: ['character', 'thing'],
  thing: ['thing'],
};

export function scoreDraft(pages: readonly DraftPage[], draft: WorldDraft, gold: readonly GoldEntity[]): DraftScore {
  const goldNames = gold.map((g) => ({ g, keys: new Set([g.name, ...(g.aliases ?? [])].map(matchKey)) }));
  const inText = goldNames.filter(({ g }) => [g.name, ...(g.aliases ?? [])].some((n) => firstMention(pages, n) !== null));
  const draftKeys = draft.entities.map((e) => ({ e, keys: new Set([e.name, ...e.aliases].map(matchKey)) }));
  const meets = (a: Set<string>, b: Set<string>) => [...a].some((k) => b.has(k));

  const missed: string[] = [];
  let goldMatched = 0;
  for (const g of inText) {
    if (draftKeys.some((d) => meets(d.keys, g.keys))) goldMatched++;
    else missed.push(g.g.name);
  }
  const unmatched: string[] = [];
  const earlyDebuts: string[] = [];
  let draftedMatched = 0;
  let debutsOk = 0;
  let kindAgree = 0;
  for (const d of draftKeys) {
    const g = goldNames.find((x) => meets(d.keys, x.keys));
    if (!g) {
      unmatched.push(`${d.e.name} (${d.e.kind}, ${d.e.episode_debut}/${d.e.page_debut})`);
      continue;
    }
    draftedMatched++;
    if ((KIND_MAP[g.g.kind] ?? [g.g.kind]).includes(d.e.kind)) kindAgree++;
    // The first page where the gold name or an alias is written (the drafted forms only when the gold ones never are).
    const firstOf = (names: string[]) =>
      names
        .map((n) => firstMention(pages, n))
        .filter((x) => x !== null)
        .sort((a, b) => a.episode - b.episode || a.page - b.page)[0];
    const first = firstOf([g.g.name, ...(g.g.aliases ?? [])]) ?? firstOf([d.e.name, ...d.e.aliases]);
    const ok = !!first && (d.e.episode_debut > first.episode || (d.e.episode_debut === first.episode && d.e.page_debut >= first.page));
    if (ok) debutsOk++;
    else earlyDebuts.push(`${d.e.name} drafted ${d.e.episode_debut}/${d.e.page_debut}, first written ${first ? `${first.episode}/${first.page}` : 'never'}`);
  }
  return {
    goldInText: inText.length,
    goldMatched,
    recall: inText.length ? goldMatched / inText.length : 1,
    drafted: draft.entities.length,
    draftedMatched,
    precision: draft.entities.length ? draftedMatched / draft.entities.length : 1,
    debutsChecked: draftedMatched,
    debutsOk,
    debutShare: draftedMatched ? debutsOk / draftedMatched : 1,
    missed,
    unmatched,
    earlyDebuts,
    kindAgree,
  };
}
