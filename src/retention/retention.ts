/**
 * Retention (FOLIO_RETENTION_DAYS): anyone can create a reader, so a public Folio would otherwise keep
 * every anonymous reader, its conversations, and every finished job forever. A scheduled job, `retention`,
 * deletes readers inactive for that many days with everything that is theirs, and jobs finished that long
 * ago. It runs soon after a worker starts and then every RETENTION_EVERY_MS; 0 days turns it off.
 */
import type { Db } from '../db/client.js';
import { lastSucceeded } from '../jobs/queries.js';
import * as q from './queries.js';

export const RETENTION_JOB = 'retention';
/** Four times a day: a day's inactivity limit is kept to within six hours. */
export const RETENTION_EVERY_MS = 6 * 60 * 60 * 1000;
/** Rows per DELETE: short statements, so readers and imports never wait long on a retention run. */
const BATCH = 500;

export interface RetentionResult {
  days: number;
  readers: number;
  jobs: number;
}

/** Delete what is older than `days`, batch by batch, until nothing is left or `signal` aborts. */
export async function runRetention(
  db: Db,
  days: number,
  opts: { signal?: AbortSignal; onProgress?: (p: { readers: number; jobs: number }) => void } = {},
): Promise<RetentionResult> {
  const done = { readers: 0, jobs: 0 };
  if (days <= 0) return { days, ...done };
  for (const [what, del] of [
    ['readers', q.deleteInactiveReaders],
    ['jobs', q.deleteFinishedJobs],
  ] as const) {
    for (;;) {
      opts.signal?.throwIfAborted();
      const n = await del(db, days, BATCH);
      done[what] += n;
      opts.onProgress?.({ ...done });
      if (n < BATCH) break;
    }
  }
  return { days, ...done };
}

export const inactiveReaders = q.countInactiveReaders;
export const countReaders = q.countReaders;

export interface LastRun {
  finishedAt: Date;
  readers: number;
  jobs: number;
}

/** The newest retention run that finished, and what it deleted (its job's result). */
export async function lastRetentionRun(db: Db): Promise<LastRun | null> {
  const run = await lastSucceeded(db, RETENTION_JOB);
  return run ? { finishedAt: run.finishedAt, readers: Number(run.result.readers ?? 0), jobs: Number(run.result.jobs ?? 0) } : null;
}
