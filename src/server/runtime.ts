/**
 * Opening what a Folio process needs, shared by `serve` and the other CLI
 * commands: storage, database (migrated), and the bundled sample.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/env.js';
import type { ImportResult } from '../content/importer.js';
import { countSeries } from '../content/queries.js';
import { type Database, openDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { LocalStorage } from '../storage/local.js';
import type { Storage } from '../storage/storage.js';

/** The S3 client (~1 MB of AWS SDK) is loaded only when S3 is configured: it is most of a local start-up's parse time. */
export async function openStorage(config: Config): Promise<Storage> {
  if (config.s3) {
    const { S3Storage } = await import('../storage/s3.js');
    return new S3Storage(config.s3);
  }
  return new LocalStorage(join(config.dataDir, 'media'));
}

export async function openMigratedDatabase(config: Config): Promise<Database> {
  const database = await openDatabase(
    config.database.kind === 'pglite'
      ? { kind: 'pglite', dataDir: config.database.dataDir }
      : { kind: 'postgres', app: config.database.app, direct: config.database.direct, poolMax: config.dbPoolMax },
  );
  try {
    await migrate(database);
  } catch (err) {
    await database.close().catch(() => {});
    throw err;
  }
  return database;
}

export const samplesDir = fileURLToPath(new URL('../../samples/', import.meta.url));

/** Bundled sample packs: every folder under samples/ with a series.yaml. */
export function samplePacks(dir = samplesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'series.yaml')))
    .map((d) => join(dir, d.name));
}

/** On first run (no series at all), import the bundled sample. */
export async function importSampleOnFirstRun(database: Database, storage: Storage, concurrency: number): Promise<ImportResult[]> {
  if ((await countSeries(database.db)) > 0) return [];
  // The importer (sharp, yaml, zip) is loaded only when there is something to import.
  const { importPack } = await import('../content/importer.js');
  const results: ImportResult[] = [];
  for (const pack of samplePacks()) results.push(await importPack({ database, storage }, pack, { concurrency }));
  return results;
}
