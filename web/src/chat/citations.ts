/**
 * Citations as links. The server cites only passages at or before the
 * reader's position; the client still never links a citation past the
 * position it knows (defence in depth: a reset in another tab, a bug).
 */
import type { Citation, Position } from '../../../src/contract/index.js';
import { classifyHref, type LinkTarget } from '../markdown/links';
import { atOrBefore } from '../ui/position';

/** Where a citation may link for this reader, or null (shown as text only). */
export function citationTarget(c: Citation, seriesId: string, known: Position | null): LinkTarget | null {
  const t = classifyHref(c.href);
  if (!t || t.kind === 'external' || t.kind === 'route' || t.seriesId !== seriesId) return null;
  const at = { episode: c.episode, page: c.page };
  if (!atOrBefore(at, known)) return null;
  if (t.kind === 'page') return c.kind === 'page' && t.at.episode === c.episode && t.at.page === c.page ? t : null;
  return c.kind === 'wiki' ? t : null;
}

/**
 * Turns the answer's `[E/P]` labels (also `[E/P, E/P]`) into markdown links to
 * the cited page, when there is a citation with that label; the link itself
 * still goes through the answer's link policy when rendered.
 */
export function linkCitationLabels(text: string, citations: readonly Citation[]): string {
  return text.replace(/\[((?:\s*\d{1,6}\s*\/\s*\d{1,6}\s*[,;]?)+)\](?!\()/g, (whole, inner: string, offset: number) => {
    // Quote mode names its wiki sources on the same line: "— Wiki: Ada Quill [1/1]".
    const line = text.slice(text.lastIndexOf('\n', offset) + 1, offset);
    const wikiTitle = /Wiki: (.+?)\s*$/.exec(line)?.[1];
    const labels = [...inner.matchAll(/(\d{1,6})\s*\/\s*(\d{1,6})/g)].map((m) => `${Number(m[1])}/${Number(m[2])}`);
    const links = labels.map((label) => {
      const c =
        (wikiTitle !== undefined ? citations.find((x) => x.label === label && x.kind === 'wiki' && x.title === wikiTitle) : undefined) ??
        citations.find((x) => x.label === label && x.kind === 'page') ??
        citations.find((x) => x.label === label);
      return c ? `[${label}](${c.href})` : null;
    });
    if (links.every((l) => l === null)) return whole;
    return links.map((l, i) => l ?? `\\[${labels[i]}\\]`).join(' ');
  });
}

/** One entry per source (a page's lettering and its description are the same page). */
export function uniqueSources(citations: readonly Citation[]): Citation[] {
  const seen = new Set<string>();
  return citations.filter((c) => {
    const key = `${c.kind}|${c.href}|${c.kind === 'wiki' ? c.id : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
