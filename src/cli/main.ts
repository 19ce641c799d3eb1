/** The `folio` command. */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from '../config/env.js';
import { importPack, PackInvalidError } from '../content/importer.js';
import { formatProblem } from '../content/read-pack.js';
import { migrate } from '../db/migrate.js';
import { openDatabase } from '../db/client.js';
import { FolioError } from '../errors.js';
import { createLogger } from '../logger.js';
import { openMigratedDatabase, openStorage } from '../server/runtime.js';
import { startServer } from '../server/serve.js';
import { resetDatabase } from '../db/reset.js';
import { importReporter } from './progress-reporter.js';

const intOption = (name: string, min: number, max: number) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}.`);
  return n;
};

function config(overrides: Record<string, string | undefined> = {}): Config {
  return loadConfig({ ...process.env, ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)) });
}

const program = new Command()
  .name('folio')
  .description('Folio: a spoiler-safe AI reading companion for serialized comics.\nConfiguration comes from environment variables (see docs/configuration.md).')
  .showHelpAfterError();

program
  .command('serve')
  .description('Migrate the database, import the bundled sample series on first run, and serve the API (PORT, default 3000).')
  .option('-p, --port <port>', 'port to listen on (overrides PORT)', intOption('--port', 0, 65535))
  .option('--host <host>', 'interface to listen on (overrides HOST; 0.0.0.0 for all)')
  .option('--no-sample', 'do not import the bundled sample series on first run (FOLIO_SAMPLE=false)')
  .action(async (opts: { port?: number; host?: string; sample: boolean }) => {
    const cfg = config({ PORT: opts.port?.toString(), HOST: opts.host, FOLIO_SAMPLE: opts.sample ? undefined : 'false' });
    const logger = createLogger({ level: cfg.logLevel, format: cfg.logFormat });
    const server = await startServer(cfg, logger);
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, 'shutting down');
      await server.close();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop('SIGINT'));
    process.on('SIGTERM', () => void stop('SIGTERM'));
    try {
      await server.ready;
    } catch (err) {
      logger.fatal({ err }, 'could not open the database');
      await server.close().catch(() => {});
      throw err;
    }
    if (process.stdout.isTTY && cfg.logFormat === 'pretty') process.stdout.write(`Folio is ready at ${server.url}\n`);
  });

program
  .command('import')
  .description('Validate and import content packs (directories or .zip files). A pack with any problem imports nothing; re-importing updates in place.')
  .argument('<packs...>', 'pack directories or .zip archives')
  .option('--dry-run', 'validate only, import nothing')
  .option('--json', 'print one JSON result per pack instead of text (for scripts)')
  .option('-c, --concurrency <n>', 'images processed in parallel (overrides FOLIO_IMPORT_CONCURRENCY)', intOption('--concurrency', 1, 16))
  .action(async (packs: string[], opts: { dryRun?: boolean; json?: boolean; concurrency?: number }) => {
    const cfg = config();
    const storage = openStorage(cfg);
    const database = await openMigratedDatabase(cfg);
    let failed = false;
    try {
      for (const pack of packs) {
        const reporter = importReporter({ tty: Boolean(process.stderr.isTTY) && !opts.json, out: process.stderr, quiet: opts.json });
        try {
          const r = await importPack({ database, storage }, pack, {
            dryRun: opts.dryRun,
            concurrency: opts.concurrency ?? cfg.importConcurrency,
            onProgress: reporter.onProgress,
          });
          reporter.stop();
          if (opts.json) process.stdout.write(`${JSON.stringify({ pack, ok: true, ...r, ms: Math.round(r.ms) })}\n`);
          else {
            for (const w of r.warnings) process.stderr.write(`warning: ${formatProblem(w)}\n`);
            const rate = r.imagesMade > 0 ? `, ${(r.imagesMade / (r.ms / 1000)).toFixed(1)} images/s` : '';
            process.stdout.write(
              `${r.status === 'unchanged' ? 'Unchanged' : r.status === 'valid' ? 'Valid' : r.status === 'created' ? 'Imported' : 'Updated'} ` +
                `"${r.title}" (${r.seriesId}): ${r.episodes} episodes, ${r.pages} pages, ${r.chunks} text chunks, ` +
                `${r.imagesMade} images made, ${r.imagesReused} reused, ${r.warnings.length} warnings in ${(r.ms / 1000).toFixed(1)} s${rate}\n`,
            );
          }
        } catch (err) {
          reporter.stop();
          failed = true;
          if (opts.json) {
            const fe = err instanceof FolioError ? err : null;
            process.stdout.write(
              `${JSON.stringify({ pack, ok: false, error: { code: fe?.code ?? 'internal:import', message: (err as Error).message }, problems: err instanceof PackInvalidError ? err.problems : undefined })}\n`,
            );
          } else process.stderr.write(`${(err as Error).message}\n`);
        }
      }
    } finally {
      await database.close();
    }
    if (failed) process.exitCode = 1;
  });

program
  .command('migrate')
  .description('Apply pending database migrations (DATABASE_DIRECT_URL when set) and exit. Safe to run from several processes at once.')
  .action(async () => {
    const cfg = config();
    const database = await openDatabase(
      cfg.database.kind === 'pglite' ? { kind: 'pglite', dataDir: cfg.database.dataDir } : { kind: 'postgres', app: cfg.database.direct, direct: cfg.database.direct, poolMax: 1 },
    );
    try {
      const applied = await migrate(database);
      process.stdout.write(applied.length > 0 ? `Applied ${applied.join(', ')}\n` : 'Database is up to date.\n');
    } finally {
      await database.close();
    }
  });

program
  .command('reset')
  .description('Delete all Folio data: every series, reader and progress row, and local images. Asks for --yes.')
  .option('--yes', 'really delete everything')
  .action(async (opts: { yes?: boolean }) => {
    const cfg = config();
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
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Configuration error:\n${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`${err instanceof FolioError ? err.message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(1);
});
