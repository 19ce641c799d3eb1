/**
 * The answer engine's events as an AI SDK UI-message stream (what the web
 * app's `useChat` reads over SSE): text in text parts, the rest as typed data
 * parts (docs/companion.md). The stream reads the events to the end, so the
 * surface's own work after the last event (storing the answer) is done before
 * the stream closes.
 *
 * The SSE bytes are written here, in one stream stage, rather than through the
 * SDK's `createUIMessageStream` → JSON-to-SSE → keep-alive → text-encoder chain:
 * each of those stages costs promise turns per part, which is CPU every answer's
 * start pays (ADR 0037). The wire is the SDK's own (`UI_MESSAGE_STREAM_HEADERS`,
 * `data: <json>` events, `: keep-alive` comments, `data: [DONE]`), which the web
 * app and the contract's `readUIStream` parse.
 */
import type { ChatMetadata, FolioUIMessageChunk, RecapMetadata } from '../contract/index.js';
import type { Logger } from '../logger.js';
import type { AnswerEvent } from './engine.js';

/** What a `finish` part carries: a chat answer's or a recap's metadata (the contract's types). */
export type StreamMetadata = ChatMetadata | RecapMetadata;

/** The SDK's UI-message stream headers (`ai`'s UI_MESSAGE_STREAM_HEADERS), with no-transform for proxies. */
export const UI_MESSAGE_STREAM_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream',
  'cache-control': 'no-cache, no-transform',
  connection: 'keep-alive',
  'x-vercel-ai-ui-message-stream': 'v1',
  'x-accel-buffering': 'no',
};

const encoder = new TextEncoder();
const OPEN = encoder.encode(': stream-open\n\n');
const KEEP_ALIVE = encoder.encode(': keep-alive\n\n');
const DONE = encoder.encode('data: [DONE]\n\n');
const sse = (chunk: FolioUIMessageChunk) => encoder.encode(`data: ${JSON.stringify(chunk)}\n\n`);

export interface UIStreamOptions {
  log: Logger;
  /** SSE comments this often while nothing else is sent keep proxies from closing a stream while the model thinks. */
  keepAliveMs: number;
  /** Parts to add when the events end; `finished` says whether a `finish` part was sent (http/drain.ts's restart notice). */
  closing?: (finished: boolean) => FolioUIMessageChunk[];
}

/** The events as an SSE response body (bytes), written as the events come. */
export function toUIMessageStream(events: AsyncIterable<AnswerEvent<StreamMetadata>>, opts: UIStreamOptions): ReadableStream<Uint8Array> {
  let open = true;
  let timer: NodeJS.Timeout | undefined;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const enqueue = (bytes: Uint8Array) => {
        if (!open) return;
        controller.enqueue(bytes);
        timer?.refresh();
      };
      enqueue(OPEN);
      timer = setTimeout(function beat() {
        if (!open) return;
        if ((controller.desiredSize ?? 0) > 0) controller.enqueue(KEEP_ALIVE);
        timer = setTimeout(beat, opts.keepAliveMs);
      }, opts.keepAliveMs);
      let finished = false;
      const out = coalescingWriter((c) => {
        if (c.type === 'finish') finished = true;
        enqueue(sse(c));
      });
      // Runs to the end whether or not anyone still reads (the answer is stored after its last event).
      void (async () => {
        try {
          await writeEvents(events, out.write);
        } catch (err) {
          // Only for bugs: the engine reports its own failures as error events.
          opts.log.error({ err }, 'answer stream failed');
          out.write({ type: 'error', errorText: 'Something went wrong on our side. It has been logged.' });
        } finally {
          out.flush();
          for (const c of opts.closing?.(finished) ?? []) enqueue(sse(c));
          enqueue(DONE);
          clearTimeout(timer);
          if (open) controller.close();
          open = false;
        }
      })();
    },
    cancel() {
      // The client left: its request signal stops the answer; nothing more is written.
      open = false;
      clearTimeout(timer);
    },
  });
}

/** The events as the HTTP response a chat or recap route returns. */
export function uiMessageResponse(events: AsyncIterable<AnswerEvent<StreamMetadata>>, opts: UIStreamOptions): Response {
  return new Response(toUIMessageStream(events, opts), { headers: UI_MESSAGE_STREAM_HEADERS });
}

async function writeEvents(events: AsyncIterable<AnswerEvent<StreamMetadata>>, write: (c: FolioUIMessageChunk) => void): Promise<void> {
  let textOpen: string | null = null;
  let texts = 0;
  const closeText = () => {
    if (textOpen !== null) write({ type: 'text-end', id: textOpen });
    textOpen = null;
  };
  for await (const ev of events) {
    switch (ev.type) {
      case 'start':
        write({ type: 'start', messageId: ev.messageId });
        break;
      case 'status':
        write({ type: 'data-status', id: 'status', data: { state: ev.state, message: ev.message }, transient: true });
        break;
      case 'text':
        if (textOpen === null) {
          textOpen = `text-${++texts}`;
          write({ type: 'text-start', id: textOpen });
        }
        write({ type: 'text-delta', id: textOpen, delta: ev.delta });
        break;
      case 'composing':
        break;
      case 'withheld':
        closeText();
        write({ type: 'data-guard', id: 'guard', data: { reason: 'later_in_story', withheld: ev.withheld, message: ev.message } });
        break;
      case 'citations':
        closeText();
        write({ type: 'data-citations', id: 'citations', data: { citations: ev.citations } });
        break;
      case 'suggestions':
        closeText();
        write({ type: 'data-suggestions', id: 'suggestions', data: { suggestions: ev.suggestions } });
        break;
      case 'done':
        closeText();
        write({ type: 'finish', finishReason: 'stop', messageMetadata: ev.metadata });
        break;
      case 'error':
        closeText();
        // The whole error body, `retryAfter` included: the web app counts down from it (a busy model mid-stream too).
        write({ type: 'data-error', id: 'error', data: ev.error.toBody() });
        write({ type: 'error', errorText: ev.error.message });
        break;
      case 'aborted':
        // Nobody is listening any more.
        closeText();
        break;
    }
  }
}

/**
 * Text deltas that arrive in the same turn of the event loop go out as one
 * (after a setImmediate): under load, fewer SSE events for the same text.
 * The answer's first delta goes out at once: the time to the first words is
 * what a reader waits for, and a setImmediate waits behind whatever else the
 * loop has queued (on the embedded database, other requests' statements).
 * Other parts flush first.
 */
export function coalescingWriter(write: (c: FolioUIMessageChunk) => void): { write: (c: FolioUIMessageChunk) => void; flush: () => void } {
  let pending: { id: string; delta: string } | null = null;
  let scheduled: NodeJS.Immediate | null = null;
  let first = true;
  const flush = () => {
    if (scheduled) clearImmediate(scheduled);
    scheduled = null;
    if (pending) write({ type: 'text-delta', id: pending.id, delta: pending.delta });
    pending = null;
  };
  return {
    write(c) {
      if (c.type === 'text-delta') {
        if (first) {
          first = false;
          write(c);
          return;
        }
        if (pending && pending.id === c.id) pending.delta += c.delta;
        else {
          flush();
          pending = { id: c.id, delta: c.delta };
        }
        scheduled ??= setImmediate(flush);
        return;
      }
      flush();
      write(c);
    },
    flush,
  };
}
