/** Shapes of the wiki API (docs/world.md). Only unlocked articles and sections ever arrive. */
import type { Position } from '../api/types';

export interface WikiArticleSummary {
  slug: string;
  title: string;
  category: string | null;
  debut: Position;
}

export interface WikiIndex {
  seriesId: string;
  articles: WikiArticleSummary[];
}

export interface WikiSection {
  /** null for the text before the first heading, or when the whole section is withheld. */
  heading: string | null;
  anchor: string | null;
  /** Markdown; withheld sentences are "…". */
  body: string;
  debut: Position;
  withheld: number;
}

export interface WikiArticle {
  seriesId: string;
  slug: string;
  title: string;
  category: string | null;
  debut: Position;
  /** The world node with the same slug, once it has debuted. */
  entity: string | null;
  sections: WikiSection[];
}
