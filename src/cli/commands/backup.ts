/** `folio backup <file>` and `folio restore <file> [--force]`. */
import { join, resolve } from 'node:path';
import { type BackupProgress, backup, restore } from '../../backup/backup.js';
import type { Config } from '../../config/env.js';
import { openMigratedDatabase, openStorage } from '../../server/runtime.js';

const progress = (quiet: boolean) => (p: BackupProgress) => {
  if (!quiet) process.stderr.write(`${p.step}${p.total !== undefined ? ` ${p.done ?? 0}/${p.total}` : ''}\n`);
};

export async function backupCommand(cfg: Config, file: string, opts: { json?: boolean }): Promise<void> {
  const database = await openMigratedDatabase(cfg);
  try {
    const started = performance.now();
    const m = await backup(
      { database, storageKind: cfg.s3 ? 's3' : 'local', mediaDir: cfg.s3 ? null : join(cfg.dataDir, 'media') },
      resolve(file),
      progress(Boolean(opts.json)),
    );
    const rows = m.tables.reduce((n, t) => n + t.rows, 0);
    const summary = {
      file: resolve(file),
      database: m.database,
      tables: m.tables.length,
      rows,
      images: m.media.files,
      imageBytes: m.media.bytes,
      ms: Math.round(performance.now() - started),
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`Backed up ${rows} rows in ${m.tables.length} tables and ${m.media.files} images to ${summary.file}.\n`);
      if (cfg.s3) process.stdout.write(`Images live in the S3 bucket ${cfg.s3.bucket} and are not in this archive; back the bucket up separately.\n`);
    }
  } finally {
    await database.close();
  }
}

export async function restoreCommand(cfg: Config, file: string, opts: { force?: boolean; json?: boolean }): Promise<void> {
  const database = await openMigratedDatabase(cfg);
  try {
    const r = await restore({ database, storage: await openStorage(cfg) }, resolve(file), { force: opts.force, onProgress: progress(Boolean(opts.json)) });
    const rows = Object.values(r.rows).reduce((a, b) => a + b, 0);
    if (opts.json)
      process.stdout.write(`${JSON.stringify({ file: resolve(file), rows, images: r.images, from: r.manifest.database, createdAt: r.manifest.createdAt })}\n`);
    else
      process.stdout.write(
        `Restored ${rows} rows and ${r.images} images from ${resolve(file)} (a ${r.manifest.database} backup of ${r.manifest.createdAt}); every count verified.\n`,
      );
  } finally {
    await database.close();
  }
}
