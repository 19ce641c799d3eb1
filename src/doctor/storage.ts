/**
 * The storage layer: write, read back and delete a probe object under the
 * `doctor/` key prefix (local directory or S3 bucket), and for S3 fetch it
 * through S3_PUBLIC_URL_PREFIX as a browser would.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { S3ServiceException } from '@aws-sdk/client-s3';
import type { Config } from '../config/env.js';
import { LocalStorage } from '../storage/local.js';
import { S3Storage } from '../storage/s3.js';
import { contentKey, type Storage } from '../storage/storage.js';
import { type CheckResult, fail, pass, reason, skip } from './types.js';

/** A valid 1×1 PNG, so the probe is a real image wherever it is served. */
const PROBE = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');

export function probeKey(): string {
  return contentKey('doctor', createHash('sha256').update(randomBytes(16)).digest('hex'), 'png');
}

async function readAll(body: NodeJS.ReadableStream): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c as Buffer));
  return Buffer.concat(parts);
}

/** Write → exists → read back → (public fetch) → delete. Throws with the step that failed. */
async function roundTrip(storage: Storage, key: string, between?: () => Promise<CheckResult>): Promise<CheckResult | null> {
  await storage.put(key, PROBE, 'image/png');
  let publicResult: CheckResult | null = null;
  try {
    if (!(await storage.exists(key))) throw new Error('the object written a moment ago does not exist');
    const got = await storage.get(key);
    if (!got || !(await readAll(got.body)).equals(PROBE)) throw new Error('the object read back differs from what was written');
    if (between) publicResult = await between();
  } finally {
    await storage.delete(key).catch(() => {});
  }
  return publicResult;
}

function localFailure(root: string, err: unknown): CheckResult {
  const code = (err as { code?: string }).code;
  const fix =
    code === 'EACCES' || code === 'EPERM'
      ? `make ${root} writable by the user Folio runs as (systemd: \`chown -R folio:folio\` it), or set FOLIO_DATA_DIR to a writable directory.`
      : code === 'EROFS'
        ? `the file system is read-only here: set FOLIO_DATA_DIR to a writable directory (systemd units: list it in ReadWritePaths=).`
        : code === 'ENOSPC'
          ? 'the disk is full: free space, or move FOLIO_DATA_DIR.'
          : 'check FOLIO_DATA_DIR.';
  return fail('storage', `local images in ${root}: cannot write, read and delete a file (${reason(err)})`, fix);
}

function s3Failure(bucket: string, endpoint: string, err: unknown): CheckResult {
  const name = err instanceof S3ServiceException ? err.name : (err as { name?: string }).name;
  const status = err instanceof S3ServiceException ? err.$metadata.httpStatusCode : undefined;
  if (name === 'NoSuchBucket')
    return fail('storage', `the bucket "${bucket}" does not exist at ${endpoint}`, 'create the bucket, or correct S3_BUCKET (the bucket name only).');
  if (name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch' || name === 'AccessDenied' || status === 403 || status === 401) {
    return fail(
      'storage',
      `${endpoint} refused the credentials for bucket "${bucket}" (${name ?? status})`,
      'check S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: the key needs object read and write on this bucket.',
    );
  }
  if (status === undefined)
    return fail('storage', `cannot reach ${endpoint}: ${reason(err)}`, 'check S3_ENDPOINT (R2: https://<account-id>.r2.cloudflarestorage.com) and the network.');
  return fail('storage', `bucket "${bucket}" at ${endpoint}: ${name ?? status}: ${reason(err)}`, 'check the S3_* settings.');
}

/** The storage layer and the public-URL layer, in that order. */
export async function checkStorage(config: Config): Promise<CheckResult[]> {
  const key = probeKey();
  if (!config.s3) {
    const root = join(config.dataDir, 'media');
    try {
      await roundTrip(new LocalStorage(root), key);
    } catch (err) {
      return [localFailure(root, err), skip('storage.public', 'the storage check failed')];
    }
    return [pass('storage', `local images in ${root}: write, read back and delete work`), skip('storage.public', 'local images are served by folio serve at /media')];
  }
  const s3 = config.s3;
  const endpoint = s3.endpoint ?? 'AWS S3';
  const storage = new S3Storage({ ...s3, requestTimeoutMs: 10_000 });
  try {
    const publicResult = await roundTrip(storage, key, async () => {
      const url = storage.url(key);
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(15_000) });
        const body = Buffer.from(await res.arrayBuffer());
        if (res.status !== 200) {
          return fail(
            'storage.public',
            `${url} answered ${res.status} for an object that exists`,
            'make the bucket publicly readable at S3_PUBLIC_URL_PREFIX (R2: enable the r2.dev URL or connect a custom domain), and check that the prefix points at this bucket.',
          );
        }
        if (!body.equals(PROBE))
          return fail(
            'storage.public',
            `${url} answered 200 with other bytes than the object`,
            'check that S3_PUBLIC_URL_PREFIX points at this bucket, not another site.',
          );
        return pass('storage.public', `${s3.publicUrlPrefix}/… serves the bucket (probe object fetched)`);
      } catch (err) {
        return fail('storage.public', `cannot fetch ${url}: ${reason(err)}`, 'check S3_PUBLIC_URL_PREFIX (the public or CDN URL of the bucket) and its DNS/TLS.');
      }
    });
    return [pass('storage', `bucket "${s3.bucket}" at ${endpoint}: write, read back and delete work`), publicResult!];
  } catch (err) {
    return [s3Failure(s3.bucket, endpoint, err), skip('storage.public', 'the storage check failed')];
  } finally {
    storage.close();
  }
}
