/**
 * The cloud shape's backups (FOLIO_BACKUP_BUCKET): a scheduled `backup` job writes `folio backup`'s archive to
 * the private bucket and keeps the newest FOLIO_BACKUP_KEEP; with FOLIO_RESTORE_ON_EMPTY, `folio serve` restores
 * the newest one into an empty database before it is ready, so a fresh deploy (or a database lost) comes up
 * with its library, readers and conversations. Images are not in these archives: they stay in the image bucket.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { type Database, queryRows } from '../db/client.js';
import type { Storage } from '../storage/storage.js';
import { backup, restore } from './backup.js';
import { BackupBucket, type BucketSettings, backupName } from './bucket.js';

/** Any 64-bit constant; one replica restores, the others wait and find the database no longer empty. */
const RESTORE_LOCK = 435459876976;

async function withTempDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'folio-bucket-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface BucketBackupResult {
  name: string;
  bytes: number;
  rows: number;
  pruned: number;
}

/** Back the database up into the bucket as a new object, then keep only the newest `keep`. */
export async function backupToBucket(
  database: Database,
  settings: BucketSettings,
  keep: number,
  onProgress: (p: { step: string }) => void = () => {},
): Promise<BucketBackupResult> {
  const bucket = new BackupBucket(settings);
  try {
    return await withTempDir(async (dir) => {
      const name = backupName(new Date());
      const file = join(dir, name);
      const m = await backup({ database, storageKind: 's3', mediaDir: null }, file, onProgress);
      onProgress({ step: 'uploading' });
      const bytes = await bucket.upload(name, file);
      const pruned = await bucket.prune(keep);
      return { name, bytes, rows: m.tables.reduce((n, t) => n + t.rows, 0), pruned: pruned.length };
    });
  } finally {
    bucket.close();
  }
}

/** No series and no readers: nothing anyone made is here yet (scheduled jobs and caches may be). */
async function isEmpty(database: Database): Promise<boolean> {
  const [row] = await queryRows<{ empty: boolean }>(database.db, sql`SELECT NOT EXISTS (SELECT 1 FROM series) AND NOT EXISTS (SELECT 1 FROM readers) AS empty`);
  return row!.empty;
}

export type RestoreOnEmpty = { restored: string; rows: number } | { restored: null; why: 'not_empty' | 'no_backup' };

/** Restore the bucket's newest backup when the database is empty; several replicas booting at once restore once. */
export async function restoreNewestIfEmpty(database: Database, storage: Storage, settings: BucketSettings): Promise<RestoreOnEmpty> {
  const run = async (): Promise<RestoreOnEmpty> => {
    if (!(await isEmpty(database))) return { restored: null, why: 'not_empty' };
    const bucket = new BackupBucket(settings);
    try {
      const newest = (await bucket.list()).at(-1);
      if (!newest) return { restored: null, why: 'no_backup' };
      return await withTempDir(async (dir) => {
        const file = join(dir, newest);
        await bucket.download(newest, file);
        // Empty of what people made; what else is here (a queued scheduled job, caches) the backup replaces.
        const r = await restore({ database, storage }, file, { force: true });
        return { restored: newest, rows: Object.values(r.rows).reduce((a, b) => a + b, 0) };
      });
    } finally {
      bucket.close();
    }
  };
  if (database.kind !== 'postgres') return run();
  return database.withSession(async (s) => {
    await s.query('SELECT pg_advisory_lock($1)', [RESTORE_LOCK]);
    try {
      return await run();
    } finally {
      await s.query('SELECT pg_advisory_unlock($1)', [RESTORE_LOCK]);
    }
  });
}
