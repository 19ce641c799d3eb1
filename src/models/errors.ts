/**
 * Upstream model failures → what Folio does about them. Upstream error text
 * never reaches a reader: each kind maps to one friendly, typed FolioError.
 */
import { FolioError } from '../errors.js';

export type ModelFailure =
  /** Connection refused/reset, DNS, TLS: the server is not there (yet). */
  | 'connect'
  /** No first token (or no next token) in time. */
  | 'timeout'
  /** 401/403: credentials. */
  | 'auth'
  /** 404: model or route not found. */
  | 'not_found'
  /** 429 from the provider. */
  | 'rate_limited'
  /** 5xx: overloaded, cold start behind a proxy, crashed. */
  | 'server'
  /** Unparseable frames or an answer cut off mid-stream. */
  | 'bad_stream'
  /** Other 4xx: the request was rejected (context too long, bad parameter). */
  | 'rejected';

const NET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNABORTED',
]);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  statusCode?: unknown;
  cause?: unknown;
  lastError?: unknown;
  errors?: unknown;
}

/** Walk the cause chain (and the AI SDK's RetryError.lastError) looking for a known shape. */
export function classifyModelError(err: unknown): ModelFailure {
  const seen = new Set<unknown>();
  let sawParse = false;
  let sawTerminated = false;
  for (let e = err as ErrorLike | undefined; e && typeof e === 'object' && !seen.has(e); ) {
    seen.add(e);
    if (typeof e.statusCode === 'number') {
      const s = e.statusCode;
      if (s === 401 || s === 403) return 'auth';
      if (s === 404) return 'not_found';
      if (s === 429) return 'rate_limited';
      if (s === 408 || s === 504) return 'timeout';
      if (s >= 500) return 'server';
      if (s >= 400) return 'rejected';
    }
    if (typeof e.code === 'string' && NET_CODES.has(e.code)) return 'connect';
    const name = typeof e.name === 'string' ? e.name : '';
    if (name === 'TimeoutError') return 'timeout';
    if (/JSONParseError|TypeValidationError|InvalidResponseDataError|EmptyResponseBodyError|NoOutputGeneratedError|InvalidStreamPartError/.test(name)) sawParse = true;
    const message = typeof e.message === 'string' ? e.message : '';
    if (/terminated|other side closed|premature close|socket hang up/i.test(message)) sawTerminated = true;
    if (/fetch failed|ECONNREFUSED|connect ECONN/i.test(message) && !sawTerminated) {
      // Undici hides the network code one level down; keep looking, default to connect.
      const next = (e.cause ?? e.lastError) as ErrorLike | undefined;
      if (!next || typeof next !== 'object') return 'connect';
    }
    e = (e.lastError ?? e.cause) as ErrorLike | undefined;
  }
  if (sawTerminated) return 'bad_stream';
  if (sawParse) return 'bad_stream';
  return 'bad_stream';
}

/** Worth one retry before the first token (a cold start looks like these). */
export function isRetryableBeforeFirstToken(f: ModelFailure): boolean {
  return f === 'connect' || f === 'timeout' || f === 'server';
}

/** The error a reader sees. */
export function modelFailureError(f: ModelFailure, opts: { afterFirstToken: boolean }): FolioError {
  switch (f) {
    case 'auth':
      return new FolioError(
        'unavailable:model_auth',
        "The companion's language model refused Folio's credentials. The operator needs to check the model settings; reading is not affected.",
      );
    case 'not_found':
      return new FolioError(
        'unavailable:model_not_found',
        "The companion's language model is not installed on its server. The operator needs to check FOLIO_CHAT_MODEL; reading is not affected.",
      );
    case 'rate_limited':
      return new FolioError('rate_limit:model', 'The language model is busy right now. Try again in a minute.', { retryAfter: 30 });
    case 'rejected':
      return new FolioError('unavailable:model_rejected', 'The language model could not take this question. Try asking it differently.');
    case 'bad_stream':
      return opts.afterFirstToken
        ? new FolioError('unavailable:model_stream', 'The answer was cut off because the connection to the language model broke. Try asking again.')
        : new FolioError('unavailable:model_stream', 'The language model sent an answer Folio could not read. Try asking again.');
    case 'timeout':
      return opts.afterFirstToken
        ? new FolioError('unavailable:model_timeout', 'The language model stopped answering part-way. Try asking again.')
        : new FolioError('unavailable:model', 'The language model did not answer in time, even after waking it. Try again in a minute; reading is not affected.');
    case 'connect':
    case 'server':
      return new FolioError('unavailable:model', 'The language model is not reachable right now, even after waking it. Try again in a minute; reading is not affected.');
  }
}
