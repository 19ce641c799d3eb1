/** Pushing local images to a real S3-API server: only content-addressed keys, immutable headers, idempotent. */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type S3Server, startS3Server } from '../../test/services/s3.js';
import { pushLocalMedia } from './push.js';
import { IMMUTABLE, S3Storage } from './s3.js';
import { contentKey } from './storage.js';

let s3: S3Server;
let dir: string;
beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(join(tmpdir(), 'folio-push-'));
}, 30_000);
afterAll(async () => {
  await s3?.stop();
  await rm(dir, { recursive: true, force: true });
});

it('copies every image once with the immutable header and leaves junk behind', async () => {
  const keys: string[] = [];
  for (let i = 0; i < 12; i++) {
    const bytes = Buffer.from(`image ${i}`);
    const key = contentKey(i % 2 ? 'pages' : 'covers', createHash('sha256').update(bytes).digest('hex'), 'webp');
    await mkdir(dirname(join(dir, key)), { recursive: true });
    await writeFile(join(dir, key), bytes);
    keys.push(key);
  }
  await writeFile(join(dir, '.DS_Store'), 'junk');
  await writeFile(join(dir, `${keys[0]!}.abc123.tmp`), 'half-written');
  const target = new S3Storage({
    endpoint: s3.endpoint,
    region: 'auto',
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    publicUrlPrefix: `${s3.endpoint}/${s3.bucket}`,
  });
  try {
    const first = await pushLocalMedia(dir, target, { concurrency: 4 });
    expect(first.copied).toBe(12);
    expect(first.ignored.sort()).toEqual(['.DS_Store', `${keys[0]}.abc123.tmp`].sort());
    for (const key of keys) {
      const res = await fetch(target.url(key));
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
    }
    expect((await fetch(`${s3.endpoint}/${s3.bucket}/.DS_Store`)).status).toBe(404);
    expect(await pushLocalMedia(dir, target)).toMatchObject({ copied: 0, skipped: 12 });
  } finally {
    target.close();
  }
});
