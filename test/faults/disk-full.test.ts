/**
 * Disk full on the local data dir (embedded PGlite database and local images),
 * with the real CLI as an operator runs it: FOLIO_DATA_DIR on a small tmpfs, a
 * series imported, the disk then filled, and another import started.
 *
 *  - an import that fills the disk fails with a typed error
 *    (`unavailable:disk_full`, naming FOLIO_DATA_DIR) and exit code 1; a command
 *    started on a full disk prints one readable line (no stack trace), exit 1;
 *  - nothing is corrupted: once space is freed, the database opens, the series
 *    imported before is intact (re-importing it finds it unchanged), the import
 *    that failed now succeeds, and the one cut short published nothing.
 *
 * Needs root (mount -t tmpfs); skipped with that reason elsewhere.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmdirSync, writeSync } from 'node:fs';
import { rm, stat, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase, queryRows } from '../../src/db/client.js';
import { runFolio } from '../cli.js';
import { writeTinyPack } from '../packs.js';
import { PEPPER_CARROT, SAMPLE } from '../server.js';

/** Can this process mount a tmpfs? (root in a machine or container that allows it) */
function mountable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root to mount a tmpfs';
  const probe = mkdtempSync(join(tmpdir(), 'folio-tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return null;
  } catch (err) {
    return `this machine forbids mount -t tmpfs (${String((err as Error).message).split('\n')[0]})`;
  } finally {
    rmdirSync(probe);
  }
}

const cannot = mountable();
const MOUNT_MB = 96;
let mountDir: string | undefined;

afterAll(async () => {
  if (!mountDir) return;
  try {
    execFileSync('umount', [mountDir], { stdio: 'pipe' });
  } catch {
    /* already gone */
  }
  await rm(mountDir, { recursive: true, force: true });
});

/** Fill the file system until only `leaveKb` KB are free. */
function fillLeaving(dir: string, leaveKb: number): string {
  const avail = Number(execFileSync('df', ['-k', '--output=avail', dir], { encoding: 'utf8' }).trim().split('\n').pop());
  const path = join(dir, 'filler.bin');
  const fd = openSync(path, 'w');
  const kb = Buffer.alloc(1024, 1);
  try {
    for (let i = 0; i < avail - leaveKb; i++) writeSync(fd, kb);
  } catch {
    /* full already */
  } finally {
    closeSync(fd);
  }
  return path;
}

const lastJson = (out: string) => JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;

describe.skipIf(cannot !== null)(`disk full on FOLIO_DATA_DIR (a ${MOUNT_MB} MB tmpfs)${cannot ? ` — skipped: ${cannot}` : ''}`, () => {
  it('an import that fills the disk, and a command on a full disk, fail with a clear error; after freeing space nothing is corrupted', async () => {
    mountDir = mkdtempSync(join(tmpdir(), 'folio-diskfull-'));
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${MOUNT_MB}m`, 'tmpfs', mountDir], { stdio: 'pipe' });
    const dataDir = join(mountDir, 'data');
    const env = { FOLIO_DATA_DIR: dataDir, FOLIO_SAMPLE: 'false', FOLIO_EMBED_MODEL: 'none' };

    const first = await runFolio(['import', SAMPLE, '--json'], env);
    expect(first.code, first.stderr).toBe(0);

    // 1. The disk fills up during an import (a big pack, 4 MB left): a typed error, not internal.
    let filler = fillLeaving(mountDir, 4096);
    const midway = await runFolio(['import', PEPPER_CARROT, '--json'], env);
    expect(midway.code, midway.stdout + midway.stderr).toBe(1);
    const failed = lastJson(midway.stdout);
    expect(failed, midway.stdout).toMatchObject({ ok: false, error: { code: 'unavailable:disk_full' } });
    expect((failed.error as { message: string }).message).toContain(dataDir);
    process.stderr.write(`faults: disk full during an import: exit ${midway.code}: ${JSON.stringify(failed.error)}\n`);
    await unlink(filler);

    // 2. A command started on a disk that is already full: one readable line, no stack trace.
    filler = fillLeaving(mountDir, 0);
    expect((await stat(filler)).size).toBeGreaterThan(0);
    const tiny = await writeTinyPack({ id: 'after-full', episodes: 3, pagesPerEpisode: 4, seed: 3 });
    const full = await runFolio(['import', tiny], env);
    expect(full.code, full.stderr).toBe(1);
    expect(full.stderr).toMatch(/The disk is full \(no space left on device\)/);
    expect(full.stderr, full.stderr).not.toMatch(/^\s+at /m);
    process.stderr.write(`faults: disk full at start: exit ${full.code}: ${full.stderr.trim()}\n`);
    await unlink(filler);

    // Nothing corrupted: the database opens, the first series is whole and unchanged…
    const again = await runFolio(['import', SAMPLE, '--json'], env);
    expect(again.code, again.stderr).toBe(0);
    expect(lastJson(again.stdout)).toMatchObject({ ok: true, status: 'unchanged' });
    // …the import that found the disk full now goes through…
    const retry = await runFolio(['import', tiny, '--json'], env);
    expect(retry.code, retry.stderr).toBe(0);
    expect(lastJson(retry.stdout)).toMatchObject({ ok: true, seriesId: 'after-full', status: 'created' });
    await rm(tiny, { recursive: true, force: true });
    // …and the one cut short by the full disk published nothing: readers never see half a series.
    const database = await openDatabase({ kind: 'pglite', dataDir: join(dataDir, 'pglite') });
    try {
      const rows = await queryRows<{ id: string; pages: number }>(
        database.db,
        sql`SELECT s.id, (SELECT count(*)::int FROM pages p WHERE p.series_id = s.id) AS pages FROM series s ORDER BY s.id`,
      );
      expect(rows).toEqual([
        { id: 'after-full', pages: 12 },
        { id: 'moth-and-lantern', pages: 21 },
      ]);
    } finally {
      await database.close();
    }
  }, 300_000);
});
