/**
 * The world graph under the boundary (shapes of GET /api/series/:id/world and
 * …/world/:slug, documented in docs/world.md). SQL returns only what the
 * reader has reached; the text check then withholds sentences of pack text
 * that name what they have not.
 */
import type { Avatar, WorldEdge, WorldGraph, WorldNode, WorldNodeDetail } from '../contract/index.js';
import type { ImageVariants } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { type EntityName, NameMatcher } from '../spoilers/index.js';
import type { Storage } from '../storage/storage.js';
import * as q from './queries.js';
import type { ReaderView } from './view.js';

/** A kind is a lowercase word from the pack; still pack text, so checked like any label. */
const FALLBACK_NODE_KIND = 'entity';
const FALLBACK_EDGE_KIND = 'related_to';

function avatarOut(storage: Storage, image: ImageVariants | null): Avatar | null {
  if (!image) return null;
  return {
    url: storage.url(image.display.key),
    thumbUrl: storage.url(image.thumb.key),
    width: image.display.width,
    height: image.display.height,
    blurhash: image.blurhash,
    color: image.color,
  };
}

/** Which of these entities the focus pages name (name or alias, the same matching as the spoiler check). */
export function namedOn(pages: q.FocusPageRow[], nodes: Array<Pick<q.NodeRow, 'slug' | 'name' | 'aliases'>>): Set<string> {
  const names: EntityName[] = nodes.flatMap((n) => [n.name, ...(n.aliases ?? [])].map((name) => ({ slug: n.slug, name })));
  const text = pages.map((p) => `${p.dialogue}\n${p.description ?? ''}`).join('\n');
  if (names.length === 0 || text.trim() === '') return new Set();
  return new Set(new NameMatcher(names).find(text).map((h) => h.ref));
}

function nodeOut(view: ReaderView, storage: Storage, r: q.NodeRow, onPage: Set<string>): WorldNode {
  const g = view.guard;
  return {
    slug: r.slug,
    name: r.name,
    aliases: r.aliases ?? [],
    kind: g.label(r.kind) ?? FALLBACK_NODE_KIND,
    debut: { episode: r.episode, page: r.page },
    description: r.description === null ? null : g.redact(r.description).text,
    descriptionDebut: r.description_episode === null || r.description_page === null ? null : { episode: r.description_episode, page: r.description_page },
    avatar: avatarOut(storage, r.image),
    layout: r.layout_x === null || r.layout_y === null ? null : { x: r.layout_x, y: r.layout_y },
    onPage: onPage.has(r.slug),
    wiki: r.wiki_title !== null && g.label(r.wiki_title) !== null ? r.slug : null,
    drafted: r.drafted,
  };
}

function edgeOut(view: ReaderView, r: q.EdgeRow, index: number): WorldEdge {
  const shown = view.guard.label(r.kind);
  const kind = shown ?? FALLBACK_EDGE_KIND;
  return {
    // The id carries the kind too: a withheld kind must not come back through it.
    id: shown === null ? `${r.source}|${kind}|${r.target}|${index}` : `${r.source}|${r.kind}|${r.target}`,
    source: r.source,
    target: r.target,
    kind,
    summary: r.summary === null ? null : view.guard.redact(r.summary).text,
    debut: { episode: r.episode, page: r.page },
    drafted: r.drafted,
  };
}

export async function worldGraph(view: ReaderView, storage: Storage): Promise<WorldGraph> {
  const { nodes, edges, focus: pages } = await q.visibleGraph(view.db, view.scope);
  const onPage = namedOn(pages, nodes);
  return {
    seriesId: view.scope.seriesId,
    position: view.position,
    focus: { pages: pages.map((p) => ({ episode: p.episode, page: p.page })).reverse() },
    nodes: nodes.map((n) => nodeOut(view, storage, n, onPage)),
    edges: edges.map((e, i) => edgeOut(view, e, i)),
  };
}

/** One node with its visible edges. Unknown and not-yet-debuted slugs are the same 404. */
export async function worldNode(view: ReaderView, storage: Storage, slug: string): Promise<WorldNodeDetail> {
  const { nodes, edges, focus: pages } = await q.visibleGraph(view.db, view.scope, slug);
  const node = nodes[0];
  if (!node) throw new FolioError('not_found:world', `No world entry "${slug}" here.`);
  return {
    seriesId: view.scope.seriesId,
    position: view.position,
    node: nodeOut(view, storage, node, namedOn(pages, [node])),
    edges: edges.map((e, i) => {
      const out = e.source === slug;
      return { ...edgeOut(view, e, i), direction: out ? 'out' : 'in', other: out ? { slug: e.target, name: e.target_name } : { slug: e.source, name: e.source_name } };
    }),
  };
}
