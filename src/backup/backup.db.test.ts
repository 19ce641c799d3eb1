/** Backup → restore round trips on PGlite and PostgreSQL (and across them), with damaged archives refused. */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backend, createTestDatabase, type TestDatabase } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { SAMPLE, startTestServer, type TestServer } from '../../test/server.js';
import { importPack } from '../content/importer.js';
import { openDatabase } from '../db/client.js';
import { loadMigrations, migrate } from '../db/migrate.js';
import { JobQueue } from '../jobs/jobs.js';
import { hashReaderToken, newReaderToken } from '../readers/tokens.js';
import { LocalStorage } from '../storage/local.js';
import { backup, restore } from './backup.js';
import { countRows, listTables } from './queries.js';

let dir: string;
let source: TestDatabase;
let sourceServer: TestServer;
let token: string;
let archive: string;
const cleanups: Array<() => Promise<void>> = [];

async function snapshot(server: TestServer) {
  const lib = await (await server.fetch('/api/series', { token })).json();
  const detail = await (await server.fetch('/api/series/moth-and-lantern', { token })).json();
  const ep = await (await server.fetch('/api/series/moth-and-lantern/episodes/2', { token })).json();
  return { lib, detail, ep };
}

async function mediaFiles(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await readdir(root, { recursive: true })) {
    if (!f.endsWith('.webp')) continue;
    out[f] = (await readFile(join(root, f))).toString('base64').slice(0, 64);
  }
  return out;
}

async function freshTarget() {
  const t = await createTestDatabase();
  const mediaDir = await mkdtemp(join(dir, 'media-'));
  const server = await startTestServer(t.database, { mediaDir });
  cleanups.push(async () => {
    await server.close();
    await t.close();
  });
  return { t, server, storage: server.storage, mediaDir };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'folio-backup-test-'));
  source = await createTestDatabase();
  sourceServer = await startTestServer(source.database, { mediaDir: join(dir, 'source-media') });
  await importPack({ database: source.database, storage: sourceServer.storage }, SAMPLE);
  await importPack({ database: source.database, storage: sourceServer.storage }, await writeTinyPack({ id: 'tiny' }));
  token = await sourceServer.newReader();
  await sourceServer.fetch('/api/series/moth-and-lantern/progress', { method: 'POST', token, json: { episode: 1, page: 3 } });
  expect((await sourceServer.fetch('/api/series/moth-and-lantern/progress', { method: 'POST', token, json: { episode: 2, page: 3 } })).status).toBe(200);
  await new JobQueue(source.database.db).enqueue('import', { filename: 'x.zip' }, { upload: { name: 'x.zip', bytes: new Uint8Array([80, 75, 0, 1, 255]) } });
  archive = join(dir, 'out', 'folio.tar.gz');
  await backup({ database: source.database, storageKind: 'local', mediaDir: sourceServer.mediaDir }, archive);
}, 180_000);

afterAll(async () => {
  for (const c of cleanups) await c();
  await sourceServer?.close();
  await source?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('backup and restore', () => {
  it('the archive has a manifest with every table, row counts and checksums', async () => {
    const names: string[] = [];
    await tar.t({ file: archive, onReadEntry: (e) => names.push(e.path) });
    expect(names).toContain('manifest.json');
    expect(names.some((n) => n.startsWith('media/pages/'))).toBe(true);
    const work = await mkdtemp(join(dir, 'x-'));
    await tar.x({ file: archive, cwd: work });
    const manifest = JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')) as {
      tables: Array<{ name: string; rows: number }>;
      migrations: string[];
      database: string;
    };
    expect(manifest.database).toBe(backend());
    expect(manifest.migrations).toContain('0001_init.sql');
    const tables = Object.fromEntries(manifest.tables.map((t) => [t.name, t.rows]));
    for (const name of (await listTables(source.database.db)).map((t) => t.name).filter((n) => n !== 'folio_migrations')) {
      expect(tables[name]).toBe(await countRows(source.database.db, name));
    }
    expect(tables.series).toBe(2);
    expect(tables.progress).toBe(1);
    expect(tables.job_uploads).toBe(1);
  });

  it('restores into an empty instance: the same reader token sees the same library, progress, pages and images', async () => {
    const target = await freshTarget();
    const result = await restore({ database: target.t.database, storage: target.storage }, archive);
    expect(result.rows.series).toBe(2);
    expect(await snapshot(target.server)).toEqual(await snapshot(sourceServer));
    expect(await mediaFiles(target.mediaDir)).toEqual(await mediaFiles(sourceServer.mediaDir));
    // bytea round-trips exactly; sequences continue after the restored ids.
    const [upload] = (await target.t.database.withSession((s) => s.query<{ bytes: Uint8Array }>('SELECT bytes FROM job_uploads'))) as Array<{ bytes: Uint8Array }>;
    expect(Buffer.from(upload!.bytes)).toEqual(Buffer.from([80, 75, 0, 1, 255]));
    await importPack({ database: target.t.database, storage: target.storage }, await writeTinyPack({ id: 'after-restore' }));
  });

  it('restores a backup from before reader devices (migration 0017): every reader token still works, as its first device', async () => {
    const legacy = await createTestDatabase({ migrate: false });
    cleanups.push(() => legacy.close());
    await migrate(
      legacy.database,
      loadMigrations().filter((m) => m.name < '0017'),
    );
    const old = newReaderToken();
    await legacy.database.db.execute(sql`INSERT INTO readers (token_hash) VALUES (${hashReaderToken(old)})`);
    const legacyArchive = join(dir, 'legacy', 'folio.tar.gz');
    await backup({ database: legacy.database, storageKind: 'local', mediaDir: await mkdtemp(join(dir, 'legacy-media-')) }, legacyArchive);
    const target = await freshTarget();
    await restore({ database: target.t.database, storage: target.storage }, legacyArchive);
    const devices = await target.server.fetch('/api/readers/me/devices', { token: old });
    expect(devices.status).toBe(200);
    expect(((await devices.json()) as { devices: Array<{ label: string; current: boolean }> }).devices).toEqual([
      expect.objectContaining({ label: 'First device', current: true }),
    ]);
  });

  it('refuses to restore over a non-empty database without force, and replaces it with force', async () => {
    const target = await freshTarget();
    await importPack({ database: target.t.database, storage: target.storage }, await writeTinyPack({ id: 'already-here' }));
    await expect(restore({ database: target.t.database, storage: target.storage }, archive)).rejects.toMatchObject({ code: 'conflict:restore' });
    const still = (await (await target.server.fetch('/api/series')).json()) as { series: Array<{ id: string }> };
    expect(still.series.map((s) => s.id)).toEqual(['already-here']);
    await restore({ database: target.t.database, storage: target.storage }, archive, { force: true });
    expect(await snapshot(target.server)).toEqual(await snapshot(sourceServer));
  });

  it('refuses a damaged or foreign archive before writing anything', async () => {
    const target = await freshTarget();
    const work = await mkdtemp(join(dir, 'tamper-'));
    await tar.x({ file: archive, cwd: work });
    const seriesFile = join(work, 'db', 'series.ndjson');
    await writeFile(seriesFile, (await readFile(seriesFile, 'utf8')).replace('Moth', 'Mole'));
    const tampered = join(dir, 'tampered.tar.gz');
    await tar.c({ gzip: true, cwd: work, file: tampered }, await readdir(work));
    await expect(restore({ database: target.t.database, storage: target.storage }, tampered)).rejects.toMatchObject({
      code: 'bad_request:backup',
      message: expect.stringContaining('checksum mismatch in db/series.ndjson'),
    });

    const notTar = join(dir, 'not.tar.gz');
    await writeFile(notTar, 'hello');
    await expect(restore({ database: target.t.database, storage: target.storage }, notTar)).rejects.toMatchObject({ code: 'bad_request:backup' });
    await expect(restore({ database: target.t.database, storage: target.storage }, join(dir, 'missing.tar.gz'))).rejects.toMatchObject({ code: 'not_found:backup' });
    for (const t of ['series', 'readers', 'progress']) expect(await countRows(target.t.database.db, t)).toBe(0);
  });

  it.skipIf(backend() !== 'postgres')('a backup of the embedded database restores into PostgreSQL (moving off PGlite)', async () => {
    const lite = await openDatabase({ kind: 'pglite', dataDir: undefined });
    await migrate(lite);
    const liteStorage = new LocalStorage(join(dir, 'lite-media'));
    await importPack({ database: lite, storage: liteStorage }, SAMPLE);
    const file = join(dir, 'lite.tar.gz');
    await backup({ database: lite, storageKind: 'local', mediaDir: join(dir, 'lite-media') }, file);
    await lite.close();
    const target = await freshTarget();
    const r = await restore({ database: target.t.database, storage: target.storage }, file);
    expect(r.manifest.database).toBe('pglite');
    const lib = (await (await target.server.fetch('/api/series')).json()) as { series: Array<{ id: string; episodeCount: number }> };
    expect(lib.series).toEqual([expect.objectContaining({ id: 'moth-and-lantern', episodeCount: 3 })]);
  });
});
