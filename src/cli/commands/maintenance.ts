/** `folio migrate` and `folio reset`. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Config } from '../../config/env.js';
import { openDatabase } from '../../db/client.js';
import { migrate } from '../../db/migrate.js';
import { resetDatabase } from '../../db/reset.js';

export async function migrateCommand(cfg: Config): Promise<void> {
  const database = await openDatabase(
    cfg.database.kind === 'pglite'
      ? { kind: 'pglite', dataDir: cfg.database.dataDir }
      : { kind: 'postgres', app: cfg.database.direct, direct: cfg.database.direct, poolMax: 1 },
  );
  try {
    const applied = await migrate(database);
    process.stdout.write(applied.length > 0 ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
  } finally {
    await database.close();
  }
}

export async function resetCommand(cfg: Config, opts: { yes?: boolean }): Promise<void> {
  if (!opts.yes) {
    process.stderr.write(
      `This deletes every series, reader and reading position in ${cfg.database.kind === 'pglite' ? cfg.database.dataDir : cfg.database.direct.redacted} and the local images in ${join(cfg.dataDir, 'media')}.\nRun again with --yes to do it.\n`,
    );
    process.exitCode = 1;
    return;
  }
  if (cfg.database.kind === 'pglite') {
    // Take the data-dir lock first so a running server is not pulled from under it.
    const database = await openDatabase({ kind: 'pglite', dataDir: cfg.database.dataDir });
    await database.close();
    await rm(cfg.database.dataDir, { recursive: true, force: true });
  } else {
    const database = await openDatabase({ kind: 'postgres', app: cfg.database.direct, direct: cfg.database.direct, poolMax: 1 });
    try {
      await resetDatabase(database);
    } finally {
      await database.close();
    }
  }
  await rm(join(cfg.dataDir, 'media'), { recursive: true, force: true });
  process.stdout.write('Folio data deleted. The next `folio serve` starts fresh.\n');
}
