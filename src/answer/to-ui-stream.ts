/**
 * The answer engine's events as an AI SDK UI-message stream (what the web
 * app's `useChat` reads over SSE): text in text parts, the rest as typed data
 * parts (docs/companion.md). The stream reads the events to the end, so the
 * surface's own work after the last event (storing the answer) is done before
 * the stream closes.
 */
import type { ChatMetadata, FolioUIMessage, FolioUIMessageChunk, RecapMetadata } from '../contract/index.js';
import type { Logger } from '../logger.js';
import { aiSdk } from '../models/ai-sdk.js';
import type { AnswerEvent } from './engine.js';

/** What a `finish` part carries: a chat answer's or a recap's metadata (the contract's types). */
export type StreamMetadata = ChatMetadata | RecapMetadata;

export async function toUIMessageStream(events: AsyncIterable<AnswerEvent<StreamMetadata>>, log: Logger): Promise<ReadableStream<FolioUIMessageChunk>> {
  const { createUIMessageStream } = await aiSdk();
  return createUIMessageStream<FolioUIMessage>({
    execute: async ({ writer }) => {
      const out = coalescingWriter((c) => writer.write(c));
      try {
        await writeEvents(events, out.write);
      } finally {
        out.flush();
      }
    },
    // Only for bugs: the engine reports its own failures as error events.
    onError: (err) => {
      log.error({ err }, 'answer stream failed');
      return 'Something went wrong on our side. It has been logged.';
    },
  });
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
