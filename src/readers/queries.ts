/** All SQL of reader identity. */
import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { readers } from '../db/schema.js';

export async function insertReader(db: Db, tokenHash: string): Promise<string> {
  const [row] = await db.insert(readers).values({ tokenHash }).returning({ id: readers.id });
  return row!.id;
}

export async function findReaderByTokenHash(db: Db, tokenHash: string): Promise<string | null> {
  const rows = await db.select({ id: readers.id }).from(readers).where(eq(readers.tokenHash, tokenHash));
  return rows[0]?.id ?? null;
}
