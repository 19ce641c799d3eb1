/** The one place where errors become HTTP responses (classification is errors.ts's asFolioError). */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { ErrorResponse } from '../contract/errors.js';
import { asFolioError, FolioError } from '../errors.js';
import type { OAuthError } from '../oauth/oauth.js';

/** A thrown value as the FolioError to answer with; Hono's own HTTPExceptions (body parsing, limits) included. */
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
  return c.json({ error: err.toBody() } satisfies ErrorResponse, err.status as ContentfulStatusCode);
}

/** OAuth's own error body (RFC 6749 §5.2), for the protocol endpoints; never cached. */
export function oauthErrorResponse(c: Context, err: OAuthError): Response {
  c.header('Cache-Control', 'no-store');
  return c.json({ error: err.error, error_description: err.description }, err.status);
}
