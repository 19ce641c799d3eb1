/**
 * Side panels of the reader: add an entry to `readerPanels` and it gets a
 * tab. A panel receives the reader's context; anything that asks the server
 * about "what I have read" must `await ctx.flushProgress()` first, so the
 * newest page counts. Heavy panels load their code on first use (lazy-panels.tsx).
 */
import type { ReactNode } from 'react';
import type { EpisodeDetail, Position } from '../../../src/contract/index.js';
import type { LinkTarget } from '../markdown/links';
import { chatPanel, recapPanel, searchPanel, wikiPanel } from './lazy-panels';
import { pageTextPanel } from './PageTextPanel';

/** Something another part of the reader asks a panel to do (ask a question, open an article). */
export interface PanelRequest {
  panel: string;
  ask?: string;
  slug?: string;
  /** Tells two identical requests apart. */
  nonce: number;
}

export interface ReaderPanelContext {
  seriesId: string;
  episode: EpisodeDetail;
  /** Page numbers on display now. */
  displayedPages: number[];
  /** True while peeking: nothing the reader sees moves their progress. */
  peek: boolean;
  /** The reader's stored position as the app last heard it (null before reading). Nothing after it is linked. */
  position: Position | null;
  /** Resolves once every displayed page is stored as progress. */
  flushProgress(): Promise<void>;
  /** Open a page (citations link here). */
  openPage(at: Position): void;
  /** Follow an internal link inside the reader when it can (a page, a wiki article); false = navigate normally. */
  openLink(target: LinkTarget): boolean;
  /** Switch to another panel, optionally with a request for it. */
  openPanel(id: string, request?: Omit<PanelRequest, 'panel' | 'nonce'>): void;
  closePanel(): void;
  /** Open the world graph over the reader, optionally with a node selected. */
  openWorld(node?: string): void;
  /** The newest request for this panel, if any. */
  request: PanelRequest | null;
}

export interface ReaderPanel {
  id: string;
  title: string;
  /**
   * On phones every panel is a bottom sheet, half height first (PanelSlot.tsx). 'full': a panel that is
   * read at length (chat, wiki…), whose citations close the sheet to show the page; 'half': page text.
   */
  sheet?: 'full' | 'half';
  render(ctx: ReaderPanelContext): ReactNode;
}

export const readerPanels: ReaderPanel[] = [chatPanel, recapPanel, wikiPanel, searchPanel, pageTextPanel];
