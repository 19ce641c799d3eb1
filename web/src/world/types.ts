/** Shapes of the world-graph API (docs/world.md). Everything in it is at or before the reader's position. */
import type { Position } from '../api/types';

export interface Avatar {
  url: string;
  thumbUrl: string;
  width: number;
  height: number;
  blurhash: string | null;
  color: string | null;
}

export interface WorldNode {
  slug: string;
  name: string;
  aliases: string[];
  kind: string;
  debut: Position;
  description: string | null;
  descriptionDebut: Position | null;
  avatar: Avatar | null;
  layout: { x: number; y: number } | null;
  /** Named on the focus pages (the reader's current page and the one before it). */
  onPage: boolean;
  /** Slug of the unlocked wiki article about it. */
  wiki: string | null;
}

export interface WorldEdge {
  id: string;
  source: string;
  target: string;
  kind: string;
  summary: string | null;
  debut: Position;
}

export interface WorldGraph {
  seriesId: string;
  position: Position | null;
  focus: { pages: Position[] };
  nodes: WorldNode[];
  edges: WorldEdge[];
}

export interface WorldNodeDetail {
  seriesId: string;
  position: Position | null;
  node: WorldNode;
  edges: Array<WorldEdge & { direction: 'out' | 'in'; other: { slug: string; name: string } }>;
}
