/**
 * `folio doctor`: every layer in order — configuration, database, pgvector,
 * storage and its public URL, model, embeddings, OCR, retention, backup, CORS, web build — each a
 * small check that says what it found and, when broken, the fix. A layer
 * that needs one that failed is skipped with the reason; the first failure
 * is the one to fix first.
 */

import { DEFAULT_WEB_DIR } from '../config/web-dir.js';
import type { Database } from '../db/client.js';
import { checkAccounts } from './accounts.js';
import { checkBackup } from './backup.js';
import { checkConfig } from './config.js';
import { checkCors } from './cors.js';
import { checkDatabase, checkPgvector } from './database.js';
import { checkEmbeddings } from './embeddings.js';
import { checkModel } from './model.js';
import { checkOcr } from './ocr.js';
import { checkRetention } from './retention.js';
import { checkStorage } from './storage.js';
import { type CheckResult, fail, reason, skip } from './types.js';
import { checkWebBuild } from './web.js';

export const LAYERS = ['config', 'database', 'pgvector', 'storage', 'storage.public', 'model', 'embeddings', 'ocr', 'retention', 'backup', 'cors', 'web'] as const;

export interface DoctorOptions {
  env: Record<string, string | undefined>;
  cwd: string;
  webDir?: string;
}

/** A check that throws (a bug, or something unforeseen) is a failure of its layer, not of the doctor. */
async function guarded(layer: string, fn: () => Promise<CheckResult> | CheckResult): Promise<CheckResult> {
  try {
    return await fn();
  } catch (err) {
    return fail(layer, `the check itself failed: ${reason(err)}`, 'run folio doctor again; if it persists, report it with this message.');
  }
}

export async function runDoctor(opts: DoctorOptions): Promise<CheckResult[]> {
  const { result: configResult, config } = await checkConfig(opts.env, opts.cwd);
  if (!config) return [configResult, ...LAYERS.slice(1).map((l) => skip(l, 'the configuration is broken'))];
  const results: CheckResult[] = [configResult];
  let database: Database | null = null;
  try {
    const db = await checkDatabase(config, opts.env).catch((err: unknown) => ({
      result: fail('database', `the check itself failed: ${reason(err)}`, 'run folio doctor again.'),
      database: null,
    }));
    database = db.database;
    results.push(db.result);
    results.push(await guarded('pgvector', () => checkPgvector(config, database)));
    const storage = await checkStorage(config).catch((err: unknown) => [
      fail('storage', `the check itself failed: ${reason(err)}`, 'run folio doctor again.'),
      skip('storage.public', 'the storage check failed'),
    ]);
    results.push(...storage);
    results.push(await guarded('model', () => checkModel(config)));
    results.push(await guarded('embeddings', () => checkEmbeddings(config, database)));
    results.push(await guarded('ocr', () => checkOcr(config, database)));
    results.push(await guarded('retention', () => checkRetention(config, database)));
    results.push(await guarded('accounts', () => checkAccounts(config)));
    results.push(await guarded('backup', () => checkBackup(config, database)));
    results.push(await guarded('cors', () => checkCors(config)));
    results.push(await guarded('web', () => checkWebBuild(opts.webDir ?? DEFAULT_WEB_DIR, config)));
  } finally {
    await database?.close().catch(() => {});
  }
  return results;
}
