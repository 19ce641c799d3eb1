/**
 * Graceful shutdown, the HTTP side. While the server drains (SIGTERM), a
 * request that still arrives on an open keep-alive connection gets
 * `503 unavailable:shutting_down` with `Retry-After` and `Connection: close`
 * (new connections are refused: the listener is closed), requests already
 * running finish, and chat/recap streams may run on until `endStreams()`:
 * their signal then aborts, the answer stops where it is, is stored as said,
 * and the stream ends with a short "the server is restarting" part.
 */
import type { MiddlewareHandler } from 'hono';
import type { FolioUIMessageChunk } from '../contract/index.js';
import { FolioError } from '../errors.js';
import type { AppEnv } from './context.js';

export const RESTARTING_MESSAGE = 'The server is restarting, so this answer stopped here; what was said is kept. Ask again in a moment to continue.';

export class Drain {
  private state: 'serving' | 'draining' = 'serving';
  private readonly ctrl = new AbortController();
  /**
   * The open streams' signals, held weakly, each keeping its own controller. Not
   * `AbortSignal.any([request.signal, this.ctrl.signal])`: on Node 20 every call leaves an entry in the
   * process-long signal that is never removed (nodejs/node#55351; two per chat answer, with the suggestions').
   */
  private readonly streams = new Set<WeakRef<AbortSignal>>();
  private readonly controllers = new WeakMap<AbortSignal, AbortController>();
  private readonly collected = new FinalizationRegistry<WeakRef<AbortSignal>>((ref) => this.streams.delete(ref));

  get draining(): boolean {
    return this.state === 'draining';
  }

  /** Aborted when open streams must end (the grace period is over). */
  get streamsEnded(): AbortSignal {
    return this.ctrl.signal;
  }

  /** Stop taking requests (the caller closes the listener). */
  begin(): void {
    this.state = 'draining';
  }

  /** End every stream still open: their answers stop and are stored as said. */
  endStreams(): void {
    this.state = 'draining';
    this.ctrl.abort(new Error('server shutting down'));
    for (const ref of this.streams) this.abort(ref, this.ctrl.signal.reason);
  }

  /** A stream's signal: the client going away, or the server ending streams. */
  signalFor(request: Request): AbortSignal {
    const ctrl = new AbortController();
    const client = request.signal;
    if (this.ctrl.signal.aborted) ctrl.abort(this.ctrl.signal.reason);
    else if (client.aborted) ctrl.abort(client.reason);
    else {
      this.controllers.set(ctrl.signal, ctrl);
      const ref = new WeakRef(ctrl.signal);
      this.streams.add(ref);
      this.collected.register(ctrl.signal, ref);
      this.follow(client, ref);
    }
    return ctrl.signal;
  }

  /**
   * The client's signal aborts the stream's, holding it weakly: the client's signal can outlive the request
   * (undici keeps the signal a Request was made with until that Request is collected), and nothing of the
   * stream may hang on it. Its own method, so the listener closes over nothing else.
   */
  private follow(client: AbortSignal, ref: WeakRef<AbortSignal>): void {
    client.addEventListener('abort', () => this.abort(ref, client.reason), { once: true });
  }

  private abort(ref: WeakRef<AbortSignal>, reason: unknown): void {
    const signal = ref.deref();
    if (signal) this.controllers.get(signal)?.abort(reason);
  }

  /** First middleware: refuse what arrives while draining; close connections after what was already running. */
  gate(): MiddlewareHandler<AppEnv> {
    return async (c, next) => {
      if (this.draining) {
        c.header('Connection', 'close');
        throw new FolioError('unavailable:shutting_down', 'Folio is restarting; try again in a few seconds.', { retryAfter: 5 });
      }
      await next();
      // Headers of a response not yet sent: do not keep its connection alive past the drain.
      if (this.draining) c.res.headers.set('Connection', 'close');
    };
  }

  /**
   * The closing parts of a chat or recap stream (answer/to-ui-stream.ts): a notice when the server ended
   * it (not when the answer finished or the client left), so the reader learns why it stopped.
   */
  readonly shutdownNotice = (finished: boolean): FolioUIMessageChunk[] => {
    if (!this.ctrl.signal.aborted || finished) return [];
    return [
      { type: 'data-error', id: 'error', data: { code: 'unavailable:shutting_down', message: RESTARTING_MESSAGE } },
      { type: 'error', errorText: RESTARTING_MESSAGE },
    ];
  };
}
