/**
 * Which links markdown may carry. Text from a language model or a content pack
 * is untrusted: a link is rendered only when it is one of the app's own routes
 * that the reader may open (a page at or before their position, an unlocked
 * article), or, for pack text only, a plain https link to another site.
 * Everything else is rendered as its text, without a link.
 */
import type { Position } from '../../../src/contract/index.js';
import { atOrBefore } from '../ui/position';

export type LinkTarget =
  | { kind: 'page'; seriesId: string; at: Position; href: string }
  | { kind: 'wiki'; seriesId: string; slug: string; anchor: string | null; href: string }
  | { kind: 'route'; seriesId: string; href: string }
  | { kind: 'external'; href: string };

const ID = '([a-z0-9][a-z0-9-]{0,62})';
const SLUG = '([a-z0-9][a-z0-9_-]{0,99})';
const PAGE = new RegExp(`^/read/${ID}/(\\d{1,7})/(\\d{1,7})$`);
const WIKI = new RegExp(`^/series/${ID}/wiki/${SLUG}(?:#([a-z0-9][a-z0-9_-]{0,120}))?$`);
const ROUTE = new RegExp(`^/series/${ID}(?:/world|/wiki)?$`);

/** What an href points at, or null for anything that is not a route of this app or an https/http URL. */
export function classifyHref(raw: string): LinkTarget | null {
  const href = raw.trim();
  let m = PAGE.exec(href);
  if (m) return { kind: 'page', seriesId: m[1]!, at: { episode: Number(m[2]), page: Number(m[3]) }, href };
  m = WIKI.exec(href);
  if (m) return { kind: 'wiki', seriesId: m[1]!, slug: m[2]!, anchor: m[3] ?? null, href };
  m = ROUTE.exec(href);
  if (m) return { kind: 'route', seriesId: m[1]!, href };
  if (/^https?:\/\/[^\s/]+/i.test(href)) {
    try {
      const url = new URL(href);
      if (url.protocol === 'https:' || url.protocol === 'http:') return { kind: 'external', href: url.href };
    } catch {
      /* not a URL */
    }
  }
  return null;
}

export type LinkPolicy = (href: string) => LinkTarget | null;

/**
 * Links in the companion's answers: pages at or before what the reader is known to have
 * reached, wiki articles the answer cites, and the series' own pages. No other sites.
 */
export function answerLinkPolicy(seriesId: string, known: Position | null, citedHrefs: readonly string[]): LinkPolicy {
  const cited = new Set(citedHrefs);
  return (href) => {
    const t = classifyHref(href);
    if (!t || t.kind === 'external' || t.seriesId !== seriesId) return null;
    if (t.kind === 'page') return atOrBefore(t.at, known) ? t : null;
    if (t.kind === 'wiki') return cited.has(`/series/${seriesId}/wiki/${t.slug}`) ? t : null;
    return t;
  };
}

/**
 * Links in wiki articles: other unlocked articles (also written relative, `ada`, `ada.md`,
 * `../entities/ada.md`), pages at or before the position, and https links to other sites.
 * A link to an article that is still locked would show that it exists: it stays text.
 */
export function wikiLinkPolicy(seriesId: string, known: Position | null, unlocked: ReadonlySet<string>): LinkPolicy {
  return (href) => {
    const relative = /^(?:\.{1,2}\/)*(?:[a-z0-9_-]+\/)*([a-z0-9][a-z0-9_-]{0,99})(?:\.md)?(?:#([a-z0-9][a-z0-9_-]{0,120}))?$/.exec(href.trim());
    if (relative && !href.includes(':')) {
      const slug = relative[1]!;
      const anchor = relative[2] ?? null;
      if (!unlocked.has(slug)) return null;
      return { kind: 'wiki', seriesId, slug, anchor, href: `/series/${seriesId}/wiki/${slug}${anchor ? `#${anchor}` : ''}` };
    }
    const t = classifyHref(href);
    if (!t) return null;
    if (t.kind === 'external') return t;
    if (t.seriesId !== seriesId) return null;
    if (t.kind === 'page') return atOrBefore(t.at, known) ? t : null;
    if (t.kind === 'wiki') return unlocked.has(t.slug) ? t : null;
    return t;
  };
}
