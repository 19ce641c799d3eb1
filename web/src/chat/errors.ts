/**
 * A failed question, in words for the reader, and what they can do about it.
 * Errors come from two places: the request was refused before the answer
 * started (HTTP 4xx/5xx as JSON, thrown by the transport as ApiError), or the
 * model failed during the answer (a `data-error` part, then an `error` chunk
 * whose text the AI SDK turns into an Error). Upstream error text never
 * reaches the browser: the server already sends friendly messages.
 */
import type { ErrorCode, StreamError } from '../../../src/contract/index.js';
import { ApiError, ApiUnreachable } from '../api/client';

export interface FriendlyError {
  code: ErrorCode | `http:${number}` | 'offline' | 'unknown';
  title: string;
  message: string;
  /** Asking again may work (now, or after `retryAfterS`). */
  retry: boolean;
  retryAfterS: number | null;
  /** Only a new conversation helps (this one is full or belongs elsewhere). */
  newConversation: boolean;
}

const OFFLINE = 'Folio cannot reach its server. Check your connection, then try again.';

export function friendlyError(err: unknown, streamError: StreamError | null = null): FriendlyError {
  const base = { retry: true, retryAfterS: null, newConversation: false };
  if (streamError) {
    const operator = /^unavailable:model_(auth|not_found|rejected)$/.test(streamError.code);
    return {
      ...base,
      code: streamError.code,
      title: operator ? 'The companion is not set up right' : 'The companion could not answer',
      message: streamError.message,
      retryAfterS: streamError.retryAfter ?? null,
    };
  }
  if (err instanceof ApiUnreachable) return { ...base, code: 'offline', title: 'Folio is offline', message: OFFLINE };
  if (err instanceof ApiError) {
    const e = { ...base, code: err.code, title: 'The companion could not answer', message: err.message };
    switch (err.code) {
      case 'rate_limit:chat':
      case 'rate_limit:recap':
        return { ...e, title: 'One moment', retryAfterS: err.retryAfterS ?? 5 };
      case 'conflict:not_started':
        return { ...e, title: 'Start reading first' };
      case 'conflict:conversation_full':
      case 'conflict:conversation':
        return { ...e, title: 'Start a new conversation', retry: false, newConversation: true };
      case 'bad_request:question_too_long':
        return { ...e, title: 'That question is too long', retry: false };
      case 'unavailable:companion':
        return { ...e, title: 'The companion is not available', message: 'The companion is not running on this server right now.' };
      case 'not_found:route':
        return { ...e, title: 'Not available yet', message: 'This server does not offer this yet.', retry: false };
    }
    if (err.status >= 500) return { ...e, message: 'The server had a problem. Try again in a moment.', retryAfterS: err.retryAfterS };
    return e;
  }
  if (err instanceof TypeError) return { ...base, code: 'offline', title: 'Folio is offline', message: OFFLINE };
  const message = err instanceof Error && err.message ? err.message : 'Something went wrong.';
  return { ...base, code: 'unknown', title: 'The companion could not answer', message };
}
