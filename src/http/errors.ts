/** The one place where errors become HTTP responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { FolioError } from '../errors.js';

const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/** The server gave up on a statement: statement_timeout (57014 query_canceled) or lock_timeout (55P03). */
const PG_TIMED_OUT = new Set(['57014', '55P03']);

/** Is this (or its cause chain) the database being unreachable or too slow to answer, as opposed to a bug? */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && (PG_UNAVAILABLE.has(e.code) || NET_UNAVAILABLE.has(e.code) || PG_TIMED_OUT.has(e.code))) return true;
    if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message))
      return true;
  }
  return false;
}

export function toFolioError(err: unknown): FolioError {
  if (err instanceof FolioError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new FolioError('payload_too_large:body', 'The request body is too large.');
    if (err.status === 400) return new FolioError('bad_request:body', err.message || 'Bad request.');
    return new FolioError(err.status === 401 ? 'unauthorized:request' : 'bad_request:request', err.message || 'Bad request.');
  }
  if (isDatabaseUnavailable(err)) {
    return new FolioError('unavailable:database', 'The database is unavailable right now; try again in a few seconds.');
  }
  return new FolioError('internal:server', 'Something went wrong on our side. It has been logged.');
}

export function errorResponse(c: Context, err: FolioError): Response {
  if (err.kind === 'unavailable' || err.kind === 'rate_limit') c.header('Retry-After', String(err.details?.retryAfter ?? 2));
  const body: { error: { code: string; message: string } & Record<string, unknown> } = { error: { code: err.code, message: err.message } };
  if (err.details) {
    const { retryAfter: _r, ...rest } = err.details;
    Object.assign(body.error, rest);
  }
  return c.json(body, err.status as ContentfulStatusCode);
}
