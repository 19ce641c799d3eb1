/**
 * `folio doctor` (a real process) against a real database: a PostgreSQL
 * server stopped or refusing the password, PgBouncer in transaction mode in
 * front of it without a direct URL, and vectors stored by another embedding
 * model (on both backends).
 */
import { chownSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFolio } from '../../test/cli.js';
import { backend, createPostgresDatabase } from '../../test/db.js';
import type { FakeModelServer } from '../../test/fakes/model-server.js';
import { startFakeOllama } from '../../test/fakes/ollama.js';
import { writeTinyPack } from '../../test/packs.js';
import { type PgBouncer, startPgBouncer } from '../../test/services/pgbouncer.js';
import { isRoot, type PostgresServer, postgresOsUser, startPostgres } from '../../test/services/postgres.js';
import { importPack } from '../content/importer.js';
import { type Database, openDatabase, queryRows } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { storeVectors } from '../retrieval/queries.js';
import { LocalStorage } from '../storage/local.js';
import type { CheckResult } from './types.js';

interface Report {
  ok: boolean;
  firstFailure: CheckResult | null;
  checks: CheckResult[];
}

const onPostgres = backend() === 'postgres';
const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];
let data: string;

/** Healthy everything but the database under test: local images, no model, no embeddings. */
const quiet = () => ({ FOLIO_DATA_DIR: data, FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'none' });

async function doctor(env: Record<string, string>): Promise<{ code: number | null; report: Report }> {
  const r = await runFolio(['doctor', '--json'], env);
  try {
    return { code: r.code, report: JSON.parse(r.stdout) as Report };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}
const layer = (report: Report, name: string) => report.checks.find((c) => c.layer === name)!;

beforeAll(() => {
  data = mkdtempSync(join(tmpdir(), 'folio-doctor-db-'));
  dirs.push(data);
});

afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe.runIf(onPostgres)('PostgreSQL faults', () => {
  let server: PostgresServer;
  let url: (password: string) => string;

  beforeAll(async () => {
    // A server of its own (it is stopped below), with password authentication for a folio role.
    server = await startPostgres();
    cleanups.push(() => server.stop());
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query("CREATE ROLE folio LOGIN PASSWORD 'right-password'");
    await admin.query('CREATE DATABASE folio OWNER folio');
    writeFileSync(join(server.dataDir, 'pg_hba.conf'), 'local all all trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n');
    if (isRoot()) {
      const u = postgresOsUser();
      if (u) chownSync(join(server.dataDir, 'pg_hba.conf'), u.uid, u.gid);
    }
    await admin.query('SELECT pg_reload_conf()');
    await admin.end();
    url = (password) => `postgres://folio:${password}@127.0.0.1:${server.port}/folio`;
    const migrated = await runFolio(['migrate'], { ...quiet(), DATABASE_URL: url('right-password') });
    expect(migrated.code, migrated.stderr).toBe(0);
  }, 120_000);

  it('healthy: reachable and migrated, and says that one URL serves app queries and migrations', async () => {
    const { code, report } = await doctor({ ...quiet(), DATABASE_URL: url('right-password') });
    expect(layer(report, 'database')).toMatchObject({ status: 'pass' });
    expect(layer(report, 'database').summary).toMatch(/^PostgreSQL 15\.\d+ at 127\.0\.0\.1:\d+\/folio, migrated/);
    expect(layer(report, 'database').summary).toContain('DATABASE_URL (postgres://folio:***@');
    expect(layer(report, 'database').summary).toContain('serves app queries, migrations and advisory locks');
    expect(JSON.stringify(report)).not.toContain('right-password');
    expect(code).toBe(0);
  });

  it('a wrong password → the database layer fails naming the user and DATABASE_URL, never the password', async () => {
    const { code, report } = await doctor({ ...quiet(), DATABASE_URL: url('wrong-password') });
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'database' });
    expect(report.firstFailure!.summary).toContain('password authentication failed for user "folio"');
    expect(report.firstFailure!.fix).toContain('DATABASE_URL');
    expect(JSON.stringify(report)).not.toContain('wrong-password');
  });

  it('a database that does not exist → says so, with createdb', async () => {
    const { report } = await doctor({ ...quiet(), DATABASE_URL: `postgres://folio:right-password@127.0.0.1:${server.port}/nope` });
    expect(report.firstFailure!.summary).toContain('database "nope" does not exist');
    expect(report.firstFailure!.fix).toContain('createdb -O folio nope');
  });

  it('a stopped server → the database layer fails: nothing listens there, start PostgreSQL', async () => {
    const target = url('right-password');
    await server.stop();
    const { code, report } = await doctor({ ...quiet(), DATABASE_URL: target });
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'database' });
    expect(report.firstFailure!.summary).toMatch(/nothing is listening at 127\.0\.0\.1:\d+ \(connection refused\)/);
    expect(report.firstFailure!.fix).toMatch(/start PostgreSQL/);
    // What does not need the database still ran.
    expect(layer(report, 'storage').status).toBe('pass');
  });
});

describe.runIf(onPostgres)('a transaction-mode pooler (PgBouncer)', () => {
  let bouncer: PgBouncer;
  let direct: string;
  let pooled: string;

  beforeAll(async () => {
    const created = await createPostgresDatabase();
    cleanups.push(created.drop);
    direct = created.url;
    bouncer = await startPgBouncer({ host: created.connection.host, port: created.connection.port });
    cleanups.push(() => bouncer.stop());
    pooled = bouncer.pooledUrl(direct);
    expect((await runFolio(['migrate'], { ...quiet(), DATABASE_URL: direct })).code).toBe(0);
  }, 120_000);

  it('DATABASE_URL through PgBouncer without DATABASE_DIRECT_URL → the config layer says to set DATABASE_DIRECT_URL', async () => {
    // A plain URL: nothing in it says "pooler"; the doctor finds out by asking the server.
    const { code, report } = await doctor({ ...quiet(), DATABASE_URL: pooled });
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'config' });
    expect(report.firstFailure!.summary).toMatch(/^DATABASE_DIRECT_URL: is not set, but DATABASE_URL goes through a transaction-mode connection pooler/);
    expect(report.firstFailure!.fix).toContain('set DATABASE_DIRECT_URL');
  });

  it('marked ?pgbouncer=true without DATABASE_DIRECT_URL → the configuration contract itself refuses it', async () => {
    const { report } = await doctor({ ...quiet(), DATABASE_URL: `${pooled}?pgbouncer=true` });
    expect(report.firstFailure).toMatchObject({ layer: 'config' });
    expect(report.firstFailure!.summary).toContain('DATABASE_DIRECT_URL: is required because DATABASE_URL points at a connection pooler');
    expect(report.checks.slice(1).every((c) => c.status === 'skip')).toBe(true);
  });

  it('the pooler as DATABASE_DIRECT_URL → the database layer refuses it', async () => {
    const { report } = await doctor({ ...quiet(), DATABASE_URL: `${pooled}?pgbouncer=true`, DATABASE_DIRECT_URL: pooled });
    expect(report.firstFailure).toMatchObject({ layer: 'database' });
    expect(report.firstFailure!.summary).toMatch(/^DATABASE_DIRECT_URL goes through a transaction-mode connection pooler/);
  });

  it('pooled app URL + direct URL → passes, and says which URL is used for what', async () => {
    const { code, report } = await doctor({ ...quiet(), DATABASE_URL: `${pooled}?pgbouncer=true`, DATABASE_DIRECT_URL: direct });
    expect(layer(report, 'config').status).toBe('pass');
    const db = layer(report, 'database');
    expect(db.status).toBe('pass');
    expect(db.summary).toMatch(/app queries use DATABASE_URL \(postgres:\/\/postgres@127\.0\.0\.1:\d+\/\w+\?pgbouncer=true, pooled: no prepared statements\)/);
    expect(db.summary).toMatch(/migrations and advisory locks use DATABASE_DIRECT_URL \(.*, direct\)/);
    expect(code).toBe(0);
  });
});

describe('embeddings', () => {
  let ollama: FakeModelServer;
  let env: Record<string, string>;
  let database: Database;

  beforeAll(async () => {
    ollama = await startFakeOllama();
    cleanups.push(() => ollama.close());
    // A database the doctor process can open after this process is done with it.
    let target: Record<string, string>;
    if (onPostgres) {
      const created = await createPostgresDatabase();
      cleanups.push(created.drop);
      database = await openDatabase({ kind: 'postgres', app: created.connection, direct: created.connection, poolMax: 2 });
      target = { DATABASE_URL: created.url };
    } else {
      database = await openDatabase({ kind: 'pglite', dataDir: join(data, 'pglite') });
      target = {};
    }
    await migrate(database);
    await importPack({ database, storage: new LocalStorage(join(data, 'media')) }, await writeTinyPack({ id: 'vectors' }));
    env = {
      FOLIO_DATA_DIR: data,
      ...target,
      FOLIO_MODEL: 'ollama',
      FOLIO_MODEL_BASE_URL: ollama.url,
      FOLIO_CHAT_MODEL: 'llama3.2:3b',
      FOLIO_EMBED_MODEL: 'nomic-embed-text',
    };
  }, 120_000);

  afterAll(async () => {
    await database?.close().catch(() => {});
  });

  /** Give every chunk a vector of `dims` made by `model`, then hand the database to the doctor. */
  async function storeAll(model: string, dims: number): Promise<void> {
    if (
      database.kind === 'pglite' &&
      !(await database.ping().then(
        () => true,
        () => false,
      ))
    ) {
      database = await openDatabase({ kind: 'pglite', dataDir: join(data, 'pglite') });
    }
    await database.db.execute(sql`DELETE FROM chunk_vectors`);
    const chunks = await queryRows<{ id: number; seriesId: string; episode: number; page: number }>(
      database.db,
      sql`SELECT id::int AS id, series_id AS "seriesId", episode, page FROM chunks`,
    );
    await storeVectors(
      database.db,
      model,
      chunks.map((c) => ({
        chunkId: c.id,
        seriesId: c.seriesId,
        episode: c.episode,
        page: c.page,
        vector: Array.from({ length: dims }, (_, i) => (i === c.id % dims ? 1 : 0)),
      })),
    );
    // The embedded database is single-process: let go of it while the doctor runs.
    if (database.kind === 'pglite') await database.close();
  }

  it('vectors of the selected model and size → pass', async () => {
    await storeAll('ollama:nomic-embed-text', 64);
    const { code, report } = await doctor(env);
    expect(layer(report, 'pgvector').status).toBe('pass');
    expect(layer(report, 'embeddings')).toMatchObject({ status: 'pass' });
    expect(layer(report, 'embeddings').summary).toMatch(/^ollama:nomic-embed-text: 64 dimensions, (\d+) of \1 chunks have vectors$/);
    expect(code).toBe(0);
  });

  it('vectors stored by another model → the embeddings layer fails: re-embed with --replace or set the model back', async () => {
    await storeAll('ollama:all-minilm', 384);
    const { code, report } = await doctor(env);
    expect(code).toBe(1);
    expect(report.firstFailure).toMatchObject({ layer: 'embeddings' });
    expect(report.firstFailure!.summary).toContain('made by ollama:all-minilm');
    expect(report.firstFailure!.summary).toContain('384 dimensions');
    expect(report.firstFailure!.summary).toContain('FOLIO_EMBED_MODEL selects ollama:nomic-embed-text');
    expect(report.firstFailure!.fix).toContain('folio embed --replace');
    expect(report.firstFailure!.fix).toContain('FOLIO_EMBED_MODEL=all-minilm');
  });

  it('the same model name now returning another size → fails with the two dimensions', async () => {
    await storeAll('ollama:nomic-embed-text', 32);
    const { report } = await doctor(env);
    expect(report.firstFailure).toMatchObject({ layer: 'embeddings' });
    expect(report.firstFailure!.summary).toBe('ollama:nomic-embed-text now returns 64-dimensional vectors, but the stored ones have 32');
  });
});

it.runIf(!onPostgres)('the server and pooler faults are PostgreSQL-only scenarios', () => {
  expect(backend()).toBe('pglite');
});
