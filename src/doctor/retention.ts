/**
 * The retention layer: whether readers inactive for FOLIO_RETENTION_DAYS (and old finished jobs) are
 * deleted, when that last happened and what it deleted, and how many readers the next run will delete.
 */
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { countReaders, inactiveReaders, lastRetentionRun, RETENTION_EVERY_MS } from '../retention/retention.js';
import { type CheckResult, pass, skip, warn } from './types.js';

const LAYER = 'retention';
/** Past this many readers with retention off, the doctor suggests turning it on. */
const MANY_READERS = 10_000;

export async function checkRetention(config: Config, database: Database | null, now = Date.now()): Promise<CheckResult> {
  if (!database) return skip(LAYER, 'needs the database');
  const days = config.retentionDays;
  if (days <= 0) {
    const readers = await countReaders(database.db);
    const summary = `off (FOLIO_RETENTION_DAYS=0): ${readers} readers and every finished job are kept forever`;
    return readers > MANY_READERS
      ? warn(LAYER, summary, 'set FOLIO_RETENTION_DAYS (such as 180) so readers inactive that long, and old finished jobs, are deleted.')
      : pass(LAYER, summary);
  }
  const [run, due] = await Promise.all([lastRetentionRun(database.db), inactiveReaders(database.db, days)]);
  const what = `readers inactive ${days} days (with their progress and conversations) and jobs finished ${days} days ago are deleted`;
  if (!run) {
    return warn(
      LAYER,
      `${what}, but no run has finished yet; ${due} readers are due`,
      'it runs a minute after a job worker starts (FOLIO_WORKER=inline in `folio serve`, or a `folio worker` process): check that one runs.',
    );
  }
  const hours = Math.round((now - run.finishedAt.getTime()) / 3_600_000);
  const summary = `${what}; last run ${hours} h ago deleted ${run.readers} readers and ${run.jobs} jobs; ${due} readers are due`;
  // Runs every six hours: a last run over a day old means no worker is running them.
  if (now - run.finishedAt.getTime() > 4 * RETENTION_EVERY_MS) {
    return warn(LAYER, summary, 'no retention run in over a day: check that a job worker runs (`folio worker`, or FOLIO_WORKER=inline) and its logs.');
  }
  return pass(LAYER, summary);
}
