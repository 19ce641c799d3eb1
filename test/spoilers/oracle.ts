/**
 * A spoiler oracle computed from the pack files alone (not from Folio's SQL):
 * for a reader position, which strings may appear and which must not, and
 * every piece of the series' text with the position it becomes readable from
 * (the corpus the leak checks in leaks.ts measure "reached" against).
 * A hidden string is forbidden only if it appears nowhere in what is visible
 * (a line repeated from an earlier page is not a leak).
 *
 * Article debuts are derived here from the raw front matter and
 * world/entities.yaml, following the issue's words (own debut, else the
 * entity with the same slug, else spoiler_free → first page, else the last
 * page of the series), so the importer's implementation is checked, not reused.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { openPackDir } from '../../src/content/pack-source.js';
import { type Pack, readPack } from '../../src/content/read-pack.js';
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';

export interface OracleArticle {
  slug: string;
  title: string;
  debut: Position;
  sections: Array<{ heading: string | null; body: string; debut: Position }>;
}

/** One piece of the series' text and the first position a reader may read it at. */
export interface CorpusText {
  text: string;
  at: Position;
  /** Where it comes from: the story's own pages and titles, or lore written about it. */
  source: 'page' | 'credits' | 'title' | 'series' | 'lore';
}

export interface Oracle {
  pack: Pack;
  packDir: string;
  /** Every page position in reading order. */
  positions: Position[];
  articles: OracleArticle[];
  /** Every text of the series with the position it becomes visible from (never-visible text at NEVER). */
  corpus: CorpusText[];
  /** Strings that must not appear in any payload for a reader at `at`. */
  forbiddenAt(at: Position): string[];
}

/** A position no reader reaches (text of a later debut than the series has, or never shown). */
export const NEVER: Position = { episode: Number.MAX_SAFE_INTEGER, page: 0 };

const MIN_LEN = 12;

const lines = (text: string | null | undefined): string[] =>
  (text ?? '')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length >= MIN_LEN);

const pos = (episode: number, page: number): Position => ({ episode, page });

/**
 * The page from which an episode's summary may be shown: its last *story* page, or its last page when it has
 * none. The policy's definition of a finished episode (ADR 0020, docs/architecture.md): the title, credits and
 * blank pages after the story tell nothing more, so a reader who stops on the last story page has read it all.
 * Read here from the pack's own page kinds, not from Folio's SQL.
 */
export function summaryPage(pages: ReadonlyArray<{ number: number; kind?: string }>): number {
  const story = pages.filter((p) => p.kind === 'story');
  const from = story.length > 0 ? story : pages;
  return Math.max(...from.map((p) => p.number));
}
const latest = (a: Position, b: Position) => (comparePositions(a, b) >= 0 ? a : b);

export async function buildOracle(packDir: string): Promise<Oracle> {
  const read = await readPack(await openPackDir(packDir));
  if (!read.ok) throw new Error(`invalid pack ${packDir}`);
  const pack = read.pack;
  const positions = pack.episodes.flatMap((e) => e.data.pages.map((p) => ({ episode: e.data.number, page: p.number })));
  positions.sort(comparePositions);
  const numbers = pack.episodes.map((e) => e.data.number).sort((a, b) => a - b);
  const first = positions[0]!;
  const end = positions[positions.length - 1]!;

  const entityDebut = new Map(pack.entities.map((e) => [e.slug, pos(e.episode_debut, e.page_debut)]));
  // Article debuts from the raw front matter, per the issue.
  const articles: OracleArticle[] = [];
  for (const a of pack.wiki) {
    const raw = await readFile(join(packDir, a.path), 'utf8');
    const fm = (parseYaml(/^---\r?\n([\s\S]*?)\r?\n---/.exec(raw)?.[1] ?? '') ?? {}) as { debut?: Position; spoiler_free?: boolean; slug?: string };
    const slug = fm.slug ?? a.path.slice(a.path.lastIndexOf('/') + 1, -3).toLowerCase();
    const entity = entityDebut.get(slug);
    const debut = fm.debut ? pos(fm.debut.episode, fm.debut.page) : entity ? entity : fm.spoiler_free ? first : end;
    // Section markers: each section's own debut, never before its article (readPack resolves the nesting).
    articles.push({ slug, title: a.title, debut, sections: a.sections.map((s) => ({ heading: s.heading, body: s.body, debut: latest(s.debut, debut) })) });
  }

  // The corpus: every text with the position it is readable from.
  const corpus: CorpusText[] = [];
  const series = pack.series as { title: string; description?: string | null; attribution: string };
  corpus.push({ text: [series.title, series.description ?? '', series.attribution].join('\n'), at: pos(first.episode, -1), source: 'series' });
  for (const e of pack.episodes) {
    const d = e.data as typeof e.data & { summary?: string | null; attribution?: string };
    // A title is shown once its episode is unlocked: the reader is in the episode before it (or covers are public).
    const prev = numbers[numbers.indexOf(d.number) - 1];
    const titleAt = pack.series.show_unread_covers || prev === undefined ? pos(first.episode, -1) : pos(prev, -1);
    corpus.push({ text: d.title, at: titleAt, source: 'title' });
    for (const p of d.pages) {
      const page = p as typeof p & { credits_text?: string | null; on_page_credits?: string | null };
      const text = [page.dialogue, page.description].filter(Boolean).join('\n');
      if (text) corpus.push({ text, at: pos(d.number, p.number), source: 'page' });
      const credits = [page.credits_text, page.on_page_credits].filter(Boolean).join('\n');
      if (credits) corpus.push({ text: credits, at: pos(d.number, p.number), source: 'credits' });
    }
    if (d.summary) corpus.push({ text: d.summary, at: pos(d.number, summaryPage(d.pages)), source: 'lore' });
    // Credits lines are public (the licence requires showing them with the catalog), not story text.
    if (d.attribution) corpus.push({ text: d.attribution, at: pos(first.episode, -1), source: 'series' });
  }
  for (const e of pack.entities) {
    const debut = pos(e.episode_debut, e.page_debut);
    // The name and the kind ("coven") are shown with the entity.
    corpus.push({ text: [e.name, ...e.aliases, e.kind].join('\n'), at: debut, source: 'lore' });
    if (e.summary) corpus.push({ text: e.summary, at: debut, source: 'lore' });
    for (const d of e.descriptions) corpus.push({ text: d.text, at: latest(pos(d.episode_debut, d.page_debut), debut), source: 'lore' });
  }
  for (const r of pack.relationships) {
    const at = [entityDebut.get(r.source) ?? NEVER, entityDebut.get(r.target) ?? NEVER].reduce(latest, pos(r.episode_debut, r.page_debut));
    // The kind ("godmother_of") is shown with the edge, the summary too.
    corpus.push({ text: [r.kind.replace(/_/g, ' '), r.summary ?? ''].join('\n'), at, source: 'lore' });
  }
  for (const a of articles) {
    corpus.push({ text: a.title, at: a.debut, source: 'lore' });
    for (const s of a.sections) corpus.push({ text: `${s.heading ?? ''}\n${s.body}`, at: s.debut, source: 'lore' });
  }

  return {
    pack,
    packDir,
    positions,
    articles,
    corpus,
    forbiddenAt(at) {
      const next = numbers.find((n) => n > at.episode);
      const unlocked = (n: number) => n <= (next ?? at.episode);
      const visible: string[] = [pack.series.title, pack.series.description ?? '', pack.series.attribution];
      const hidden: string[] = [];
      for (const e of pack.episodes) {
        const d = e.data;
        (unlocked(d.number) || pack.series.show_unread_covers ? visible : hidden).push(d.title);
        (isVisible({ episode: d.number, page: summaryPage(d.pages) }, at) ? visible : hidden).push(...lines(d.summary));
        for (const p of d.pages) {
          const pageVisible = isVisible({ episode: d.number, page: p.number }, at);
          (pageVisible ? visible : hidden).push(...lines(p.dialogue), ...lines(p.description));
        }
      }
      const corpusText = visible.join('\n');
      return [...new Set(hidden)].filter((s) => s.length >= 4 && !corpusText.includes(s));
    },
  };
}

/** Every string value inside a JSON payload (keys excluded). */
export function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsOf(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsOf(v, out);
  return out;
}
