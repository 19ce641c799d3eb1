/**
 * The database layer: reachable with the app URL (and the direct URL when it
 * is another one), every migration this Folio ships applied; then pgvector
 * when embeddings are on. Read-only: the doctor never migrates or creates
 * anything. Says which URL is used for what.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import type { Config } from '../config/env.js';
import type { PgConnection } from '../config/postgres-url.js';
import { type Database, openDatabase, queryRows } from '../db/client.js';
import { loadMigrations } from '../db/migrate.js';
import { FolioError } from '../errors.js';
import { describePgError, probeTransactionPooling, withPgClient } from './pg.js';
import { type CheckResult, fail, pass, reason, skip, warn } from './types.js';

const LAYER = 'database';

/** Which migrations are missing from (or unknown to) a database that applied `applied`. */
export function migrationState(shipped: readonly string[], applied: readonly string[]): { pending: string[]; unknown: string[] } {
  const have = new Set(applied);
  const known = new Set(shipped);
  return { pending: shipped.filter((m) => !have.has(m)), unknown: applied.filter((m) => !known.has(m)) };
}

function migrationsResult(applied: string[] | null, where: string, variable: string): CheckResult | null {
  const shipped = loadMigrations().map((m) => m.name);
  if (applied === null)
    return fail(
      LAYER,
      `${where} is reachable but not migrated (no folio_migrations table)`,
      `run \`folio migrate\` (it uses ${variable}), or start \`folio serve\`, which migrates.`,
    );
  const { pending, unknown } = migrationState(shipped, applied);
  if (pending.length > 0)
    return fail(
      LAYER,
      `${where} lacks ${pending.length} migration(s): ${pending.join(', ')}`,
      `run \`folio migrate\` (it uses ${variable}), or restart \`folio serve\`, which migrates.`,
    );
  if (unknown.length > 0)
    return warn(
      LAYER,
      `${where} has migrations this Folio does not ship (${unknown.join(', ')}): a newer Folio migrated it`,
      'run the same Folio version as the other processes on this database.',
    );
  return null;
}

async function appliedMigrations(rows: () => Promise<Array<{ name: string }> | null>): Promise<string[] | null> {
  const r = await rows();
  return r === null ? null : r.map((x) => x.name);
}

async function checkPostgres(app: PgConnection, direct: PgConnection, directSet: boolean): Promise<CheckResult> {
  let version = '';
  try {
    version = await withPgClient(app, async (c) =>
      String((await c.query<{ v: string }>("SELECT split_part(current_setting('server_version'), ' ', 1) AS v")).rows[0]!.v),
    );
  } catch (err) {
    const d = describePgError(err, 'DATABASE_URL', app);
    return fail(LAYER, d.summary, d.fix);
  }
  let applied: string[] | null;
  try {
    applied = await withPgClient(direct, (c) =>
      appliedMigrations(async () => {
        const exists = (await c.query<{ ok: boolean }>("SELECT to_regclass('folio_migrations') IS NOT NULL AS ok")).rows[0]!.ok;
        return exists ? (await c.query<{ name: string }>('SELECT name FROM folio_migrations ORDER BY name')).rows : null;
      }),
    );
  } catch (err) {
    const d = describePgError(err, directSet ? 'DATABASE_DIRECT_URL' : 'DATABASE_URL', direct);
    return fail(LAYER, d.summary, d.fix);
  }
  if (directSet && (await probeTransactionPooling(direct)) === true) {
    return fail(
      LAYER,
      'DATABASE_DIRECT_URL goes through a transaction-mode connection pooler (two sessions were served by the same server backend); migrations and advisory locks need a session of their own',
      'set DATABASE_DIRECT_URL to the direct URL (for Neon, drop -pooler from the host; for PgBouncer, the PostgreSQL port itself).',
    );
  }
  const where = `PostgreSQL ${version} at ${app.host}:${app.port}/${app.database}`;
  const bad = migrationsResult(applied, where, directSet ? 'DATABASE_DIRECT_URL' : 'DATABASE_URL');
  if (bad) return bad;
  const roles = directSet
    ? `app queries use DATABASE_URL (${app.redacted}${app.pooled ? ', pooled: no prepared statements' : ''}); migrations and advisory locks use DATABASE_DIRECT_URL (${direct.redacted}, direct)`
    : `DATABASE_URL (${app.redacted}) serves app queries, migrations and advisory locks (a direct session connection)`;
  return pass(LAYER, `${where}, migrated (${applied!.length} migrations); ${roles}`);
}

async function checkPglite(dataDir: string): Promise<{ result: CheckResult; database: Database | null }> {
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    return {
      database: null,
      result: fail(
        LAYER,
        `the embedded database in ${dataDir} has not been created yet`,
        'run `folio migrate` (or start `folio serve`, which creates and migrates it); check FOLIO_DATA_DIR if you expected one.',
      ),
    };
  }
  let database: Database;
  try {
    database = await openDatabase({ kind: 'pglite', dataDir });
  } catch (err) {
    if (err instanceof FolioError && err.code === 'conflict:database') {
      return {
        database: null,
        result: warn(
          LAYER,
          `${err.message.split('. ')[0]}: the embedded database is single-process, so the checks that need it were skipped`,
          'run `folio doctor --url http://127.0.0.1:$PORT` against the running server, or stop it and run `folio doctor` again.',
        ),
      };
    }
    return {
      database: null,
      result: fail(
        LAYER,
        `the embedded database in ${dataDir} cannot be opened: ${reason(err)}`,
        'restore it from a backup (`folio restore`), or move the directory away and start again.',
      ),
    };
  }
  const applied = await database.withSession((s) =>
    appliedMigrations(async () => {
      const [row] = await s.query<{ ok: boolean }>("SELECT to_regclass('folio_migrations') IS NOT NULL AS ok");
      return row!.ok ? s.query<{ name: string }>('SELECT name FROM folio_migrations ORDER BY name') : null;
    }),
  );
  const bad = migrationsResult(applied, `the embedded database in ${dataDir}`, 'FOLIO_DATA_DIR');
  if (bad) {
    await database.close();
    return { database: null, result: bad };
  }
  return {
    database,
    result: pass(LAYER, `embedded PGlite in ${dataDir}, migrated (${applied!.length} migrations); single-process: stop \`folio serve\` before other commands`),
  };
}

/** The database layer; on success also the open Database for the checks after it (the caller closes it). */
export async function checkDatabase(config: Config, env: Record<string, string | undefined>): Promise<{ result: CheckResult; database: Database | null }> {
  if (config.database.kind === 'pglite') return checkPglite(config.database.dataDir);
  const { app, direct } = config.database;
  const result = await checkPostgres(app, direct, (env.DATABASE_DIRECT_URL ?? '').trim() !== '');
  if (result.status === 'fail') return { result, database: null };
  try {
    return { result, database: await openDatabase({ kind: 'postgres', app, direct, poolMax: 2 }) };
  } catch (err) {
    return { result: fail(LAYER, `cannot open the connection pool: ${reason(err)}`, 'check DATABASE_URL.'), database: null };
  }
}

/** pgvector, when embeddings are on. */
export async function checkPgvector(config: Config, database: Database | null): Promise<CheckResult> {
  const layer = 'pgvector';
  const embed = config.model.embedModel;
  if (embed === 'none') return skip(layer, 'FOLIO_EMBED_MODEL=none: retrieval is full-text only, no vectors are stored');
  if (!database) return skip(layer, 'needs the database');
  const [row] = await queryRows<{ installed: string | null; available: string | null; store: boolean }>(
    database.db,
    sql`SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS installed,
               (SELECT default_version FROM pg_available_extensions WHERE name = 'vector') AS available,
               to_regclass('chunk_vectors') IS NOT NULL AS store`,
  );
  if (row!.installed && row!.store) return pass(layer, `pgvector ${row!.installed} is installed and the vector store exists`);
  if (row!.installed)
    return warn(
      layer,
      `pgvector ${row!.installed} is installed but the vector table is missing`,
      'start `folio serve` or run `folio embed`: Folio creates it on first use.',
    );
  if (row!.available) {
    return warn(
      layer,
      `pgvector ${row!.available} is available but not enabled in this database`,
      'Folio enables it on first use when its role may (CREATE EXTENSION vector needs the database owner); otherwise run `CREATE EXTENSION vector;` as the owner.',
    );
  }
  return fail(
    layer,
    `pgvector is not installed on this PostgreSQL server, but FOLIO_EMBED_MODEL=${embed} needs it to store vectors (retrieval would be full-text only)`,
    'install it (Debian: `apt install postgresql-15-pgvector`; Neon/Supabase: enable the vector extension), or set FOLIO_EMBED_MODEL=none.',
  );
}
