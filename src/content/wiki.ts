/**
 * Wiki articles: YAML front matter + markdown body split into sections at
 * headings. A section may carry its own debut with a marker line directly under
 * its heading: `<!-- debut: 3/2 -->`. Unmarked sections inherit from the
 * enclosing section, and the outermost from the article; a section is never
 * revealed before what encloses it.
 */
import { parse as parseYaml } from 'yaml';
import { comparePositions, type Position } from '../spoilers/index.js';

export interface WikiSectionDraft {
  heading: string | null;
  level: number;
  /** Own marker, if any (before clamping). */
  debut: Position | null;
  body: string;
}

export interface SplitMarkdown {
  frontMatter: unknown;
  sections: WikiSectionDraft[];
}

const FRONT_MATTER = /^---\r?\n([\s\S]*?)\r?\n---\r?\n?/;
const HEADING = /^(#{1,6})\s+(.+?)(?:\s+#+)?\s*$/;
const DEBUT_MARKER = /^\s*<!--\s*debut:\s*(\d+)\s*\/\s*(\d+)\s*-->\s*$/;
const FENCE = /^\s{0,3}(`{3,}|~{3,})/;

export class FrontMatterError extends Error {}

export function splitMarkdown(source: string): SplitMarkdown {
  const m = FRONT_MATTER.exec(source);
  if (!m) throw new FrontMatterError('missing YAML front matter (the file must start with a "---" block)');
  let frontMatter: unknown;
  try {
    frontMatter = parseYaml(m[1] ?? '', { maxAliasCount: 100, logLevel: 'error' });
  } catch (err) {
    throw new FrontMatterError(`front matter is not valid YAML: ${(err as Error).message}`);
  }
  const lines = source.slice(m[0].length).split(/\r?\n/);
  const sections: WikiSectionDraft[] = [];
  let current: WikiSectionDraft = { heading: null, level: 0, debut: null, body: '' };
  // A fence closes only on the same character with at least the opening length (CommonMark).
  let fence: string | null = null;
  let justOpened = true;
  const bodyLines: string[] = [];
  const flush = () => {
    current.body = bodyLines.join('\n').trim();
    bodyLines.length = 0;
    if (current.heading !== null || current.body !== '') sections.push(current);
  };
  for (const line of lines) {
    const f = FENCE.exec(line);
    if (f) {
      const marker = f[1]!;
      if (fence === null) fence = marker;
      else if (marker[0] === fence[0] && marker.length >= fence.length && line.trim() === marker) fence = null;
    }
    const inFence = fence !== null || f !== null;
    const h = inFence ? null : HEADING.exec(line);
    if (h) {
      flush();
      current = { heading: (h[2] ?? '').trim(), level: (h[1] ?? '#').length, debut: null, body: '' };
      justOpened = true;
      continue;
    }
    const d = inFence ? null : DEBUT_MARKER.exec(line);
    if (d && justOpened && current.debut === null) {
      current.debut = { episode: Number(d[1]), page: Number(d[2]) };
      continue;
    }
    if (line.trim() !== '') justOpened = false;
    bodyLines.push(line);
  }
  flush();
  return { frontMatter, sections };
}

const later = (a: Position, b: Position): Position => (comparePositions(a, b) >= 0 ? a : b);

/** Effective debut of every section: own marker clamped to its enclosing sections and the article. */
export function resolveSectionDebuts(sections: WikiSectionDraft[], article: Position): Position[] {
  const stack: Array<{ level: number; debut: Position }> = [];
  return sections.map((s) => {
    while (stack.length > 0 && stack[stack.length - 1]!.level >= s.level) stack.pop();
    const parent = stack.length > 0 ? stack[stack.length - 1]!.debut : article;
    const debut = s.debut ? later(s.debut, parent) : parent;
    if (s.level > 0) stack.push({ level: s.level, debut });
    return debut;
  });
}
