/**
 * Citations as links. The server cites only passages at or before the
 * reader's position; the client still never links a citation past the
 * position it knows (defence in depth: a reset in another tab, a bug).
 */
import type { Position } from '../api/types';
import { classifyHref, type LinkTarget } from '../markdown/links';
import { atOrBefore } from '../ui/position';
import type { Citation } from './types';

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
  return text.replace(/\[((?:\s*\d{1,6}\s*\/\s*\d{1,6}\s*[,;]?)+)\](?!\()/g, (whole, inner: string) => {
    const labels = [...inner.matchAll(/(\d{1,6})\s*\/\s*(\d{1,6})/g)].map((m) => `${Number(m[1])}/${Number(m[2])}`);
    const links = labels.map((label) => {
      const c = citations.find((x) => x.label === label && x.kind === 'page') ?? citations.find((x) => x.label === label);
      return c ? `[${label}](${c.href})` : null;
    });
    if (links.every((l) => l === null)) return whole;
    return links.map((l, i) => l ?? `\\[${labels[i]}\\]`).join(' ');
  });
}
