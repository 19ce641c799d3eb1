/**
 * The companion's stream (chat and recap): an AI SDK UI-message stream with Folio's data parts
 * and message metadata (docs/companion.md, "The stream"). The server writes these chunks, the web
 * app's useChat and every client that folds the stream with `readUIMessageStream` read them.
 */
import type { InferUIMessageChunk, UIMessage } from 'ai';
import type { Position } from './api.js';
import type { ErrorBody } from './errors.js';

export interface Citation {
  /** `series/E/P` for a page, `series/wiki/slug#n` for a wiki section. */
  id: string;
  kind: 'page' | 'wiki';
  episode: number;
  page: number;
  /** `E/P`, as cited in the answer text. */
  label: string;
  title: string;
  /** Web route: `/read/:seriesId/:episode/:page`, or `/series/:seriesId/wiki/:slug` for wiki text. */
  href: string;
  /** A short excerpt (already checked for unreached names). */
  snippet: string;
  /** True when the answer cited it; false for passages offered as sources when it cited nothing. */
  cited: boolean;
}

/** Something in the answer was held back because it comes later in the story (sent once, at the end). */
export interface GuardData {
  reason: 'later_in_story';
  /** How many runs of sentences were withheld. */
  withheld: number;
  /** What to tell the reader (withheldNotice). */
  message: string;
}

/** A transient part while a sleeping model server starts. */
export interface StatusData {
  state: 'waking';
  message: string;
}

/** The answer failed after the stream started (before, it is a JSON error body with the same fields). */
export type StreamError = Pick<ErrorBody, 'code' | 'message' | 'retryAfter'>;

/** The `data-*` parts, by name: `data-citations`, `data-suggestions`, `data-guard`, `data-status`, `data-error`. */
export type FolioDataParts = {
  citations: { citations: Citation[] };
  suggestions: { suggestions: string[] };
  guard: GuardData;
  status: StatusData;
  error: StreamError;
};

/** How a chat answer was made. */
export type AnswerMode = 'model' | 'quote' | 'declined' | 'guarded' | 'error' | 'aborted';
/** How a recap was made; `extractive` is a recap without a model. */
export type RecapMode = 'model' | 'extractive' | 'guarded' | 'error' | 'aborted';
/** How any answer or recap was made. */
export type MessageMode = AnswerMode | RecapMode;
export type RecapScope = 'series' | 'episode';

export interface Usage {
  inputTokens: number | null;
  outputTokens: number | null;
}

/** The metadata of a chat answer's `finish` part. */
export interface ChatMetadata {
  mode: AnswerMode;
  model: string | null;
  /** The position the answer was written at (the server's, from the progress row). */
  position: Position;
  ttftMs: number | null;
  latencyMs: number;
  usage: Usage;
  /** How many passages the answer was grounded in, and whether vector search took part. */
  retrieval: { passages: number; vector: boolean };
}

/** The metadata of a recap's `finish` part. */
export interface RecapMetadata {
  mode: RecapMode;
  model: string | null;
  position: Position;
  scope: RecapScope;
  ttftMs: number | null;
  latencyMs: number;
  /** How many passages the recap was written from. */
  sources: number;
}

/** A stored answer's status: `complete` for a model answer, else how it was made. */
export type MessageStatus = 'complete' | Exclude<AnswerMode, 'model'>;

/** The metadata of a stored message (`GET /api/conversations/:id`). */
export interface StoredMessageMetadata {
  position: Position;
  status: MessageStatus;
  createdAt: string;
  model?: string | null;
  ttftMs?: number | null;
  latencyMs?: number | null;
  usage?: Usage;
}

export type MessageMetadata = ChatMetadata | RecapMetadata | StoredMessageMetadata;

/** A message of a Folio conversation or recap, as the AI SDK's UIMessage. */
export type FolioUIMessage = UIMessage<MessageMetadata, FolioDataParts>;

/** One chunk of the stream the server writes. */
export type FolioUIMessageChunk = InferUIMessageChunk<FolioUIMessage>;
