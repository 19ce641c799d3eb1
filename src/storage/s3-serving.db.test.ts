/**
 * S3 mode end to end: a pack imported through S3Storage into a real S3-API
 * server; the reader API hands out public URLs and never serves image bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../test/db.js';
import { writeTinyPack } from '../../test/packs.js';
import { startTestServer, type TestServer } from '../../test/server.js';
import { type S3Server, startS3Server } from '../../test/services/s3.js';
import { importPack } from '../content/importer.js';
import { IMMUTABLE, S3Storage } from './s3.js';

let t: TestDatabase;
let s3: S3Server;
let storage: S3Storage;
let server: TestServer;

beforeAll(async () => {
  [t, s3] = await Promise.all([createTestDatabase(), startS3Server()]);
  // The "CDN" is the S3 API itself here, so the test can fetch what the URLs name.
  storage = new S3Storage({
    endpoint: s3.endpoint,
    region: 'auto',
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    publicUrlPrefix: `${s3.endpoint}/${s3.bucket}`,
  });
  server = await startTestServer(t.database, { storage });
  await importPack({ database: t.database, storage }, await writeTinyPack({ id: 's3-pack' }));
}, 120_000);

afterAll(async () => {
  await server?.close();
  storage?.close();
  await s3?.stop();
  await t?.close();
});

describe('S3 storage mode', () => {
  it('the API returns public URLs of objects that exist with the immutable header', async () => {
    const token = await server.newReader();
    await server.fetch('/api/series/s3-pack/progress', { method: 'POST', token, json: { episode: 1, page: 2 } });
    const ep = (await (await server.fetch('/api/series/s3-pack/episodes/1', { token })).json()) as {
      pages: Array<{ image: { url: string } | null; thumbnail: { url?: string } }>;
    };
    const urls = ep.pages.flatMap((p) => [p.image?.url, p.thumbnail.url]).filter((u): u is string => !!u);
    expect(urls.length).toBeGreaterThanOrEqual(4);
    for (const u of urls) {
      expect(u.startsWith(`${s3.endpoint}/${s3.bucket}/`)).toBe(true);
      const res = await fetch(u);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
      expect(res.headers.get('content-type')).toBe('image/webp');
    }
  });

  it('the Folio server never proxies image bytes in S3 mode', async () => {
    const token = await server.newReader();
    const lib = (await (await server.fetch('/api/series', { token })).json()) as { series: Array<{ cover: { url: string } }> };
    const key = lib.series[0]!.cover.url.slice(`${s3.endpoint}/${s3.bucket}/`.length);
    expect((await server.fetch(`/media/${key}`)).status).toBe(404);
  });

  it('a re-import of the unchanged pack finds every object and writes nothing', async () => {
    const r = await importPack({ database: t.database, storage }, await writeTinyPack({ id: 's3-pack' }));
    expect(r.status).toBe('unchanged');
  });
});
