import { Hono } from 'hono';
import { setCookie } from 'hono/cookie';
import { createReader } from '../../readers/readers.js';
import { READER_COOKIE } from '../../readers/tokens.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';

export function readerRoutes(deps: AppDeps) {
  return new Hono<AppEnv>().post('/api/readers', async (c) => {
    const { token } = await createReader(requireDatabase(deps).db);
    const secure = new URL(c.req.url).protocol === 'https:' || (deps.trustProxy && c.req.header('x-forwarded-proto') === 'https');
    setCookie(c, READER_COOKIE, token, {
      httpOnly: true,
      sameSite: 'Lax',
      secure,
      path: '/',
      maxAge: 400 * 24 * 3600,
    });
    return c.json({ token }, 201);
  });
}
