/**
 * `folio backup` / `folio restore`: the database (PGlite or PostgreSQL) and
 * the locally stored images in one .tar.gz with a manifest and a SHA-256 for
 * every file. A backup restores into either backend.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type Dirent } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar';
import { z } from 'zod';
import type { Database } from '../db/client.js';
import { loadMigrations } from '../db/migrate.js';
import { FolioError } from '../errors.js';
import { contentTypeOf, isValidKey, keyHash, type Storage } from '../storage/storage.js';
import * as q from './queries.js';

export const BACKUP_FORMAT = 'folio-backup';
export const BACKUP_VERSION = 1;

const manifestSchema = z.strictObject({
  format: z.literal(BACKUP_FORMAT),
  version: z.literal(BACKUP_VERSION),
  createdAt: z.string(),
  database: z.enum(['pglite', 'postgres']),
  storage: z.enum(['local', 's3']),
  migrations: z.array(z.string().regex(/^\d{4}_[a-z0-9_]+\.sql$/)),
  tables: z.array(
    z.strictObject({
      name: z.string().regex(/^[a-z_][a-z0-9_]*$/),
      columns: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/)),
      rows: z.int().min(0),
      file: z.string().regex(/^db\/[a-z0-9_-]+\.ndjson$/),
      sha256: z.string().regex(/^[0-9a-f]{64}$/),
    }),
  ),
  media: z.strictObject({ files: z.int().min(0), bytes: z.int().min(0) }),
});
export type Manifest = z.infer<typeof manifestSchema>;

export interface BackupProgress {
  step: string;
  done?: number;
  total?: number;
}

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const e of entries) {
      const full = join(d, e.name);
      if (e.isDirectory()) await walk(full);
      else if (e.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/** Write a backup of `database` (+ the local image files under `mediaDir`, if any) to `file`. */
export async function backup(
  deps: { database: Database; storageKind: 'local' | 's3'; mediaDir: string | null },
  file: string,
  onProgress: (p: BackupProgress) => void = () => {},
): Promise<Manifest> {
  const work = await mkdtemp(join(tmpdir(), 'folio-backup-'));
  try {
    const { db } = deps.database;
    const tables = (await q.listTables(db)).filter((t) => t.name !== 'folio_migrations');
    await mkdir(join(work, 'db'));
    const manifestTables: Manifest['tables'] = [];
    for (const [i, t] of tables.entries()) {
      onProgress({ step: `table ${t.name}`, done: i, total: tables.length });
      const rel = `db/${t.name}.ndjson`;
      const hash = createHash('sha256');
      const out = createWriteStream(join(work, rel));
      let rows = 0;
      for await (const batch of q.readRows(db, t)) {
        const text = `${batch.map((r) => JSON.stringify(r)).join('\n')}\n`;
        hash.update(text);
        rows += batch.length;
        if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
      manifestTables.push({ name: t.name, columns: t.columns.map((c) => c.name), rows, file: rel, sha256: hash.digest('hex') });
    }
    const applied = (await deps.database.withSession((s) => s.query<{ name: string }>('SELECT name FROM folio_migrations ORDER BY name'))).map((r) => r.name);

    let mediaFiles: string[] = [];
    let mediaBytes = 0;
    if (deps.storageKind === 'local' && deps.mediaDir) {
      mediaFiles = (await listFiles(deps.mediaDir)).filter(isValidKey);
      for (const [i, key] of mediaFiles.entries()) {
        if (i % 50 === 0) onProgress({ step: 'images', done: i, total: mediaFiles.length });
        mediaBytes += (await stat(join(deps.mediaDir, key))).size;
      }
    }
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      version: BACKUP_VERSION,
      createdAt: new Date().toISOString(),
      database: deps.database.kind,
      storage: deps.storageKind,
      migrations: applied,
      tables: manifestTables,
      media: { files: mediaFiles.length, bytes: mediaBytes },
    };
    await writeFile(join(work, 'manifest.json'), JSON.stringify(manifest, null, 2));
    onProgress({ step: 'writing archive' });
    if (mediaFiles.length > 0 && deps.mediaDir) {
      // Stage images under work/media (hard links when on one filesystem, else copies) so one tar pass takes all.
      for (const key of mediaFiles) {
        const dst = join(work, 'media', key);
        await mkdir(dirname(dst), { recursive: true });
        await link(join(deps.mediaDir, key), dst).catch(() => copyFile(join(deps.mediaDir!, key), dst));
      }
    }
    await mkdir(dirname(file), { recursive: true });
    const tmp = `${file}.partial`;
    const entries = ['manifest.json', ...manifestTables.map((t) => t.file), ...mediaFiles.map((k) => `media/${k}`)];
    await pipeline(tar.c({ gzip: true, cwd: work, portable: true, noDirRecurse: true }, entries), createWriteStream(tmp));
    await rename(tmp, file);
    return manifest;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export interface RestoreResult {
  manifest: Manifest;
  rows: Record<string, number>;
  images: number;
}

/**
 * Restore a backup into `database` (migrated) and `storage`. Everything is
 * verified (checksums, manifest, image hashes) before anything is written;
 * a non-empty database is refused unless `force`, which empties it first.
 */
export async function restore(
  deps: { database: Database; storage: Storage },
  file: string,
  opts: { force?: boolean; onProgress?: (p: BackupProgress) => void } = {},
): Promise<RestoreResult> {
  const report = opts.onProgress ?? (() => {});
  const work = await mkdtemp(join(tmpdir(), 'folio-restore-'));
  try {
    report({ step: 'reading archive' });
    try {
      await pipeline(
        createReadStream(file),
        tar.x({
          cwd: work,
          strict: true,
          // Only regular files at the paths a backup has; nothing can land outside `work`.
          filter: (path, entry) =>
            (entry as { type?: string }).type === 'File' && /^(manifest\.json|db\/[a-z0-9_-]+\.ndjson|media\/[a-z0-9/]+\.(webp|jpg|png))$/.test(path),
        }),
      );
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new FolioError('not_found:backup', `No such file: ${file}`);
      throw new FolioError('bad_request:backup', `${file} is not a Folio backup (.tar.gz): ${(err as Error).message}`);
    }
    let manifest: Manifest;
    try {
      manifest = manifestSchema.parse(JSON.parse(await readFile(join(work, 'manifest.json'), 'utf8')));
    } catch (err) {
      throw new FolioError('bad_request:backup', `${file} has no valid manifest.json (${(err as Error).message.slice(0, 200)})`);
    }

    report({ step: 'verifying checksums' });
    for (const t of manifest.tables) {
      let bytes: Buffer;
      try {
        bytes = await readFile(join(work, t.file));
      } catch {
        throw new FolioError('bad_request:backup', `${file}: ${t.file} is missing`);
      }
      if (sha256(bytes) !== t.sha256) throw new FolioError('bad_request:backup', `${file}: checksum mismatch in ${t.file} (the archive is damaged)`);
    }
    const mediaKeys = (await listFiles(join(work, 'media'))).filter(isValidKey);
    if (mediaKeys.length !== manifest.media.files)
      throw new FolioError('bad_request:backup', `${file}: ${manifest.media.files} images listed, ${mediaKeys.length} present`);
    for (const key of mediaKeys) {
      if (sha256(await readFile(join(work, 'media', key))) !== keyHash(key))
        throw new FolioError('bad_request:backup', `${file}: image ${key} does not match its checksum`);
    }

    const { db } = deps.database;
    const known = new Set(loadMigrations().map((m) => m.name));
    const unknown = manifest.migrations.filter((m) => !known.has(m));
    if (unknown.length > 0) {
      throw new FolioError('conflict:backup', `The backup comes from a newer Folio (migrations ${unknown.join(', ')}). Upgrade Folio, then restore.`);
    }
    const target = new Map((await q.listTables(db)).map((t) => [t.name, t]));
    for (const t of manifest.tables) {
      const have = target.get(t.name);
      const missing = have ? t.columns.filter((c) => !have.columns.some((x) => x.name === c)) : t.columns;
      if (!have || missing.length > 0)
        throw new FolioError('conflict:backup', `This database has no ${have ? `columns ${missing.join(', ')} in ` : ''}table ${t.name}; run \`folio migrate\` first.`);
    }
    const dataTables = [...target.keys()].filter((n) => n !== 'folio_migrations');
    let existing = 0;
    for (const n of dataTables) existing += await q.countRows(db, n);
    if (existing > 0 && !opts.force) {
      throw new FolioError(
        'conflict:restore',
        `The target database is not empty (${existing} rows). Restore into an empty instance, or pass --force to replace everything in it.`,
      );
    }

    report({ step: 'restoring database' });
    const order = (await q.listTables(db)).map((t) => t.name);
    const byName = new Map(manifest.tables.map((t) => [t.name, t]));
    await db.transaction(async (tx) => {
      const t = tx as unknown as typeof db;
      if (existing > 0) await q.truncateAll(t, dataTables);
      for (const name of order) {
        const entry = byName.get(name);
        if (!entry) continue;
        // Column types come from this database's catalog, never from the archive.
        const columns = entry.columns.map((c) => target.get(name)!.columns.find((x) => x.name === c)!);
        const lines = (await readFile(join(work, entry.file), 'utf8')).split('\n').filter(Boolean);
        for (let i = 0; i < lines.length; i += 200) {
          const rows = lines.slice(i, i + 200).map((l) => {
            const r = JSON.parse(l) as unknown;
            if (!Array.isArray(r) || r.length !== columns.length || !r.every((v) => v === null || typeof v === 'string')) {
              throw new FolioError('bad_request:backup', `${file}: malformed row in ${entry.file}`);
            }
            return r as Array<string | null>;
          });
          await q.insertRows(t, name, columns, rows);
        }
        for (const c of columns.filter((x) => x.serial)) await q.resetSequence(t, name, c.name);
        report({ step: `table ${name}` });
      }
      // A backup from before reader devices (migration 0017) holds each reader's token on the reader.
      await q.adoptReaderTokens(t);
    });

    report({ step: 'restoring images', done: 0, total: mediaKeys.length });
    for (const [i, key] of mediaKeys.entries()) {
      if (!(await deps.storage.exists(key))) await deps.storage.put(key, await readFile(join(work, 'media', key)), contentTypeOf(key));
      if (i % 50 === 0) report({ step: 'restoring images', done: i, total: mediaKeys.length });
    }

    report({ step: 'verifying' });
    const rows: Record<string, number> = {};
    for (const t of manifest.tables) {
      rows[t.name] = await q.countRows(db, t.name);
      if (rows[t.name] !== t.rows) throw new FolioError('internal:restore', `Restored ${rows[t.name]} rows into ${t.name}, expected ${t.rows}.`);
    }
    return { manifest, rows, images: mediaKeys.length };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
