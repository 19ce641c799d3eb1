/**
 * The one way the web app talks to the API. Reader identity is the HttpOnly
 * `folio_reader` cookie (the app never sees the token): a request the API
 * rejects with 401 `unauthorized:reader` creates a new reader once and is
 * retried. Cross-origin builds (VITE_API_BASE_URL) send the cookie with
 * `credentials: 'include'`.
 */
import type { ErrorCode, ErrorDetails, ErrorResponse } from '../../../src/contract/index.js';

export const API_BASE: string = import.meta.env.VITE_API_BASE_URL ?? '';

/** Local media URLs are root-relative: on a CDN build they live on the API's origin. */
export const mediaUrl = (url: string): string => (url.startsWith('/') ? API_BASE + url : url);

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** Folio's code, or `http:<status>` for an answer that is not Folio's (a proxy's error page). */
    readonly code: ErrorCode | `http:${number}`,
    message: string,
    readonly details: ErrorDetails = {},
    /** Seconds to wait (429, 503): the body's retryAfter, else the Retry-After header. */
    readonly retryAfterS: number | null = null,
  ) {
    super(message);
  }
}

/** The API could not be reached at all (server down, offline). */
export class ApiUnreachable extends Error {
  constructor() {
    super('The Folio server cannot be reached.');
  }
}

interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  json?: unknown;
  signal?: AbortSignal;
  /** Lets a request outlive the page (progress written while the tab closes). */
  keepalive?: boolean;
}

const credentials: RequestCredentials = API_BASE ? 'include' : 'same-origin';

async function send(path: string, opts: RequestOptions): Promise<Response> {
  try {
    return await fetch(API_BASE + path, {
      method: opts.method ?? 'GET',
      headers: opts.json !== undefined ? { 'Content-Type': 'application/json' } : undefined,
      body: opts.json !== undefined ? JSON.stringify(opts.json) : undefined,
      credentials,
      signal: opts.signal,
      keepalive: opts.keepalive,
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiUnreachable();
  }
}

/** The API's error body (`{"error":{"code","message",…}}`) as an ApiError. */
export async function toError(res: Response): Promise<ApiError> {
  // A cross-origin build may not be allowed to read the header; the body says it too.
  const retry = Number(res.headers.get('retry-after'));
  const retryAfterS = Number.isFinite(retry) && retry > 0 ? retry : null;
  try {
    const body = (await res.json()) as Partial<ErrorResponse>;
    if (body.error?.code) {
      const { code, message, ...details } = body.error;
      return new ApiError(res.status, code, message ?? res.statusText, details, details.retryAfter ?? retryAfterS);
    }
  } catch {
    /* not JSON: a proxy's error page */
  }
  return new ApiError(res.status, `http:${res.status}`, `The server answered ${res.status} ${res.statusText}.`, {}, retryAfterS);
}

let newReader: Promise<void> | null = null;
/** Readers this page has made: a 401 to a request sent before the last one was made needs no new one. */
let readersMade = 0;

/** One POST /api/readers at a time, however many requests saw the 401 (also used by the chat transport). */
export function createReader(keepalive = false): Promise<void> {
  newReader ??= (async () => {
    const res = await send('/api/readers', { method: 'POST', keepalive });
    if (res.ok) {
      readersMade++;
      return;
    }
    const err = await toError(res);
    // Another tab made the reader first: this browser has one now, which is all this wanted.
    if (err.code !== 'conflict:reader') throw err;
  })().finally(() => {
    newReader = null;
  });
  return newReader;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(t);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });

export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  let renewedReader = false;
  for (let attempt = 0; ; attempt++) {
    const made = readersMade;
    const res = await send(path, opts);
    // 204 (e.g. a revoked token) has no body to parse.
    if (res.status === 204) return undefined as T;
    if (res.ok) return (await res.json()) as T;
    const err = await toError(res);
    if (err.code === 'unauthorized:reader' && !renewedReader) {
      renewedReader = true;
      // Sent before another request's 401 made this page a reader: it only needs sending again (a second
      // POST /api/readers would be a 409 the console shows).
      if (readersMade === made) await createReader(opts.keepalive);
      continue;
    }
    // Folio is still opening its database: wait as told, a few times.
    const retryAfter = err.retryAfterS ?? 0;
    if (err.code === 'unavailable:starting' && attempt < 5 && retryAfter > 0 && retryAfter <= 5) {
      await sleep(retryAfter * 1000, opts.signal);
      continue;
    }
    throw err;
  }
}

/** A sentence for people, for any error the client can raise. */
export function describeError(err: unknown): string {
  if (err instanceof ApiUnreachable) return 'Folio cannot reach its server. Check your connection, or that the server is running, then try again.';
  if (err instanceof ApiError) {
    if (err.status >= 500) return `The server had a problem (${err.message}). Try again in a moment.`;
    return err.message;
  }
  if (err instanceof Error && err.message) return err.message;
  return 'Something went wrong.';
}
