/** S3Storage against a real S3-API server process (s3rver), over real HTTP. */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type S3Server, startS3Server } from '../../test/services/s3.js';
import { IMMUTABLE, S3Storage } from './s3.js';
import { contentKey } from './storage.js';

let s3: S3Server;
let storage: S3Storage;
const PUBLIC = 'https://images.example.com/folio';

const keyFor = (bytes: Uint8Array) => contentKey('pages', createHash('sha256').update(bytes).digest('hex'), 'webp');

beforeAll(async () => {
  s3 = await startS3Server();
  storage = new S3Storage({
    endpoint: s3.endpoint,
    region: 'us-east-1',
    bucket: s3.bucket,
    accessKeyId: s3.accessKeyId,
    secretAccessKey: s3.secretAccessKey,
    publicUrlPrefix: PUBLIC,
    requestTimeoutMs: 2_000,
  });
}, 30_000);

afterAll(async () => {
  storage?.close();
  await s3?.stop();
});

describe('S3Storage', () => {
  it('puts an object with the immutable cache header and its content type, and reads it back', async () => {
    const bytes = new TextEncoder().encode(`image ${Math.random()}`);
    const key = keyFor(bytes);
    expect(await storage.exists(key)).toBe(false);
    await storage.put(key, bytes, 'image/webp');
    expect(await storage.exists(key)).toBe(true);

    // What a browser/CDN would see, fetched straight from the S3 API (path style).
    const res = await fetch(`${s3.endpoint}/${s3.bucket}/${key}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(res.headers.get('content-type')).toBe('image/webp');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(bytes);

    const obj = await storage.get(key);
    expect(obj?.contentType).toBe('image/webp');
    expect(obj?.size).toBe(bytes.length);
  });

  it('deletes an object; deleting a missing one is not an error', async () => {
    const bytes = new TextEncoder().encode(`delete me ${Math.random()}`);
    const key = keyFor(bytes);
    await storage.put(key, bytes, 'image/webp');
    await storage.delete(key);
    expect(await storage.exists(key)).toBe(false);
    await storage.delete(key);
  });

  it('maps a missing object to false / null, not an error', async () => {
    const key = keyFor(new TextEncoder().encode('never stored'));
    expect(await storage.exists(key)).toBe(false);
    expect(await storage.get(key)).toBeNull();
  });

  it('returns public URLs under the prefix and never a URL of the API itself', () => {
    const key = keyFor(new TextEncoder().encode('x'));
    expect(storage.url(key)).toBe(`${PUBLIC}/${key}`);
  });

  it('refuses keys that are not content-addressed (no traversal, no arbitrary names)', async () => {
    for (const bad of ['../etc/passwd', 'pages/ab/../../x.webp', 'pages/zz/notahash.webp', '']) {
      await expect(storage.put(bad, new Uint8Array([1]), 'image/webp')).rejects.toMatchObject({ code: 'bad_request:storage_key' });
      expect(() => storage.url(bad)).toThrow();
    }
  });

  it('fails with an error (not a hang) while the server is down, and works again once it is back', async () => {
    const bytes = new TextEncoder().encode(`outage ${Math.random()}`);
    const key = keyFor(bytes);
    await s3.kill();
    const started = Date.now();
    await expect(storage.put(key, bytes, 'image/webp')).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(20_000);
    await s3.restart();
    await storage.put(key, bytes, 'image/webp');
    expect(await storage.exists(key)).toBe(true);
  }, 40_000);

  it('a server that accepts a write and never answers: put() fails after the request timeout instead of hanging', async () => {
    // Regression: the SDK only warned when requestTimeout passed (throwOnRequestTimeout was off), so an import hung forever.
    const silent = createServer((req) => req.resume());
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const hanging = new S3Storage({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      bucket: s3.bucket,
      accessKeyId: 'a',
      secretAccessKey: 'b',
      publicUrlPrefix: PUBLIC,
      requestTimeoutMs: 300,
    });
    try {
      const bytes = new TextEncoder().encode('never stored');
      await expect(hanging.put(keyFor(bytes), bytes, 'image/webp')).rejects.toThrow(/timeout/i);
    } finally {
      hanging.close();
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    }
  }, 20_000);
});
