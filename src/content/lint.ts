/**
 * Spoiler lint: text in a content pack that likely spoils what comes later.
 *
 * Debuts gate *where* text is shown; they cannot tell that the text itself talks
 * about later events (docs/architecture.md#the-spoiler-policy, docs/lint.md). These rules read the text:
 *
 * - `later-episode`: a passage mentions an episode the reader has not finished
 *   at the passage's own position ("in episode 6" at 6/3, "(ep. 36)", "[episode 29](…)").
 *   Story pages are only checked for strictly later episodes: a title strip or a
 *   footer names its own episode, and a footnote like "* See Episode 4" points back.
 * - `later-entity`: a passage names an entity (or alias) whose debut is later
 *   than the passage's position.
 * - `dated-fact`: a passage states a fact that another line of the pack dates to
 *   a later episode ("Water Tentacles (ep22)" in an upstream list, "Her known
 *   spells include … Water Tentacles" in a description at 21/4), unless the story
 *   pages reached by then already used those words.
 * - `debut-before-name`: an entity debuts on a page before the page of the same
 *   episode that first names it, so its summary shows while the reader is still
 *   in the middle of the scene that introduces it.
 * - `article-before-entity`: a wiki article's own debut is earlier than the debut
 *   of the world entity it describes (same slug).
 *
 * Everything here is pure except `lintPack`, which only reads the pack's files
 * (for line numbers). Findings are warnings: they never block an import.
 */
import { type Document, isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import {
  comparePositions,
  type EntityName,
  findReferences,
  foldText,
  formatPosition,
  NameMatcher,
  type Position,
  type Reference,
  splitSentences,
} from '../spoilers/index.js';
import type { Pack, PackProblem } from './read-pack.js';

/** Episode references (citation labels are the companion's, not a pack's: only `episode` ones count here). */
const episodeReferences = (text: string): Reference[] => findReferences(text).filter((r) => r.kind === 'episode');

export type LintRule = 'later-episode' | 'later-entity' | 'dated-fact' | 'debut-before-name' | 'article-before-entity';

export interface LintFinding {
  rule: LintRule;
  file: string;
  /** 1-based line in `file`. */
  line: number;
  /** Which text in the file: `entities[3].summary`, `section "History"`, `pages[number=4].dialogue`, … */
  field: string;
  /** Where the text is shown from. */
  at: Position;
  /** The earliest position at which the text would be safe. */
  safeFrom: Position;
  /** The sentence, shortened. */
  excerpt: string;
  message: string;
}

// ---------------------------------------------------------------------------
// Positions

/** When talking about episode N stops being a spoiler: its last story page. */
export type EpisodeEnds = (episode: number) => Position;

export function episodeEnds(pack: Pick<Pack, 'episodes'>): EpisodeEnds {
  const ends = new Map<number, Position>();
  for (const e of pack.episodes) {
    const pages = e.data.pages;
    const story = pages.filter((p) => p.kind === 'story');
    const last = (story.length > 0 ? story : pages)[(story.length > 0 ? story : pages).length - 1];
    if (last) ends.set(e.data.number, { episode: e.data.number, page: last.number });
  }
  // An episode the pack does not have: safe only once the reader is past it.
  return (n) => ends.get(n) ?? { episode: n + 1, page: 0 };
}

const laterOf = (a: Position, b: Position): Position => (comparePositions(a, b) >= 0 ? a : b);

// ---------------------------------------------------------------------------
// Passages: every piece of pack text with the position it is shown from

export type YamlPath = Array<string | number | { number: number }>;

export interface Passage {
  file: string;
  field: string;
  /** `lore`: every rule applies. `page`: story text, checked only for strictly later episodes. */
  kind: 'lore' | 'page';
  at: Position;
  text: string;
  /** Where the text sits in its file. `offset` is exact (markdown); `yaml` is a node to search in. */
  where: { offset: number } | { yaml: YamlPath };
}

/** Every text of the pack a reader can be shown, with its position. Pure. */
export function packPassages(pack: Pack, rawWiki: Map<string, string>): Passage[] {
  const out: Passage[] = [];
  const debutOf = new Map(pack.entities.map((e) => [e.slug, { episode: e.episode_debut, page: e.page_debut }]));
  pack.entities.forEach((e, i) => {
    const at = { episode: e.episode_debut, page: e.page_debut };
    const file = 'world/entities.yaml';
    if (e.summary) out.push({ file, field: `entities[${i}].summary`, kind: 'lore', at, text: e.summary, where: { yaml: ['entities', i, 'summary'] } });
    e.aliases.forEach((a, k) => {
      out.push({ file, field: `entities[${i}].aliases[${k}]`, kind: 'lore', at, text: a, where: { yaml: ['entities', i, 'aliases', k] } });
    });
    e.descriptions.forEach((d, j) => {
      out.push({
        file,
        field: `entities[${i}].descriptions[${j}]`,
        kind: 'lore',
        at: { episode: d.episode_debut, page: d.page_debut },
        text: d.text,
        where: { yaml: ['entities', i, 'descriptions', j, 'text'] },
      });
    });
  });
  pack.relationships.forEach((r, i) => {
    if (!r.summary) return;
    // Shown only once the edge and both ends have debuted.
    let at: Position = { episode: r.episode_debut, page: r.page_debut };
    for (const end of [r.source, r.target]) {
      const d = debutOf.get(end);
      if (d) at = laterOf(at, d);
    }
    out.push({
      file: 'world/relationships.yaml',
      field: `relationships[${i}].summary`,
      kind: 'lore',
      at,
      text: r.summary,
      where: { yaml: ['relationships', i, 'summary'] },
    });
  });
  for (const e of pack.episodes) {
    const file = `${e.dir}/episode.yaml`;
    const pages = e.data.pages;
    const last = pages[pages.length - 1]!;
    if (e.data.summary) {
      // Summaries are shown once the episode's last page is reached.
      out.push({ file, field: 'summary', kind: 'lore', at: { episode: e.data.number, page: last.number }, text: e.data.summary, where: { yaml: ['summary'] } });
    }
    for (const p of pages) {
      const at = { episode: e.data.number, page: p.number };
      for (const key of ['dialogue', 'description'] as const) {
        const text = p[key];
        if (text) out.push({ file, field: `pages[number=${p.number}].${key}`, kind: 'page', at, text, where: { yaml: ['pages', { number: p.number }, key] } });
      }
    }
  }
  for (const a of pack.wiki) {
    const raw = rawWiki.get(a.path) ?? '';
    const titleAt = raw.search(/^title:/m);
    out.push({ file: a.path, field: 'title', kind: 'lore', at: a.debut, text: a.title, where: { offset: Math.max(0, titleAt) } });
    let cursor = 0;
    a.sections.forEach((s, i) => {
      // Headings are shown with their section; find heading and body verbatim in the file.
      if (s.heading) {
        const h = raw.indexOf(s.heading, cursor);
        if (h >= 0) {
          out.push({ file: a.path, field: `section ${i} heading`, kind: 'lore', at: s.debut, text: s.heading, where: { offset: h } });
          cursor = h + s.heading.length;
        }
      }
      if (!s.body) return;
      const b = raw.indexOf(s.body, cursor);
      out.push({
        file: a.path,
        field: s.heading ? `section "${s.heading.slice(0, 60)}"` : 'introduction',
        kind: 'lore',
        at: s.debut,
        text: s.body,
        where: { offset: Math.max(0, b) },
      });
      if (b >= 0) cursor = b + s.body.length;
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Sentences and excerpts

interface Sentence {
  text: string;
  start: number;
}

function sentencesOf(text: string): Sentence[] {
  const out: Sentence[] = [];
  let start = 0;
  for (const s of splitSentences(text)) {
    out.push({ text: s, start });
    start += s.length;
  }
  return out;
}

function sentenceAt(sentences: Sentence[], offset: number): Sentence {
  let found = sentences[0] ?? { text: '', start: 0 };
  for (const s of sentences) if (s.start <= offset) found = s;
  return found;
}

function excerptOf(s: Sentence, hitStart: number, max = 180): string {
  const t = s.text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const rel = Math.max(0, hitStart - s.start - max / 2);
  return `${rel > 0 ? '…' : ''}${t.slice(rel, rel + max).trim()}…`;
}

/** A finding before it has a line number: where in the passage it is. */
export interface RawFinding {
  rule: LintRule;
  passage: Passage;
  /** Offset and length in the passage text of what was found. */
  start: number;
  length: number;
  safeFrom: Position;
  excerpt: string;
  message: string;
}

// ---------------------------------------------------------------------------
// Rule: later episode

export function laterEpisodeRule(p: Passage, ends: EpisodeEnds): RawFinding[] {
  const out: RawFinding[] = [];
  const sentences = sentencesOf(p.text);
  for (const m of episodeReferences(p.text)) {
    const unsafe = m.episodes.filter((n) => (p.kind === 'page' ? n > p.at.episode : comparePositions(p.at, ends(n)) < 0)).sort((a, b) => b - a);
    const n = unsafe[0];
    if (n === undefined) continue;
    const safeFrom = ends(n);
    const when = n === p.at.episode ? `episode ${n} before it ends (${formatPosition(safeFrom)})` : `episode ${n}`;
    out.push({
      rule: 'later-episode',
      passage: p,
      start: m.start,
      length: m.end - m.start,
      safeFrom,
      excerpt: excerptOf(sentenceAt(sentences, m.start), m.start),
      message: `shown from ${formatPosition(p.at)} but mentions ${when}`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rule: later entity

export interface LintEntity {
  slug: string;
  name: string;
  aliases: string[];
  debut: Position;
}

export function lintEntities(pack: Pick<Pack, 'entities'>): LintEntity[] {
  return pack.entities.map((e) => ({ slug: e.slug, name: e.name, aliases: e.aliases, debut: { episode: e.episode_debut, page: e.page_debut } }));
}

const namesOf = (e: LintEntity): EntityName[] => [e.name, ...e.aliases].map((name) => ({ slug: e.slug, name }));

/** One NameMatcher per position: names debuting later are "unreached". */
export function matcherCache(entities: LintEntity[]): (at: Position) => NameMatcher {
  const cache = new Map<string, NameMatcher>();
  return (at) => {
    const key = formatPosition(at);
    let m = cache.get(key);
    if (!m) {
      const later = entities.filter((e) => comparePositions(e.debut, at) > 0);
      const reached = entities.filter((e) => comparePositions(e.debut, at) <= 0);
      m = new NameMatcher(later.flatMap(namesOf), reached.flatMap(namesOf));
      cache.set(key, m);
    }
    return m;
  };
}

export function laterEntityRule(p: Passage, entities: LintEntity[], matcherAt: (at: Position) => NameMatcher): RawFinding[] {
  if (p.kind !== 'lore') return [];
  const bySlug = new Map(entities.map((e) => [e.slug, e]));
  const sentences = sentencesOf(p.text);
  const out: RawFinding[] = [];
  const seen = new Set<string>();
  for (const hit of matcherAt(p.at).find(p.text)) {
    const slug = hit.ref;
    const s = sentenceAt(sentences, hit.start);
    const key = `${s.start}|${slug}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const e = bySlug.get(slug)!;
    out.push({
      rule: 'later-entity',
      passage: p,
      start: hit.start,
      length: hit.end - hit.start,
      safeFrom: e.debut,
      excerpt: excerptOf(s, hit.start),
      message: `shown from ${formatPosition(p.at)} but names "${p.text.slice(hit.start, hit.end)}" (${e.slug}), who debuts at ${formatPosition(e.debut)}`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rule: dated fact

const STOPWORDS = new Set(
  `a about above after again against all almost also although always am among an and another any are around as at away back
  be became because become been before being below between both but by came can could did do does doing done down during each
  either else even ever every few for from further get gets got had has have having he her here hers herself him himself his how
  however i if in into is it its itself just known later least less like made make makes many may me might more most much must my
  myself never new no nor not now of off often on once one only or other others our out over own per perhaps quite rather really
  same see seems she should since so some still such than that the their theirs them themselves then there these they this those
  though through thus to too under until up upon us used very was we well were what when where whether which while who whom whose
  why will with within without would yet you your also including include includes whose onto toward towards`.split(/\s+/),
);

export interface Token {
  key: string;
  /** Offset in the text. */
  start: number;
  end: number;
}

/** A light stem: possessive, plural and -ing/-ed endings ("particles" ~ "particules" through the consonant key). */
export function wordKey(word: string): string {
  let w = foldText(word).replace(/['’]s$/, '');
  for (const suffix of ['ing', 'ed', 'es', 's']) {
    if (w.endsWith(suffix) && w.length - suffix.length >= 4 && !(suffix === 's' && w.endsWith('ss'))) {
      w = w.slice(0, -suffix.length);
      break;
    }
  }
  // Long words compare by their consonants: tolerates a misspelt vowel ("particules").
  return w.length >= 6 ? w[0] + w.slice(1).replace(/[aeiouy]/g, '') : w;
}

/** Content words of `text` (no stopwords, no digits, no names of entities), with offsets. */
export function contentTokens(text: string, nameWords: Set<string>): Token[] {
  const out: Token[] = [];
  for (const m of text.matchAll(/[\p{L}][\p{L}'’-]*[\p{L}]|\p{L}/gu)) {
    for (const part of m[0].split(/-/)) {
      const lower = foldText(part).replace(/['’]s$/, '');
      if (lower.length < 3 || STOPWORDS.has(lower) || nameWords.has(lower)) continue;
      const start = m.index + m[0].indexOf(part);
      out.push({ key: wordKey(part), start, end: start + part.length });
    }
  }
  return out;
}

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

/** Word pairs of a token run: neighbours and next-but-one neighbours. */
function pairsOf(tokens: Token[], window: number): Array<{ key: string; start: number; end: number }> {
  const out: Array<{ key: string; start: number; end: number }> = [];
  for (let i = 0; i < tokens.length; i++) {
    for (let j = i + 1; j <= i + window && j < tokens.length; j++) {
      if (tokens[i]!.key === tokens[j]!.key) continue;
      out.push({ key: pairKey(tokens[i]!.key, tokens[j]!.key), start: tokens[i]!.start, end: tokens[j]!.end });
    }
  }
  return out;
}

export interface DatedFact {
  /** The pair of content-word keys. */
  key: string;
  /** The earliest episode the pack dates it to. */
  episode: number;
  /** Where it is dated. */
  source: Passage;
  sourceOffset: number;
  phrase: string;
}

/** Clause delimiters: a citation dates the words between the previous delimiter and itself. */
const CLAUSE_END = /[.;:!?,(\n]|\band\b|—/giu;
/** At most this many content words before a citation are taken as the fact. */
const FACT_WORDS = 6;
/** A fact needs one word used in at most this share of the pack's lore sentences (or RARE_MIN of them). */
const RARE_SHARE = 0.015;
const RARE_MIN = 3;
/** Fact words may be this far apart in a passage (in content words): "reducing the Chaosah house". */
const PASSAGE_WINDOW = 2;

/**
 * Facts the pack dates itself: the words just before an episode citation
 * ("Water Tentacles (ep22)", "the sign of a good reputation." (ep. 37)).
 */
export function datedFacts(passages: Passage[], nameWords: Set<string>): Map<string, DatedFact> {
  // How many lore sentences use each word: a pair of common words ("use magic") dates nothing.
  const df = new Map<string, number>();
  let sentences = 0;
  for (const p of passages) {
    if (p.kind !== 'lore') continue;
    for (const s of splitSentences(p.text)) {
      sentences++;
      for (const k of new Set(contentTokens(s, nameWords).map((t) => t.key))) df.set(k, (df.get(k) ?? 0) + 1);
    }
  }
  const rare = Math.max(RARE_MIN, sentences * RARE_SHARE);
  const distinctive = (key: string) => Math.min(...key.split('|').map((k) => df.get(k) ?? 0)) <= rare;

  const facts = new Map<string, DatedFact>();
  for (const p of passages) {
    if (p.kind !== 'lore') continue;
    for (const m of episodeReferences(p.text)) {
      const episode = Math.min(...m.episodes);
      // Back over closing punctuation, quotes and emphasis right before the citation.
      let end = m.start;
      while (end > 0 && /[ \t("'”’*_[\].!?]/.test(p.text[end - 1]!)) end--;
      const before = p.text.slice(0, end);
      let start = 0;
      for (const c of before.matchAll(CLAUSE_END)) start = c.index + c[0].length;
      // "First Episode: ep11" labels a block, it does not date the words before it.
      if (start >= end) continue;
      const clause = p.text.slice(start, end);
      const tokens = contentTokens(clause, nameWords).slice(-FACT_WORDS);
      if (tokens.length < 2) continue;
      for (const pair of pairsOf(tokens, 1)) {
        if (!distinctive(pair.key)) continue;
        const prev = facts.get(pair.key);
        if (!prev || episode < prev.episode) {
          facts.set(pair.key, { key: pair.key, episode, source: p, sourceOffset: start + pair.start, phrase: clause.slice(pair.start, pair.end) });
        }
      }
    }
  }
  return facts;
}

/** The first page position whose text uses each fact's words: after that the story has said it itself. */
export function firstStoryUse(passages: Passage[], facts: Map<string, DatedFact>, nameWords: Set<string>): Map<string, Position> {
  const first = new Map<string, Position>();
  for (const p of passages) {
    if (p.kind !== 'page') continue;
    for (const s of sentencesOf(p.text)) {
      for (const pair of pairsOf(contentTokens(s.text, nameWords), PASSAGE_WINDOW)) {
        if (!facts.has(pair.key)) continue;
        const prev = first.get(pair.key);
        if (!prev || comparePositions(p.at, prev) < 0) first.set(pair.key, p.at);
      }
    }
  }
  return first;
}

export function datedFactRule(
  p: Passage,
  facts: Map<string, DatedFact>,
  storyUse: Map<string, Position>,
  ends: EpisodeEnds,
  nameWords: Set<string>,
  fileLine: (f: DatedFact) => string,
): RawFinding[] {
  if (p.kind !== 'lore' || facts.size === 0) return [];
  const out: RawFinding[] = [];
  for (const s of sentencesOf(p.text)) {
    // A sentence that cites an episode is judged by the later-episode rule.
    if (episodeReferences(s.text).length > 0) continue;
    let best: { fact: DatedFact; start: number; end: number } | null = null;
    for (const pair of pairsOf(contentTokens(s.text, nameWords), PASSAGE_WINDOW)) {
      const fact = facts.get(pair.key);
      if (!fact) continue;
      const safeFrom = ends(fact.episode);
      if (comparePositions(p.at, safeFrom) >= 0) continue;
      const told = storyUse.get(pair.key);
      if (told && comparePositions(told, p.at) <= 0) continue;
      if (!best || fact.episode > best.fact.episode) best = { fact, start: pair.start, end: pair.end };
    }
    if (!best) continue;
    const start = s.start + best.start;
    out.push({
      rule: 'dated-fact',
      passage: p,
      start,
      length: best.end - best.start,
      safeFrom: ends(best.fact.episode),
      excerpt: excerptOf(s, start),
      message: `shown from ${formatPosition(p.at)} but says "${s.text.slice(best.start, best.end)}", which ${fileLine(best.fact)} dates to episode ${best.fact.episode} ("${best.fact.phrase}")`,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------
// Rules on debuts

/** An entity debuting on a page before the page of the same episode that first names it. */
export function debutBeforeNameRule(entities: LintEntity[], pages: Passage[]): Array<{ entity: LintEntity; index: number; firstNamed: Position }> {
  // One matcher over every name: the first page naming each entity, in one pass over the pages.
  const m = new NameMatcher(entities.flatMap(namesOf));
  const first = new Map<string, Position>();
  for (const p of pages) {
    if (p.kind !== 'page') continue;
    for (const hit of m.find(p.text)) {
      const prev = first.get(hit.ref);
      if (!prev || comparePositions(p.at, prev) < 0) first.set(hit.ref, p.at);
    }
  }
  const out: Array<{ entity: LintEntity; index: number; firstNamed: Position }> = [];
  entities.forEach((e, index) => {
    const f = first.get(e.slug);
    if (f && f.episode === e.debut.episode && comparePositions(f, e.debut) > 0) out.push({ entity: e, index, firstNamed: f });
  });
  return out;
}

// ---------------------------------------------------------------------------
// Line numbers

class FileLines {
  private readonly raw = new Map<string, string>();
  private readonly docs = new Map<string, { doc: Document; lc: LineCounter }>();
  constructor(private readonly read: (file: string) => Promise<string>) {}

  async text(file: string): Promise<string> {
    let t = this.raw.get(file);
    if (t === undefined) {
      // A pack converted from another format (CBZ) may have no file behind a text: line 1 then.
      t = await this.read(file).then(
        (x) => x.replace(/\r\n?/g, '\n'),
        () => '',
      );
      this.raw.set(file, t);
    }
    return t;
  }

  /** The [start, end) offsets of the YAML node at `path`, or null. */
  async yamlRange(file: string, path: YamlPath): Promise<[number, number] | null> {
    let d = this.docs.get(file);
    if (!d) {
      const lc = new LineCounter();
      d = { doc: parseDocument(await this.text(file), { lineCounter: lc }), lc };
      this.docs.set(file, d);
    }
    let node: unknown = d.doc.contents;
    for (const step of path) {
      if (typeof step === 'object') {
        node = isSeq(node) ? node.items.find((it) => isMap(it) && Number((it.get('number', true) as { value?: unknown } | undefined)?.value) === step.number) : undefined;
      } else if (isMap(node)) node = node.get(step, true);
      else if (isSeq(node) && typeof step === 'number') node = node.items[step];
      else node = undefined;
    }
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    return range ? [range[0], range[1]] : null;
  }
}

const lineOfOffset = (text: string, offset: number): number => {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
};

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The line of the n-th occurrence of `needle` inside [from, to) of `raw`, tolerant of folded whitespace and quoting. */
function flexLine(raw: string, from: number, to: number, needle: string, nth: number): number | null {
  const words = needle.split(/\s+/).filter(Boolean).map(escapeRe);
  if (words.length === 0) return null;
  const re = new RegExp(words.join(String.raw`[\s"'\\]+`), 'giu');
  const region = raw.slice(from, to);
  let i = 0;
  for (const m of region.matchAll(re)) {
    if (i++ === nth) return lineOfOffset(raw, from + m.index);
  }
  return null;
}

async function lineOf(lines: FileLines, f: { passage: Passage; start: number; length: number }): Promise<number> {
  const p = f.passage;
  const raw = await lines.text(p.file);
  if ('offset' in p.where) return lineOfOffset(raw, p.where.offset + f.start);
  const range = await lines.yamlRange(p.file, p.where.yaml);
  if (!range) return 1;
  const needle = p.text.slice(f.start, f.start + f.length);
  const nth = [...p.text.slice(0, f.start).matchAll(new RegExp(escapeRe(needle), 'giu'))].length;
  return flexLine(raw, range[0], range[1], needle, nth) ?? lineOfOffset(raw, range[0]);
}

// ---------------------------------------------------------------------------
// The whole pack

/** Run every rule over a validated pack. Reads its files again only for line numbers. */
export async function lintPack(pack: Pack): Promise<LintFinding[]> {
  const lines = new FileLines(async (f) => (await pack.source.read(f)).toString('utf8'));
  const rawWiki = new Map<string, string>();
  for (const a of pack.wiki) rawWiki.set(a.path, await lines.text(a.path));
  const passages = packPassages(pack, rawWiki);
  const entities = lintEntities(pack);
  const ends = episodeEnds(pack);
  const matcherAt = matcherCache(entities);
  const nameWords = new Set(
    entities
      .flatMap((e) => [e.name, ...e.aliases])
      .flatMap((n) => foldText(n).split(/[^\p{L}\p{N}]+/u))
      .filter((w) => w.length > 0),
  );
  const facts = datedFacts(passages, nameWords);
  const storyUse = firstStoryUse(passages, facts, nameWords);

  const raw: RawFinding[] = [];
  const factLines = new Map<DatedFact, number>();
  for (const f of facts.values()) factLines.set(f, await lineOf(lines, { passage: f.source, start: f.sourceOffset, length: 1 }));
  for (const p of passages) {
    raw.push(...laterEpisodeRule(p, ends), ...laterEntityRule(p, entities, matcherAt));
    raw.push(...datedFactRule(p, facts, storyUse, ends, nameWords, (f) => `${f.source.file}:${factLines.get(f)}`));
  }

  const out: LintFinding[] = [];
  for (const f of raw) {
    out.push({
      rule: f.rule,
      file: f.passage.file,
      line: await lineOf(lines, f),
      field: f.passage.field,
      at: f.passage.at,
      safeFrom: f.safeFrom,
      excerpt: f.excerpt,
      message: f.message,
    });
  }

  if (pack.entities.length > 0) {
    for (const d of debutBeforeNameRule(entities, passages)) {
      // Point at the text shown too early (the summary), else at the debut itself.
      const hasSummary = Boolean(pack.entities[d.index]?.summary);
      const range = await lines.yamlRange('world/entities.yaml', ['entities', d.index, hasSummary ? 'summary' : 'page_debut']);
      const raw = await lines.text('world/entities.yaml');
      out.push({
        rule: 'debut-before-name',
        file: 'world/entities.yaml',
        line: range ? lineOfOffset(raw, range[0]) : 1,
        field: `entities[${d.index}].${hasSummary ? 'summary' : 'page_debut'}`,
        at: d.entity.debut,
        safeFrom: d.firstNamed,
        excerpt: d.entity.name,
        message: `${d.entity.slug} debuts at ${formatPosition(d.entity.debut)}, but the story first names it at ${formatPosition(d.firstNamed)}: its summary and descriptions show from ${formatPosition(d.entity.debut)}`,
      });
    }
  }

  const entityDebut = new Map(entities.map((e) => [e.slug, e.debut]));
  for (const a of pack.wiki) {
    const ed = entityDebut.get(a.slug);
    if (a.debutSource !== 'front_matter' || !ed || comparePositions(a.debut, ed) >= 0) continue;
    const raw = rawWiki.get(a.path) ?? '';
    const at = raw.search(/^debut:/m);
    out.push({
      rule: 'article-before-entity',
      file: a.path,
      line: at >= 0 ? lineOfOffset(raw, at) : 1,
      field: 'debut',
      at: a.debut,
      safeFrom: ed,
      excerpt: a.title,
      message: `the article debuts at ${formatPosition(a.debut)}, before its world entity "${a.slug}" (${formatPosition(ed)})`,
    });
  }

  // One finding per line, rule and message.
  const seen = new Set<string>();
  return out
    .filter((f) => {
      const k = `${f.file}:${f.line}:${f.rule}:${f.message}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.rule.localeCompare(b.rule));
}

/** Findings as import warnings. */
export function lintWarnings(findings: LintFinding[]): PackProblem[] {
  return findings.map((f) => ({ file: f.file, line: f.line, field: f.field, message: `likely spoiler (${f.rule}): ${f.message}` }));
}

export function formatFinding(f: LintFinding): string {
  return `${f.file}:${f.line}  ${f.rule}  ${f.message}\n    "${f.excerpt}"`;
}
