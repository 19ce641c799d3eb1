/** zod at the edge: bodies, params and queries become typed values or a 4xx FolioError. */
import type { Context } from 'hono';
import type { z } from 'zod';
import type { SurfaceOf } from '../contract/errors.js';
import { FolioError } from '../errors.js';

export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => (i.path.length > 0 ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

export function parseWith<S extends z.ZodType>(schema: S, value: unknown, surface: SurfaceOf<'bad_request'>, what: string): z.infer<S> {
  const r = schema.safeParse(value);
  if (!r.success) throw new FolioError(`bad_request:${surface}`, `Invalid ${what}: ${describeIssues(r.error)}`);
  return r.data;
}

/** `surface` names both the 400 and the 415 code, so it must be a surface of both kinds. */
export async function readJson<S extends z.ZodType>(c: Context, schema: S, surface: SurfaceOf<'bad_request'> & SurfaceOf<'unsupported_media_type'>): Promise<z.infer<S>> {
  const type = c.req.header('content-type') ?? '';
  if (!/^application\/([\w.+-]+\+)?json(\s*;|$)/i.test(type)) {
    throw new FolioError(`unsupported_media_type:${surface}`, 'Send a JSON body with Content-Type: application/json.');
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await c.req.text());
  } catch {
    throw new FolioError(`bad_request:${surface}`, 'The request body is not valid JSON.');
  }
  return parseWith(schema, raw, surface, 'request body');
}
