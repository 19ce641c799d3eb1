/**
 * Hono's body limit, without building the WHATWG Request when the length is declared. `hono/body-limit` asks for
 * `c.req.raw.body` first, which makes @hono/node-server build the whole undici Request (its headers, its body
 * stream, its signal) that the routes then never need: they read the body with `c.req.text()`, which reads Node's
 * request directly. A declared `Content-Length` is decided from the header alone (Node's parser delivers exactly
 * that many bytes, and refuses it together with `Transfer-Encoding`); a chunked body is counted by Hono's.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { AppEnv } from './context.js';

export function limitBody(maxSize: number, onError: (c: Context<AppEnv>) => never): MiddlewareHandler<AppEnv> {
  const counted = bodyLimit({ maxSize, onError });
  return (c, next) => {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    if (Number.parseInt(length, 10) > maxSize) onError(c);
    return next();
  };
}
