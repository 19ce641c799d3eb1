/**
 * A spoiler oracle for the world graph, wiki and search, computed from the
 * pack files alone (not from Folio's SQL): for a reader position, which
 * entities, edges, descriptions, articles and sections are visible, which
 * names are unreached, and which word sequences must not appear anywhere.
 *
 * Article debuts come from oracle.ts (derived there from the raw front matter).
 */
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';
import { buildOracle, type Oracle, type OracleArticle, summaryPage } from './oracle.js';

export type { OracleArticle };

export interface OracleEntity {
  slug: string;
  name: string;
  aliases: string[];
  debut: Position;
  hasImage: boolean;
  /** Summary first, then listed descriptions, each with its debut. */
  descriptions: Array<{ text: string; debut: Position }>;
}

export interface OracleEdge {
  id: string;
  source: string;
  target: string;
  summary: string | null;
  debut: Position;
}

export interface WorldOracle {
  base: Oracle;
  entities: OracleEntity[];
  edges: OracleEdge[];
  articles: OracleArticle[];
  visibleEntities(at: Position): OracleEntity[];
  visibleEdges(at: Position): OracleEdge[];
  /** Unlocked articles whose title names nothing unreached. */
  visibleArticles(at: Position): OracleArticle[];
  /** The description a node must show at `at` (the latest reached), or null. */
  description(e: OracleEntity, at: Position): { text: string; debut: Position } | null;
  /** Names and aliases of entities not reached at `at`. */
  unreachedNames(at: Position): string[];
  /** 8-word sequences of hidden text that occur in no visible text. */
  forbiddenShingles(at: Position): Set<string>;
  /** 4-word sequences of all visible text (a snippet must be made of these). */
  visibleShingles(at: Position): Set<string>;
}

const pos = (episode: number, page: number): Position => ({ episode, page });
const latest = (a: Position, b: Position) => (comparePositions(a, b) >= 0 ? a : b);

/** Lower-case words without accents or punctuation, the unit of the shingle checks. */
export function words(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

export function shingles(text: string, n: number, into = new Set<string>()): Set<string> {
  const w = words(text);
  for (let i = 0; i + n <= w.length; i++) into.add(w.slice(i, i + n).join(' '));
  return into;
}

/** Does `text` contain `name` as a whole word (any case, accents folded, any separator between its words)? */
export function namesWord(text: string, name: string): boolean {
  const fold = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase();
  const parts = fold(name)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  if (parts.length === 0) return false;
  const re = new RegExp(`(?<![\\p{L}\\p{N}])${parts.map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^\\p{L}\\p{N}]{1,3}')}(?![\\p{L}\\p{N}])`, 'u');
  return re.test(fold(text));
}

export async function buildWorldOracle(packDir: string): Promise<WorldOracle> {
  const base = await buildOracle(packDir);
  const { pack } = base;

  const entities: OracleEntity[] = pack.entities.map((e) => ({
    slug: e.slug,
    name: e.name,
    aliases: e.aliases,
    debut: pos(e.episode_debut, e.page_debut),
    hasImage: Boolean(e.image_url),
    descriptions: [
      ...(e.summary ? [{ text: e.summary, debut: pos(e.episode_debut, e.page_debut) }] : []),
      ...e.descriptions.map((d) => ({ text: d.text, debut: pos(d.episode_debut, d.page_debut) })),
    ],
  }));
  const bySlug = new Map(entities.map((e) => [e.slug, e]));
  const edges: OracleEdge[] = pack.relationships.map((r) => ({
    id: `${r.source}|${r.kind}|${r.target}`,
    source: r.source,
    target: r.target,
    summary: r.summary ?? null,
    debut: pos(r.episode_debut, r.page_debut),
  }));

  const articles: OracleArticle[] = base.articles;

  const visibleEntities = (at: Position) => entities.filter((e) => isVisible(e.debut, at));
  const visibleEdges = (at: Position) =>
    edges.filter((r) => isVisible(r.debut, at) && isVisible(bySlug.get(r.source)!.debut, at) && isVisible(bySlug.get(r.target)!.debut, at));
  const unreachedNames = (at: Position) => entities.filter((e) => !isVisible(e.debut, at)).flatMap((e) => [e.name, ...e.aliases]);
  // An unlocked article whose title names an unreached entity stays hidden: a title cannot be partly withheld.
  const visibleArticles = (at: Position) => articles.filter((a) => isVisible(a.debut, at) && !unreachedNames(at).some((n) => namesWord(a.title, n)));
  const description = (e: OracleEntity, at: Position) => {
    let best: { text: string; debut: Position } | null = null;
    for (const d of e.descriptions) if (isVisible(d.debut, at) && (!best || comparePositions(d.debut, best.debut) >= 0)) best = d;
    return best;
  };

  /** Every piece of text with the position it becomes visible from. */
  const texts: Array<{ text: string; at: Position }> = [];
  for (const e of pack.episodes) {
    for (const p of e.data.pages) texts.push({ text: `${p.dialogue ?? ''}\n${p.description ?? ''}`, at: pos(e.data.number, p.number) });
    // A summary from the episode's last story page (ADR 0020), as in oracle.ts.
    if (e.data.summary) texts.push({ text: e.data.summary, at: pos(e.data.number, summaryPage(e.data.pages)) });
  }
  for (const e of entities) for (const d of e.descriptions) texts.push({ text: d.text, at: latest(d.debut, e.debut) });
  for (const r of edges) {
    if (!r.summary) continue;
    texts.push({ text: r.summary, at: [bySlug.get(r.source)!.debut, bySlug.get(r.target)!.debut].reduce(latest, r.debut) });
  }
  for (const a of articles) {
    texts.push({ text: a.title, at: a.debut });
    for (const s of a.sections) {
      const raw = `${s.heading ?? ''}\n${s.body}`;
      texts.push({ text: raw, at: s.debut });
      // The searchable form of a section: markdown images, link targets and comments dropped.
      texts.push({
        text: raw
          .replace(/<!--[\s\S]*?-->/g, ' ')
          .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
          .replace(/\]\([^)]*\)/g, ']'),
        at: s.debut,
      });
    }
  }
  const withShingles = (n: number) => texts.map((t) => ({ at: t.at, set: shingles(t.text, n) }));
  const s8 = withShingles(8);
  const s4 = withShingles(4);
  const never = pos(Number.MAX_SAFE_INTEGER, 0);

  return {
    base,
    entities,
    edges,
    articles,
    visibleEntities,
    visibleEdges,
    visibleArticles,
    description,
    unreachedNames,
    forbiddenShingles(at) {
      const visible = new Set<string>();
      for (const t of s8) if (isVisible(t.at, at)) for (const s of t.set) visible.add(s);
      const out = new Set<string>();
      for (const t of s8) if (!isVisible(t.at, at) && comparePositions(t.at, never) < 0) for (const s of t.set) if (!visible.has(s)) out.add(s);
      return out;
    },
    visibleShingles(at) {
      const out = new Set<string>();
      for (const t of s4) if (isVisible(t.at, at)) for (const s of t.set) out.add(s);
      return out;
    },
  };
}
