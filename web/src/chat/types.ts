/** The companion's UI-message stream as Folio speaks it (docs/companion.md, "The stream"). */
import type { UIMessage } from 'ai';
import type { Position } from '../api/types';

export interface Citation {
  /** `series/E/P` for a page, `series/wiki/slug#n` for a wiki section. */
  id: string;
  kind: 'page' | 'wiki';
  episode: number;
  page: number;
  /** `E/P`, as the answer text cites it. */
  label: string;
  title: string;
  href: string;
  snippet: string;
  /** False for passages offered as sources when the answer cited none. */
  cited: boolean;
}

/** How an answer was made. `extractive` is a recap without a model; stored answers carry `status` instead. */
export type AnswerMode = 'model' | 'quote' | 'extractive' | 'declined' | 'guarded' | 'error' | 'aborted';

export interface AnswerMetadata {
  mode?: AnswerMode;
  /** Stored messages (GET /api/conversations/:id): `complete` or the mode. */
  status?: string;
  model?: string | null;
  position?: Position;
  createdAt?: string;
  ttftMs?: number | null;
  latencyMs?: number;
}

export type FolioDataParts = {
  citations: { citations: Citation[] };
  suggestions: { suggestions: string[] };
  guard: { reason: string; message: string };
  status: { state: string; message: string };
  error: { code: string; message: string };
};

export type FolioMessage = UIMessage<AnswerMetadata, FolioDataParts>;

export interface ConversationSummary {
  id: string;
  title: string;
  messages: number;
  createdAt: string;
  updatedAt: string;
}

export interface ConversationDetail {
  id: string;
  seriesId: string;
  messages: FolioMessage[];
}

export interface WarmupResult {
  status: 'warming' | 'recent' | 'quote' | 'unavailable';
  model: string | null;
}
