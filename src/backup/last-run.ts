/**
 * The scheduled backup's job kind and its last run, apart from scheduled.ts so that /metrics and the doctor
 * read it without loading the S3 client.
 */
import type { Db } from '../db/client.js';
import { lastSucceeded } from '../jobs/queries.js';

export const BACKUP_JOB = 'backup';

/** The newest scheduled backup that finished (its job's result): when, and the object it wrote. */
export async function lastBucketBackup(db: Db): Promise<{ finishedAt: Date; name: string | null; bytes: number } | null> {
  const run = await lastSucceeded(db, BACKUP_JOB);
  if (!run || typeof run.result.name !== 'string') return null;
  return { finishedAt: run.finishedAt, name: run.result.name, bytes: Number(run.result.bytes ?? 0) };
}
