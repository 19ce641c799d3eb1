/**
 * The `folio` command. Each command's implementation is imported only when it
 * runs, so `folio serve` does not pay for the importer (sharp, yaml, zip) at boot.
 */
import { Command, InvalidArgumentError } from 'commander';
import { type Config, ConfigError, loadConfig } from '../config/env.js';
import { diskFullError, FolioError } from '../errors.js';

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
    const { serveCommand } = await import('./commands/serve.js');
    await serveCommand(cfg);
  });

program
  .command('import')
  .description(
    'Validate and import content packs (directories or .zip files) or CBZ comics. A pack with any problem imports nothing; re-importing updates in place. Pages without authored text (every CBZ page) are transcribed offline (FOLIO_OCR_LANGS) and a world is drafted from the text (docs/transcription.md).',
  )
  .argument('<packs...>', 'pack directories, .zip packs, .cbz files, or folders of .cbz files (one series)')
  .option('--dry-run', 'validate only, import nothing')
  .option('--json', 'print one JSON result per pack instead of text (for scripts)')
  .option('-c, --concurrency <n>', 'images processed in parallel (overrides FOLIO_IMPORT_CONCURRENCY)', intOption('--concurrency', 1, 16))
  .action(async (packs: string[], opts: { dryRun?: boolean; json?: boolean; concurrency?: number }) => {
    const cfg = config();
    const { importCommand } = await import('./commands/import.js');
    await importCommand(cfg, packs, opts);
  });

program
  .command('worker')
  .description(
    'Run background jobs (imports uploaded through the operator API, re-embedding) until stopped. Use with FOLIO_WORKER=off on the servers; several workers may run against one PostgreSQL.',
  )
  .option('-c, --concurrency <n>', 'jobs run at once (overrides FOLIO_JOB_CONCURRENCY)', intOption('--concurrency', 1, 16))
  .action(async (opts: { concurrency?: number }) => {
    const cfg = config();
    const { workerCommand } = await import('./commands/worker.js');
    await workerCommand(cfg, opts);
  });

program
  .command('lint')
  .description(
    'Report text in a content pack that likely spoils later episodes (a later episode number, a name that debuts later, a fact the pack dates later), with file and line. Needs no database.\nExit code: 0 clean, 1 likely spoilers found, 2 the pack is invalid or unreadable.',
  )
  .argument('<pack>', 'pack directory or .zip archive')
  .option('--json', 'print one JSON object with every finding instead of text (for scripts)')
  .action(async (pack: string, opts: { json?: boolean }) => {
    const { lintCommand } = await import('./commands/lint.js');
    await lintCommand(pack, opts);
  });

program
  .command('backup')
  .description(
    'Write the database (embedded or PostgreSQL) and the locally stored images into one .tar.gz with a manifest and checksums. On the embedded database, stop the server first.',
  )
  .argument('<file>', 'the archive to write, e.g. folio-2026-11-30.tar.gz')
  .option('--json', 'print a JSON summary (for scripts)')
  .action(async (file: string, opts: { json?: boolean }) => {
    const cfg = config();
    const { backupCommand } = await import('./commands/backup.js');
    await backupCommand(cfg, file, opts);
  });

program
  .command('restore')
  .description('Restore a `folio backup` archive into this instance (either database kind), after verifying every checksum. Refuses a non-empty database unless --force.')
  .argument('<file>', 'the archive written by `folio backup`')
  .option('--force', 'replace everything in a non-empty database')
  .option('--json', 'print a JSON summary (for scripts)')
  .action(async (file: string, opts: { force?: boolean; json?: boolean }) => {
    const cfg = config();
    const { restoreCommand } = await import('./commands/backup.js');
    await restoreCommand(cfg, file, opts);
  });

program
  .command('media')
  .description('Manage stored images.')
  .command('push')
  .description(
    'Copy the images under FOLIO_DATA_DIR/media to the S3-compatible bucket in S3_* (moving to R2/S3): only image objects, with the immutable cache header; objects already there are skipped.',
  )
  .option('--from <dir>', 'local media directory (default FOLIO_DATA_DIR/media)')
  .option('--json', 'print a JSON summary (for scripts)')
  .action(async (opts: { from?: string; json?: boolean }) => {
    const cfg = config();
    const { mediaPushCommand } = await import('./commands/media.js');
    await mediaPushCommand(cfg, opts);
  });

program
  .command('draft')
  .description('Review what the importer drafted.')
  .command('export')
  .description(
    "Write a stored series as an editable content pack: every page's text (authored or transcribed), the world (drafted or authored) and the episode summaries, with its images. Edit it and `folio import` it back; what it holds is then authored.",
  )
  .argument('<series>', 'the series id')
  .argument('<dir>', 'a new or empty folder')
  .option('--json', 'print a JSON summary (for scripts)')
  .action(async (seriesId: string, dir: string, opts: { json?: boolean }) => {
    const cfg = config();
    const { draftExportCommand } = await import('./commands/draft.js');
    await draftExportCommand(cfg, seriesId, dir, opts);
  });

program
  .command('embed')
  .description(
    'Give every text chunk a vector from FOLIO_EMBED_MODEL, with progress (imports never wait for this; `folio serve` also does it in the background on first use). Vectors of another model are refused: --replace re-embeds everything.',
  )
  .option('--replace', 'delete vectors made by another model and re-embed every chunk')
  .option('--json', 'print JSON lines (progress, then a summary) instead of a progress bar')
  .option('-b, --batch <n>', 'chunks per embedding request (default 16)', intOption('--batch', 1, 512))
  .action(async (opts: { replace?: boolean; json?: boolean; batch?: number }) => {
    const cfg = config();
    const { embedCommand } = await import('./commands/embed.js');
    await embedCommand(cfg, opts);
  });

program
  .command('doctor')
  .description(
    'Check every layer of this instance in order (configuration, database, pgvector, storage and its public URL, model, embeddings, CORS, web build) and name the broken one with its fix; or, with --url, a deployment from outside (health, readiness, reader API, a chat round trip).\nExit code: 0 every layer works (warnings allowed), 1 a layer failed.',
  )
  .option('--url <url>', 'check the deployment at this URL instead (e.g. https://folio.example.com): what the deploy workflow runs', (v: string) => {
    if (!/^https?:\/\/[^\s/]+/.test(v)) throw new InvalidArgumentError('--url must be an http:// or https:// URL such as https://folio.example.com.');
    return v;
  })
  .option('--json', 'print one JSON object with every check instead of the table (for scripts)')
  .action(async (opts: { url?: string; json?: boolean }) => {
    // No config() here: a broken configuration is the first thing the doctor reports.
    const { doctorCommand } = await import('./commands/doctor.js');
    await doctorCommand(opts);
  });

program
  .command('migrate')
  .description('Apply pending database migrations (DATABASE_DIRECT_URL when set) and exit. Safe to run from several processes at once.')
  .action(async () => {
    const cfg = config();
    const { migrateCommand } = await import('./commands/maintenance.js');
    await migrateCommand(cfg);
  });

program
  .command('reset')
  .description('Delete all Folio data: every series, reader and progress row, and local images. Asks for --yes.')
  .option('--yes', 'really delete everything')
  .action(async (opts: { yes?: boolean }) => {
    const cfg = config();
    const { resetCommand } = await import('./commands/maintenance.js');
    await resetCommand(cfg, opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`Configuration error:\n${err.message}\n`);
    process.exit(2);
  }
  const known = err instanceof FolioError ? err : diskFullError(err, process.env.FOLIO_DATA_DIR?.trim() || './.folio');
  process.stderr.write(`${known ? known.message : ((err as Error).stack ?? String(err))}\n`);
  process.exit(1);
});
