/**
 * Drafting a comic's world offline, from its page text alone: entities (names,
 * aliases, kind, debut, descriptions that grow with the story), relationships
 * from co-occurrence, and extractive episode summaries. Pure and deterministic;
 * the importer stores the draft for an editor to review.
 *
 * Spoiler rules, by construction:
 * - an entity debuts on the first story or title page where its name or an
 *   alias is written (credits and blank pages are never read);
 * - each description item quotes only lines at or before its own position,
 *   which is the page of its last quoted line;
 * - a relationship debuts where both entities are first mentioned on one page,
 *   and its summary says nothing of later pages;
 * - an episode's summary quotes only that episode's story pages.
 */
import { slugify } from '../content/cbz.js';
import type { EntityYaml, RelationshipYaml } from '../content/pack-schema.js';
import { foldText } from '../spoilers/index.js';
import { CONNECTORS, lexiconFor, STOPWORDS } from './lexical.js';
import { findNames, linesByStem, type NameCandidate, occurrences } from './names.js';
import { episodeSummaries } from './summaries.js';
import { capsLettered, type DraftPage, type Line, readLines } from './text.js';
import { HONORIFICS } from './words.js';

export type { DraftPage } from './text.js';

export interface DraftOptions {
  /** Series language ('en' default): picks the word list that tells ordinary words from names. */
  language?: string;
  /**
   * Authored entities' names and aliases: never drafted again. `debuts`, when given, are the authored entities'
   * positions: a line naming one before its debut is never quoted (in a description or a summary), since the
   * guard would withhold it there and the content lint would flag it.
   */
  known?: { names: string[]; debuts?: Array<{ names: string[]; episode: number; page: number }> };
  /** Pages on which two entities must both be mentioned to draft a relationship (default 2). */
  minCooccurrence?: number;
}

export interface WorldDraft {
  entities: EntityYaml[];
  relationships: RelationshipYaml[];
  summaries: { episode: number; text: string }[];
}

/** The schema's caps: 50 description items of 5,000 characters each. */
export const MAX_DESCRIPTIONS = 50;
/** What one description item quotes at most (the schema allows 5,000). */
const DESCRIPTION_CHARS = 1_500;
/** What one episode's quotes take at most. */
const EPISODE_CHARS = 600;
const LINES_PER_DESCRIPTION = 3;
const EPISODE_REFERENCE = /\b(?:episode|ep|chapter|issue|chapitre|épisode)\.?\s*#?\d/i;
const QUOTE_CHARS = 240;

interface Mention {
  line: Line;
  at: number;
}

interface Drafted {
  candidate: NameCandidate;
  slug: string;
  mentions: Mention[];
}

/** A name as compared with known names: folded, no leading article, single spaces. */
export const nameKey = (s: string): string =>
  foldText(s)
    .replace(/['’]s\b/g, '')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .replace(/^(?:the|le|la|les|l) /, '');

const quote = (s: string) => {
  const t = s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS - 1).trimEnd()}…` : s;
  return `“${t}”`;
};

export function draftWorld(pages: readonly DraftPage[], opts: DraftOptions = {}): WorldDraft {
  const language = opts.language ?? 'en';
  const lex = lexiconFor(language);
  const lines = readLines(pages);
  const capsMode = capsLettered(lines);
  const minCo = Math.max(1, opts.minCooccurrence ?? 2);

  // Known names, and their words after a title ("Prince Acren" knows "Acren").
  const known = new Set<string>();
  for (const n of opts.known?.names ?? []) {
    const k = nameKey(n);
    if (!k) continue;
    known.add(k);
    const words = k.split(' ');
    if (words.length >= 2 && HONORIFICS.has(words[0]!)) known.add(words.slice(1).join(' '));
    // "Ada Quill" knows "Ada" and "Quill" (not "Mayor of Komona" its "Komona", nor "Squirrel's End" its "End").
    else if (words.length >= 2 && words.length <= 3 && !/['’]/.test(n) && !words.some((w) => CONNECTORS.has(w) || STOPWORDS.has(w))) {
      known.add(words[0]!);
      known.add(words[words.length - 1]!);
    }
  }
  const knownSlugs = new Set((opts.known?.names ?? []).map(slugify));

  const candidates = findNames(lines, lex, /^en\b/i.test(language)).filter((c) => ![c.name, ...c.aliases].some((n) => known.has(nameKey(n))));

  const folded = new Map<Line, string>();
  const foldedOf = (l: Line) => {
    let f = folded.get(l);
    if (f === undefined) folded.set(l, (f = foldText(l.text)));
    return f;
  };

  // Lines naming an authored entity before its authored debut: never quoted.
  const early = new Set<Line>();
  for (const k of opts.known?.debuts ?? []) {
    const forms = k.names.map(formPattern).filter((re) => re !== null);
    for (const l of lines) {
      if (l.episode > k.episode || (l.episode === k.episode && l.page >= k.page)) break;
      if (!early.has(l) && forms.some((re) => re.test(foldedOf(l)))) early.add(l);
    }
  }

  // Mentions and debut of each candidate; a name never written on a story or title page is dropped.
  const drafted: Omit<Drafted, 'slug'>[] = [];
  const index = linesByStem(lines);
  for (const c of candidates) {
    // A mention writes the name or an alias itself (any case, possessive allowed): "Carrots" is not "Carrot".
    const forms = [c.name, ...c.aliases].map(formPattern).filter((re) => re !== null);
    const mentions: Mention[] = [];
    const seen = new Set<string>();
    for (const v of [c, ...(c.variants ?? [])]) {
      for (const line of index.get(v.stems[0]!) ?? []) {
        if (!forms.some((re) => re.test(foldedOf(line)))) continue;
        for (const at of occurrences(v, line, capsMode)) {
          const k = `${line.ordinal}/${line.index}/${at}`;
          if (seen.has(k)) continue;
          seen.add(k);
          mentions.push({ line, at });
        }
      }
    }
    mentions.sort((a, b) => a.line.ordinal - b.line.ordinal || a.line.index - b.line.index || a.at - b.at);
    if (mentions.length > 0) drafted.push({ candidate: c, mentions });
  }
  // The name and aliases show from the entity's debut: a form first written later ("Princess Coriander" seven
  // episodes on, a full name given at the end) would tell a reader at the debut what the story has not yet.
  // The slug is made from the name shown.
  const shown = drafted.map((d) => {
    const first = d.mentions[0]!.line;
    const written = [d.candidate.name, ...d.candidate.aliases].map((form) => ({ form, at: firstWritten(lines, form) }));
    const named = written.reduce((a, b) => (b.at < a.at ? b : a));
    const aliases = written.filter((w) => w !== named && w.at <= first.ordinal).map((w) => w.form);
    return { ...d, first, name: named.form, aliases };
  });
  shown.sort((a, b) => a.first.ordinal - b.first.ordinal || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));

  const slugs = new Set(knownSlugs);
  const withSlugs = shown.map((d, i) => {
    let base = slugify(d.name);
    if (base === 'comic' && !/[a-z0-9]/.test(foldText(d.name))) base = `entity-${i + 1}`;
    let slug = base;
    for (let k = 2; slugs.has(slug); k++) slug = `${base.slice(0, 60)}-${k}`;
    slugs.add(slug);
    return { ...d, slug };
  });

  const entities: EntityYaml[] = withSlugs.map((d) => ({
    slug: d.slug,
    name: d.name.slice(0, 200),
    kind: d.candidate.kind,
    summary: null,
    aliases: d.aliases.slice(0, 50).map((a) => a.slice(0, 200)),
    episode_debut: d.first.episode,
    page_debut: d.first.page,
    descriptions: describe(d.mentions.filter((m) => !early.has(m.line))),
  }));

  return {
    entities,
    relationships: cooccurrences(withSlugs, minCo),
    summaries: episodeSummaries(
      lines.filter((l) => !early.has(l)),
      new Set(candidates.flatMap((c) => c.stems)),
    ),
  };
}

/**
 * Descriptions that grow with the story. The world graph shows an entity's latest reached description alone, so
 * each item is cumulative: the lines quoted for every episode so far (up to three per episode: speech before
 * labels, the longest), positioned at the page of its own last quoted line. The first item is the debut page's
 * lines when the first episode's quotes run past it. Past DESCRIPTION_CHARS, an item keeps the first episode and
 * the latest ones. At most MAX_DESCRIPTIONS items, spread over the series (each keeps its own position, so any
 * subset is as safe).
 */
function describe(mentions: readonly Mention[]): EntityYaml['descriptions'] {
  const byEpisode = new Map<number, Line[]>();
  for (const m of mentions) {
    // A title or a footnote naming an episode ("Episode 8: Pepper's Birthday Party") says nothing about the entity.
    if (EPISODE_REFERENCE.test(m.line.text)) continue;
    const list = byEpisode.get(m.line.episode) ?? [];
    if (!list.includes(m.line)) list.push(m.line);
    byEpisode.set(m.line.episode, list);
  }
  const segments: Array<{ episode: number; lines: Line[] }> = [];
  for (const [episode, ls] of byEpisode) {
    const chosen = pick(ls);
    if (segments.length === 0 && chosen[chosen.length - 1]!.ordinal > ls[0]!.ordinal) {
      segments.push({ episode, lines: pick(ls.filter((l) => l.ordinal === ls[0]!.ordinal)) });
    }
    segments.push({ episode, lines: chosen });
  }
  // No "Episode N" label: lore that names an episode before its end reads as a summary of it (content lint).
  const render = (seg: { episode: number; lines: Line[] }) => seg.lines.map((l) => quote(l.text)).join(' ');
  const items: EntityYaml['descriptions'] = segments.map((seg, k) => {
    // The debut page's segment is part of its episode's: once that is reached, only the episode's counts.
    const upTo = segments.slice(0, k + 1).filter((x, i) => !(i + 1 <= k && segments[i + 1]!.episode === x.episode));
    const parts = upTo.map(render);
    let text = parts.join(' · ');
    if (text.length > DESCRIPTION_CHARS) {
      const kept: string[] = [];
      let len = parts[0]!.length;
      for (let i = parts.length - 1; i > 0; i--) {
        if (kept.length > 0 && len + parts[i]!.length + 5 > DESCRIPTION_CHARS) break;
        kept.unshift(parts[i]!);
        len += parts[i]!.length + 5;
      }
      text = [parts[0]!, ...(kept.length < parts.length - 1 ? ['…'] : []), ...kept].join(' · ');
    }
    const last = seg.lines[seg.lines.length - 1]!;
    return { text: text.slice(0, 5_000), episode_debut: last.episode, page_debut: last.page };
  });
  if (items.length <= MAX_DESCRIPTIONS) return items;
  const picked: EntityYaml['descriptions'] = [];
  for (let i = 0; i < MAX_DESCRIPTIONS; i++) picked.push(items[Math.round((i * (items.length - 1)) / (MAX_DESCRIPTIONS - 1))]!);
  return picked;
}

/** A written form as a pattern over folded text: its words, whole, separated by anything but letters and digits. */
function formPattern(form: string): RegExp | null {
  const words = foldText(form)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  if (words.length === 0) return null;
  return new RegExp(`(?<![\\p{L}\\p{N}])${words.join('[^\\p{L}\\p{N}]+')}(?![\\p{L}\\p{N}])`, 'u');
}

/** Reading-order index of the first line that writes `form` (whole words, any case), or Infinity. */
function firstWritten(lines: readonly Line[], form: string): number {
  const re = formPattern(form);
  if (re) for (const l of lines) if (re.test(foldText(l.text))) return l.ordinal;
  return Number.POSITIVE_INFINITY;
}

/** Up to three lines to quote (distinct; speech before labels, longest first), in story order. */
function pick(ls: readonly Line[]): Line[] {
  const seen = new Set<string>();
  const unique = ls.filter((l) => {
    const k = l.text.toLowerCase();
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  const words = (l: Line) => l.tokens.length;
  const ranked = [...unique].sort((a, b) => Number(b.label === false) - Number(a.label === false) || words(b) - words(a) || a.ordinal - b.ordinal || a.index - b.index);
  const chosen: Line[] = [];
  let len = 0;
  for (const l of ranked) {
    if (chosen.length >= LINES_PER_DESCRIPTION) break;
    const q = quote(l.text);
    if (chosen.length > 0 && len + q.length + 1 > EPISODE_CHARS) continue;
    chosen.push(l);
    len += q.length + 1;
  }
  return chosen.sort((a, b) => a.ordinal - b.ordinal || a.index - b.index);
}

/** `appears_with` between entities mentioned on the same page on at least `minCo` pages; debut at the first such page. */
function cooccurrences(drafted: readonly Drafted[], minCo: number): RelationshipYaml[] {
  const pagesOf = drafted.map((d) => {
    const m = new Map<number, Line>();
    for (const x of d.mentions) if (!m.has(x.line.ordinal)) m.set(x.line.ordinal, x.line);
    return m;
  });
  const out: RelationshipYaml[] = [];
  for (let a = 0; a < drafted.length; a++) {
    for (let b = a + 1; b < drafted.length; b++) {
      const shared = [...pagesOf[a]!.keys()].filter((o) => pagesOf[b]!.has(o)).sort((x, y) => x - y);
      if (shared.length < minCo) continue;
      const first = pagesOf[a]!.get(shared[0]!)!;
      // drafted is in debut order: a debuts no later than b.
      out.push({
        source: drafted[a]!.slug,
        target: drafted[b]!.slug,
        kind: 'appears_with',
        // Nothing about later pages (how often), nor an episode number (content lint: an episode named before its end).
        summary: 'Mentioned together on the same page.',
        episode_debut: first.episode,
        page_debut: first.page,
      });
    }
  }
  return out.sort((x, y) => x.episode_debut - y.episode_debut || x.page_debut - y.page_debut || (x.source + x.target < y.source + y.target ? -1 : 1));
}
