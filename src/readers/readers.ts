import type { Db } from '../db/client.js';
import { hashReaderToken, newReaderToken, READER_TOKEN_PATTERN } from './tokens.js';
import * as q from './queries.js';

export async function createReader(db: Db): Promise<{ id: string; token: string }> {
  const token = newReaderToken();
  const id = await q.insertReader(db, hashReaderToken(token));
  return { id, token };
}

/** The reader id for a token, or null when it is malformed or unknown. */
export async function readerForToken(db: Db, token: string): Promise<string | null> {
  if (!READER_TOKEN_PATTERN.test(token)) return null;
  return q.findReaderByTokenHash(db, hashReaderToken(token));
}
