/**
 * The labelled answer sentences (pepper-carrot.yaml, format in README.md) and the corpus text they are judged
 * against, read straight from the corpus files so the check does not depend on Folio's importer or guard.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';

export const LABELLED_PEPPER_CARROT = join(dirname(fileURLToPath(import.meta.url)), 'pepper-carrot.yaml');

export const LABEL_CLASSES = ['distinctive', 'unknown_name', 'paraphrase', 'reached'] as const;
export type LabelClass = (typeof LABEL_CLASSES)[number];
export type Label = 'spoiler' | 'safe';
export interface Position {
  episode: number;
  page: number;
}
export interface LabelledItem {
  id: string;
  position: Position;
  text: string;
  label: Label;
  class: LabelClass;
  about: Position;
  words?: string[];
}

const LABEL_OF: Record<LabelClass, Label> = { distinctive: 'spoiler', unknown_name: 'spoiler', paraphrase: 'spoiler', reached: 'safe' };

export function labelOf(cls: LabelClass): Label {
  return LABEL_OF[cls];
}

function position(value: unknown, where: string): Position {
  const v = value as Partial<Position> | null;
  if (!v || !Number.isInteger(v.episode) || !Number.isInteger(v.page) || v.episode! < 1 || v.page! < 0) throw new Error(`${where}: not a {episode, page} position`);
  return { episode: v.episode!, page: v.page! };
}

/** Parses and checks the shape of every item; throws naming the first bad one. */
export function loadLabelled(path = LABELLED_PEPPER_CARROT): LabelledItem[] {
  const doc = parseYaml(readFileSync(path, 'utf8')) as { items?: unknown };
  if (!Array.isArray(doc?.items)) throw new Error(`${path}: no items list`);
  return doc.items.map((raw: Record<string, unknown>, i: number) => {
    const where = `item ${i} (${String(raw?.id)})`;
    const keys = Object.keys(raw ?? {}).filter((k) => !['id', 'position', 'text', 'label', 'class', 'about', 'words'].includes(k));
    if (keys.length) throw new Error(`${where}: unknown keys ${keys.join(', ')}`);
    if (typeof raw.id !== 'string' || !raw.id) throw new Error(`${where}: id`);
    if (typeof raw.text !== 'string' || !raw.text.trim()) throw new Error(`${where}: text`);
    if (!LABEL_CLASSES.includes(raw.class as LabelClass)) throw new Error(`${where}: class ${String(raw.class)}`);
    const cls = raw.class as LabelClass;
    if (raw.label !== labelOf(cls)) throw new Error(`${where}: label ${String(raw.label)} does not fit class ${cls}`);
    const item: LabelledItem = {
      id: raw.id,
      position: position(raw.position, `${where} position`),
      text: raw.text,
      label: labelOf(cls),
      class: cls,
      about: position(raw.about, `${where} about`),
    };
    if (raw.words !== undefined) {
      if (!Array.isArray(raw.words) || !raw.words.length || !raw.words.every((w) => typeof w === 'string' && w.trim())) throw new Error(`${where}: words`);
      item.words = raw.words as string[];
    }
    return item;
  });
}

export function comparePositions(a: Position, b: Position): number {
  return a.episode - b.episode || a.page - b.page;
}

/** Every page's printed text: dialogue, on-page credits, credits text, and the episode title on the title strip. */
export interface CorpusPage extends Position {
  text: string;
}

export function corpusPages(root: string): CorpusPage[] {
  const pages: CorpusPage[] = [];
  for (const dir of readdirSync(join(root, 'episodes'))) {
    const ep = parseYaml(readFileSync(join(root, 'episodes', dir, 'episode.yaml'), 'utf8')) as {
      number: number;
      title: string;
      pages: { number: number; dialogue?: string; on_page_credits?: string; credits_text?: string }[];
    };
    for (const p of ep.pages) {
      const text = [p.number === 0 ? ep.title : '', p.dialogue, p.on_page_credits, p.credits_text].filter(Boolean).join('\n');
      pages.push({ episode: ep.number, page: p.number, text: text.replace(/[‘’]/g, "'") });
    }
  }
  return pages.sort(comparePositions);
}

/** Case-insensitive whole-word (or whole-phrase) match; any run of spaces in `word` matches any whitespace. */
export function wordPattern(word: string): RegExp {
  const escaped = word
    .replace(/[’‘]/g, "'")
    .replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    .replace(/\s+/g, '\\s+');
  return new RegExp(`(?<![\\p{L}\\p{N}])${escaped}(?![\\p{L}\\p{N}])`, 'iu');
}

/** The first page whose text contains `word`, or undefined if no page does. */
export function firstOccurrence(pages: CorpusPage[], word: string): Position | undefined {
  const re = wordPattern(word);
  const hit = pages.find((p) => re.test(p.text));
  return hit && { episode: hit.episode, page: hit.page };
}
