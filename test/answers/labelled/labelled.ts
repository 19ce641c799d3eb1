/**
 * The labelled question set for answers (issue 16): `pepper-carrot-*.yaml` in this folder, format in README.md.
 * Loaded and validated here (zod, every problem named by file, id and field), judged by the two pure checks the
 * bench and the tests share: `containsWords` (does an answer carry the words that answer the question?) and
 * `goldHit` (is a retrieved passage one of the pages or wiki articles that answer it?). The corpus text they are
 * checked against comes from test/spoilers/labelled/labelled.ts (read straight from the corpus files).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { type Position, wordPattern } from '../../spoilers/labelled/labelled.js';

export type { Position };

/** This folder: where the question files live. */
export const LABELLED_QUESTIONS_DIR = dirname(fileURLToPath(import.meta.url));
/** The question files: `pepper-carrot-1.yaml`, `pepper-carrot-2.yaml`, … */
export const QUESTION_FILE = /^pepper-carrot-.+\.ya?ml$/;

export const QUESTION_KINDS = ['page', 'episode', 'entity', 'earlier', 'so_far', 'follow_up', 'beyond'] as const;
export type QuestionKind = (typeof QUESTION_KINDS)[number];
export type Language = 'en' | 'fr';

export type PageGold = { episode: number; page: number };
export type WikiGold = { wiki: string };
export type Gold = PageGold | WikiGold;

export interface LabelledQuestion {
  id: string;
  /** The reader's furthest page, and the page on screen. */
  position: Position;
  language: Language;
  kind: QuestionKind;
  question: string;
  /** follow_up only: the reader's earlier questions in the same conversation, oldest first (else []). */
  history: string[];
  /** The pages and/or wiki articles that answer it (after the position for `beyond`). */
  gold: Gold[];
  /** Groups of alternatives; a right answer has one alternative of every group ([] for `beyond`). */
  words: string[][];
  /** `beyond` only: words a spoiler-free answer must not contain (else []). */
  forbidden: string[];
  /** The file it comes from (its name, not the path). */
  file: string;
}

/** Every kind but `beyond` has an answer at or before the position. */
export const isAnswerable = (q: Pick<LabelledQuestion, 'kind'>): boolean => q.kind !== 'beyond';

export const isWikiGold = (g: Gold): g is WikiGold => 'wiki' in g;

const text = z.string().trim().min(1, 'must not be empty');
const position = z.strictObject({ episode: z.number().int().min(1), page: z.number().int().min(0) });
const gold = z.union([position, z.strictObject({ wiki: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a wiki slug (lower case, digits, -)') })], {
  error: 'must be {episode, page} or {wiki: slug}',
});

const itemSchema = z
  .strictObject({
    id: z.string().regex(/^[\w.-]+$/, 'must be letters, digits, _ . -'),
    position,
    language: z.enum(['en', 'fr']),
    kind: z.enum(QUESTION_KINDS),
    question: text,
    history: z.array(text).default([]),
    gold: z.array(gold).min(1, 'needs at least one page or article'),
    words: z.array(z.array(text).min(1, 'a group needs at least one alternative')).default([]),
    forbidden: z.array(text).default([]),
  })
  .superRefine((q, ctx) => {
    const issue = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (q.kind === 'follow_up' && q.history.length === 0) issue('history', 'a follow_up needs the earlier question(s)');
    if (q.kind !== 'follow_up' && q.history.length > 0) issue('history', 'only follow_up items have a history');
    if (q.kind === 'beyond') {
      if (q.words.length > 0) issue('words', 'must be [] for beyond (nothing reached answers it)');
      if (q.forbidden.length < 1 || q.forbidden.length > 4) issue('forbidden', 'a beyond item needs 1–4 forbidden words');
      if (q.gold.some(isWikiGold)) issue('gold', 'a beyond item points at the later pages, not at wiki articles');
    } else {
      if (q.words.length < 1 || q.words.length > 3) issue('words', 'needs 1–3 groups of alternatives');
      if (q.forbidden.length > 0) issue('forbidden', 'only beyond items have forbidden words');
    }
  });

const fileSchema = z.strictObject({ items: z.array(z.unknown()).min(1, 'has no items') });

/** Where a zod issue is: `gold.1.page`, or `(item)` for the whole item. */
const fieldOf = (path: ReadonlyArray<PropertyKey>): string => (path.length ? path.map(String).join('.') : '(item)');

/** Thrown for a file that does not follow the format; the message names the file, the item's id and the field. */
export class QuestionFileError extends Error {}

/** Parses one file's text; throws a QuestionFileError naming `file`, the item (id and index) and the field. */
export function parseQuestions(yamlText: string, file: string): LabelledQuestion[] {
  let doc: unknown;
  try {
    doc = parseYaml(yamlText);
  } catch (err) {
    throw new QuestionFileError(`${file}: not valid YAML: ${(err as Error).message}`);
  }
  const top = fileSchema.safeParse(doc);
  if (!top.success) throw new QuestionFileError(`${file}: ${top.error.issues.map((i) => `${fieldOf(i.path)}: ${i.message}`).join('; ')}`);
  return top.data.items.map((raw, index) => {
    const r = itemSchema.safeParse(raw);
    if (!r.success) {
      const id = typeof (raw as { id?: unknown } | null)?.id === 'string' ? (raw as { id: string }).id : '(no id)';
      const problems = r.error.issues.map((i) => `${fieldOf(i.path)}: ${i.message}`).join('; ');
      throw new QuestionFileError(`${file}: item ${id} (#${index + 1}): ${problems}`);
    }
    return { ...r.data, file };
  });
}

/** Every `pepper-carrot-*.yaml` of `dir`, in file-name order. Throws on the first file that breaks the format. */
export function loadQuestions(dir = LABELLED_QUESTIONS_DIR): LabelledQuestion[] {
  const files = readdirSync(dir)
    .filter((f) => QUESTION_FILE.test(f))
    .sort();
  return files.flatMap((f) => parseQuestions(readFileSync(join(dir, f), 'utf8'), basename(f)));
}

/**
 * Lower case is the pattern's job; this drops accents and compatibility forms ("Café" → "Cafe", "ﬁ" → "fi") and
 * makes typographic apostrophes plain.
 */
export function foldAccents(s: string): string {
  return s.normalize('NFKD').replace(/\p{M}/gu, '').replace(/[‘’]/g, "'").normalize('NFC');
}

/**
 * Does `answer` contain, for every group, at least one of its alternatives, as a whole word or phrase, ignoring
 * case and accents (test/spoilers/labelled wordPattern: any run of spaces matches any whitespace)? No groups: true.
 */
export function containsWords(answer: string, words: readonly (readonly string[])[]): boolean {
  const folded = foldAccents(answer);
  return words.every((group) => group.some((w) => wordPattern(foldAccents(w)).test(folded)));
}

/** The retrieval passage fields goldHit reads (retrieval/queries.ts ChunkHit). */
export interface PassageRef {
  source: string;
  sourceRef: string;
  episode: number;
  page: number;
}

/** The wiki article of a wiki chunk (`source_ref` is `<slug>#<section>`), else null. */
export function wikiSlugOf(passage: Pick<PassageRef, 'source' | 'sourceRef'>): string | null {
  return passage.source === 'wiki' ? passage.sourceRef.split('#')[0]! : null;
}

/**
 * Is this passage one of the gold answers? A page-text chunk (dialogue or description) matches a gold page by
 * episode and page; a wiki chunk matches `{wiki: slug}` of its article. Other chunk kinds match nothing.
 */
export function goldHit(passage: PassageRef, gold: readonly Gold[]): boolean {
  if (passage.source === 'dialogue' || passage.source === 'description') {
    return gold.some((g) => !isWikiGold(g) && g.episode === passage.episode && g.page === passage.page);
  }
  const slug = wikiSlugOf(passage);
  return slug !== null && gold.some((g) => isWikiGold(g) && g.wiki === slug);
}

/** 1-based rank of the first passage that is a gold hit, or null when none is. */
export function firstGoldRank(passages: readonly PassageRef[], gold: readonly Gold[]): number | null {
  const i = passages.findIndex((p) => goldHit(p, gold));
  return i < 0 ? null : i + 1;
}

/** `3/4` for a position, `wiki:saffron` for an article. */
export const goldLabel = (g: Gold): string => (isWikiGold(g) ? `wiki:${g.wiki}` : `${g.episode}/${g.page}`);

// ---------------------------------------------------------------------------
// The lore the set is checked against (the page text is test/spoilers/labelled corpusPages)
// ---------------------------------------------------------------------------

export interface CorpusEntity {
  slug: string;
  name: string;
  debut: Position;
}

/** world/entities.yaml: every entity with its debut. */
export function corpusEntities(root: string): CorpusEntity[] {
  const doc = parseYaml(readFileSync(join(root, 'world', 'entities.yaml'), 'utf8')) as {
    entities: Array<{ slug: string; name: string; episode_debut: number; page_debut: number }>;
  };
  return doc.entities.map((e) => ({ slug: e.slug, name: e.name, debut: { episode: e.episode_debut, page: e.page_debut } }));
}

/** wiki/entities/<slug>.md: each article's text without its front matter, by slug. */
export function entityArticles(root: string): Map<string, string> {
  const dir = join(root, 'wiki', 'entities');
  const out = new Map<string, string>();
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.md'))) {
    const body = readFileSync(join(dir, f), 'utf8').replace(/^---\n[\s\S]*?\n---\n/, '');
    out.set(f.slice(0, -3), body.replace(/[‘’]/g, "'"));
  }
  return out;
}
