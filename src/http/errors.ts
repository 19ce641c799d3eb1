/** The one place where errors become HTTP responses. */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { asFolioError, FolioError } from '../errors.js';

export function toFolioError(err: unknown): FolioError {
  if (err instanceof FolioError) return err;
  if (err instanceof HTTPException) {
    if (err.status === 413) return new FolioError('payload_too_large:body', 'The request body is too large.');
    if (err.status === 400) return new FolioError('bad_request:body', err.message || 'Bad request.');
    return new FolioError(err.status === 401 ? 'unauthorized:request' : 'bad_request:request', err.message || 'Bad request.');
  }
  return asFolioError(err);
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
