/**
 * Operator endpoints: `Authorization: Bearer $ADMIN_TOKEN`, compared in
 * constant time. Without ADMIN_TOKEN the operator API is off entirely.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { FolioError } from '../errors.js';
import type { AppEnv } from './context.js';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function adminAuth(adminToken: string | undefined): MiddlewareHandler<AppEnv> {
  const expected = adminToken === undefined ? null : digest(adminToken);
  return async (c, next) => {
    if (!expected) throw new FolioError('forbidden:admin', 'The operator API is off. Set ADMIN_TOKEN on the server to turn it on.');
    const m = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header('authorization') ?? '');
    // Hashing both sides gives equal lengths, so the comparison time says nothing about the token.
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      c.header('WWW-Authenticate', 'Bearer realm="folio-admin"');
      throw new FolioError('unauthorized:admin', 'Send the operator token: Authorization: Bearer $ADMIN_TOKEN.');
    }
    await next();
  };
}
