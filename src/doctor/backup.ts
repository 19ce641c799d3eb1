/**
 * The backup layer (FOLIO_BACKUP_BUCKET): when the last scheduled backup finished and what it wrote. The
 * bucket itself is the storage layer's endpoint and keys; a failing upload shows as a failed `backup` job.
 */

import { lastBucketBackup } from '../backup/last-run.js';
import type { Config } from '../config/env.js';
import type { Database } from '../db/client.js';
import { type CheckResult, pass, skip, warn } from './types.js';

const LAYER = 'backup';

export async function checkBackup(config: Config, database: Database | null, now = Date.now()): Promise<CheckResult> {
  if (!config.backup) return skip(LAYER, 'FOLIO_BACKUP_BUCKET is not set (use `folio backup`, or the systemd timer on a small box)');
  if (!database) return skip(LAYER, 'needs the database');
  const last = await lastBucketBackup(database.db);
  const where = `scheduled backups every ${config.backup.everyMs / 3_600_000} h to the bucket ${config.backup.bucket}, newest ${config.backup.keep} kept`;
  if (!last) {
    return warn(
      LAYER,
      `${where}, but none has finished yet`,
      'the first runs a minute after a job worker starts (FOLIO_WORKER=inline, or `folio worker`); a failed run is in the operator job list (kind backup) with its error.',
    );
  }
  const hours = Math.round((now - last.finishedAt.getTime()) / 3_600_000);
  const summary = `${where}; the last, ${last.name} (${(last.bytes / 1024 / 1024).toFixed(1)} MB), finished ${hours} h ago`;
  if (now - last.finishedAt.getTime() > 2 * config.backup.everyMs) {
    return warn(LAYER, summary, 'no backup in two periods: check that a job worker runs, and the failed `backup` jobs in the operator job list.');
  }
  return pass(LAYER, summary);
}
