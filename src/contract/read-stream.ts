/**
 * Reading the companion's stream outside a browser (doctor --url, the test fakes, the benches):
 * the AI SDK's own SSE parser and chunk schema, then `readUIMessageStream`, so every client folds
 * the stream exactly as the web app's useChat does. Not exported from index.ts: the web bundle
 * has useChat and does not need it. The SDK loads on first use (ADR 0018).
 */
import type { UIMessageChunk } from 'ai';
import type { Citation, FolioUIMessage, FolioUIMessageChunk, GuardData, MessageMetadata, StatusData, StreamError } from './chat.js';

export interface FolioStream {
  /** The assistant message as the AI SDK client assembles it (undefined for a stream without a message). */
  message: FolioUIMessage | undefined;
  /** Every chunk, in order (transient ones such as `data-status` are only here). */
  chunks: FolioUIMessageChunk[];
  /** The text of each `error` chunk. */
  errorTexts: string[];
}

/**
 * Fold an SSE body (a stream or the whole text) into the message; `onMessage` sees every snapshot
 * as it arrives (the benches time the first text with it). A chunk the SDK's schema rejects is an error.
 */
export async function readFolioStream(body: ReadableStream<Uint8Array> | string, onMessage?: (message: FolioUIMessage) => void): Promise<FolioStream> {
  const { parseJsonEventStream, readUIMessageStream, uiMessageChunkSchema } = await import('ai');
  const bytes = typeof body === 'string' ? new Blob([body]).stream() : body;
  const chunks: FolioUIMessageChunk[] = [];
  const errorTexts: string[] = [];
  let invalid: unknown = null;
  const parsed = parseJsonEventStream({ stream: bytes, schema: uiMessageChunkSchema }).pipeThrough(
    new TransformStream<{ success: true; value: UIMessageChunk } | { success: false; error: unknown }, UIMessageChunk>({
      transform(result, controller) {
        if (!result.success) {
          invalid ??= result.error;
          throw result.error;
        }
        chunks.push(result.value as FolioUIMessageChunk);
        controller.enqueue(result.value);
      },
    }),
  );
  let message: FolioUIMessage | undefined;
  for await (const m of readUIMessageStream<FolioUIMessage>({ stream: parsed, onError: (e) => errorTexts.push(e instanceof Error ? e.message : String(e)) })) {
    message = m;
    onMessage?.(m);
  }
  // readUIMessageStream reports a broken stream like an `error` chunk; a chunk that is not the protocol is the reader's failure.
  if (invalid !== null) throw invalid;
  return { message, chunks, errorTexts };
}

/** The length of a message's text so far. */
export const textLength = (m: FolioUIMessage): number => m.parts.reduce((n, p) => n + (p.type === 'text' ? p.text.length : 0), 0);

/** What an assembled answer says, read from its parts and metadata. */
export interface AnswerParts {
  /** Every text part, joined. */
  text: string;
  citations: Citation[];
  suggestions: string[];
  guard: GuardData | null;
  error: StreamError | null;
  metadata: MessageMetadata | null;
}

export function answerParts(message: FolioUIMessage | undefined): AnswerParts {
  const out: AnswerParts = { text: '', citations: [], suggestions: [], guard: null, error: null, metadata: message?.metadata ?? null };
  for (const part of message?.parts ?? []) {
    if (part.type === 'text') out.text += part.text;
    else if (part.type === 'data-citations') out.citations = part.data.citations;
    else if (part.type === 'data-suggestions') out.suggestions = part.data.suggestions;
    else if (part.type === 'data-guard') out.guard = part.data;
    else if (part.type === 'data-error') out.error = part.data;
  }
  return out;
}

/** The transient `data-status` parts of a stream (they never join the message). */
export const statusesOf = (chunks: FolioUIMessageChunk[]): StatusData[] => chunks.flatMap((c) => (c.type === 'data-status' ? [c.data] : []));
