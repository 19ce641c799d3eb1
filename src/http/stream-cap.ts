/**
 * A cap on the answers (chat, recap, MCP) this process streams at once (FOLIO_MAX_STREAMS). Each open answer
 * holds a model request, a database snapshot and a socket; past what the process can carry, a clear 503 with
 * Retry-After tells the client to come back, where letting them in would slow every reader's stream. A slot is
 * held until the response is sent or the client goes away, not only while the handler runs.
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
    // The slot is freed when Node's response is over or its connection closed: the body stays the handler's own
    // stream (no extra stage per chunk, no WHATWG Response built to wrap it). In-process requests
    // (`app.request()`, no Node response) give it back when the handler returns.
    const outgoing = c.env?.outgoing;
    if (!outgoing || outgoing.destroyed) return release();
    outgoing.once('close', release);
  };
  return Object.defineProperty(middleware, 'open', { get: () => open }) as MiddlewareHandler<AppEnv> & { readonly open: number };
}
