/**
 * A cap on the answers (chat, recap, MCP) this process streams at once (FOLIO_MAX_STREAMS). Each open answer
 * holds a model request, a database snapshot and a socket; past what the process can carry, a clear 503 with
 * Retry-After tells the client to come back, where letting them in would slow every reader's stream. A slot is
 * held until the response body ends or the client goes away, not only while the handler runs.
 */
import type { MiddlewareHandler } from 'hono';
import { FolioError } from '../errors.js';
import type { AppEnv } from './context.js';

/** How long a client is told to wait: answers take seconds. */
const RETRY_AFTER_S = 5;

export function streamCap(max: number): MiddlewareHandler<AppEnv> & { readonly open: number } {
  let open = 0;
  const middleware = async (c: Parameters<MiddlewareHandler<AppEnv>>[0], next: () => Promise<void>) => {
    if (max <= 0) return next();
    if (open >= max) {
      throw new FolioError('unavailable:busy', `Folio is answering ${max} questions at once, as many as it can; try again in a few seconds.`, {
        retryAfter: RETRY_AFTER_S,
      });
    }
    open++;
    let held = true;
    const release = () => {
      if (held) {
        held = false;
        open--;
      }
    };
    try {
      await next();
    } catch (err) {
      release();
      throw err;
    }
    const body = c.res.body;
    if (body === null) return release();
    const reader = body.getReader();
    c.res = new Response(
      new ReadableStream<Uint8Array>({
        async pull(controller) {
          try {
            const { done, value } = await reader.read();
            if (done) {
              release();
              controller.close();
            } else controller.enqueue(value);
          } catch (err) {
            release();
            controller.error(err);
          }
        },
        cancel(reason) {
          release();
          return reader.cancel(reason);
        },
      }),
      c.res,
    );
  };
  return Object.defineProperty(middleware, 'open', { get: () => open }) as MiddlewareHandler<AppEnv> & { readonly open: number };
}
