/**
 * S3-compatible object storage (R2, S3, MinIO, any S3 API). Browsers load the
 * images from the public/CDN URL prefix; the Folio server never proxies bytes.
 */

import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { FolioError } from '../errors.js';
import { contentTypeOf, isValidKey, type Storage, type StoredObject } from './storage.js';

export interface S3Settings {
  /** Unset for AWS S3 itself; the account endpoint for R2, MinIO, … */
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Where the bucket's objects are public, without a trailing slash. */
  publicUrlPrefix: string;
  /** Per-request timeout; the SDK retries 5xx and timeouts with backoff (3 attempts). */
  requestTimeoutMs?: number;
}

/** Keys are content hashes: an object never changes, so caches may keep it forever. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

const isNotFound = (err: unknown): boolean =>
  err instanceof S3ServiceException && (err.$metadata.httpStatusCode === 404 || err.name === 'NotFound' || err.name === 'NoSuchKey');

/** A client for an S3-compatible endpoint (also the backup bucket's, backup/bucket.ts). */
export function s3Client(settings: { endpoint: string | undefined; region: string; accessKeyId: string; secretAccessKey: string }, requestTimeoutMs: number): S3Client {
  return new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    // Path-style (`endpoint/bucket/key`) works on R2, MinIO and every S3 API; virtual-host style needs DNS per bucket.
    forcePathStyle: settings.endpoint !== undefined,
    maxAttempts: 3,
    // A streamed body would otherwise go as aws-chunked with a checksum trailer, which not every S3 API
    // (MinIO, s3rver, older gateways) stores as sent; bodies here have a known length, so a plain PUT is enough.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    // throwOnRequestTimeout: without it the SDK only logs a warning when requestTimeout passes and keeps
    // waiting, so a storage server that stops answering would hang an import forever.
    requestHandler: { connectionTimeout: 5_000, requestTimeout: requestTimeoutMs, throwOnRequestTimeout: true },
  });
}

export class S3Storage implements Storage {
  readonly kind = 's3' as const;
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = s3Client(settings, settings.requestTimeoutMs ?? 30_000);
  }

  private checked(key: string): string {
    if (!isValidKey(key)) throw new FolioError('bad_request:storage_key', `Invalid storage key: ${JSON.stringify(key)}`);
    return key;
  }

  async put(key: string, bytes: Uint8Array, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: this.checked(key), Body: bytes, ContentType: contentType, CacheControl: IMMUTABLE }),
    );
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.checked(key) }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw err;
    }
  }

  async get(key: string): Promise<StoredObject | null> {
    try {
      const res = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: this.checked(key) }));
      if (!res.Body) return null;
      return { body: res.Body as Readable, size: res.ContentLength ?? 0, contentType: res.ContentType ?? contentTypeOf(key) };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key too.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.checked(key) }));
  }

  url(key: string): string {
    return `${this.settings.publicUrlPrefix}/${this.checked(key)}`;
  }

  close(): void {
    this.client.destroy();
  }
}
