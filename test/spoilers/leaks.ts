/**
 * What a reader at a position must not receive, checked on any text a client
 * got: unreached entity names and aliases (from the pack's world files, not
 * from Folio's SQL), names spelled out letter by letter, lines of pages beyond
 * the position, later episode numbers and later page labels.
 */
import { comparePositions, isVisible, type Position } from '../../src/spoilers/position.js';
import { stringsOf, type Oracle } from './oracle.js';

const fold = (s: string) => s.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase();
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Unreached names and aliases at `at`, from the pack files. */
export function unreachedNames(oracle: Oracle, at: Position): string[] {
  const visible = new Set<string>();
  const hidden: string[] = [];
  for (const e of oracle.pack.entities) {
    const names = [e.name, ...e.aliases];
    if (isVisible({ episode: e.episode_debut, page: e.page_debut }, at)) names.forEach((n) => visible.add(fold(n)));
    else hidden.push(...names);
  }
  // A name another, reached entity also goes by is known to the reader.
  return hidden.filter((n) => !visible.has(fold(n)));
}

/** Letters written one at a time ("T-o-r-r-e-y-a", "C o r i"), joined. */
function spelledOut(text: string): string[] {
  return [...fold(text).matchAll(/(?:(?<![\p{L}\p{N}])\p{L}(?![\p{L}\p{N}])[\s.,·*_-]{0,3}){4,}/gu)].map((m) => m[0].replace(/[^\p{L}]/gu, ''));
}

export function leaksIn(oracle: Oracle, text: string, at: Position): string[] {
  const leaks: string[] = [];
  const folded = fold(text);
  const spelled = spelledOut(text);
  for (const name of unreachedNames(oracle, at)) {
    const n = fold(name);
    if (new RegExp(`(?<![\\p{L}\\p{N}])${escape(n)}(?![\\p{L}\\p{N}])`, 'u').test(folded)) leaks.push(`name "${name}"`);
    const letters = n.replace(/[^\p{L}]/gu, '');
    if (letters.length >= 4 && spelled.some((s) => s.includes(letters))) leaks.push(`spelled-out "${name}"`);
  }
  for (const s of oracle.forbiddenAt(at)) if (text.includes(s)) leaks.push(`later line ${JSON.stringify(s)}`);
  for (const m of text.matchAll(/(?<![\p{L}\p{N}])(?:episodes?|eps?\.?|chapters?)\s*#?\s*(\d+)/giu)) {
    if (Number(m[1]) > at.episode) leaks.push(`later episode "${m[0]}"`);
  }
  for (const m of text.matchAll(/(\d+)\s*\/\s*(\d+)\s*[\],;]/g)) {
    if (comparePositions({ episode: Number(m[1]), page: Number(m[2]) }, at) > 0) leaks.push(`later page label "${m[0]}"`);
  }
  return leaks;
}

/**
 * Everything a client received from a chat or recap stream, as text: the answer as the client joins its deltas,
 * then every string of every other part — except the random ids the stream protocol carries (`messageId`, and
 * the `id` of text and reasoning parts). Those are server-made noise, not story text, and a random id that
 * happens to start with "ep18" reads as a later episode number (it did, once in a few thousand answers).
 * Citation ids stay in: they carry wiki slugs.
 */
export function receivedText(r: { text: string; chunks: Array<{ type: string }> }): string {
  const parts = r.chunks
    .filter((c) => c.type !== 'text-delta')
    .map((c) => {
      const { messageId: _messageId, ...rest } = c as Record<string, unknown>;
      if (/^(text|reasoning)-/.test(c.type)) delete rest.id;
      return rest;
    });
  return [r.text, ...stringsOf(parts)].join('\n');
}
