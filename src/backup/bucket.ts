/**
 * Backups in a private S3 bucket (FOLIO_BACKUP_BUCKET) on the image storage's endpoint, with its keys:
 * the cloud shape has no disk that outlives a machine. Objects are `folio-<UTC time>.tar.gz`, so their
 * names sort by age; the newest `keep` stay.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { s3Client } from '../storage/s3.js';

export interface BucketSettings {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
}

const NAME = /^folio-\d{8}T\d{6}Z\.tar\.gz$/;

/** `folio-20261206T120000Z.tar.gz` for a time: sortable, and no characters a bucket or a shell minds. */
export function backupName(at: Date): string {
  return `folio-${at
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}.tar.gz`;
}

export class BackupBucket {
  private readonly client: S3Client;

  constructor(private readonly settings: BucketSettings) {
    // Backups are larger than images: two minutes a request.
    this.client = s3Client(settings, 120_000);
  }

  get name(): string {
    return this.settings.bucket;
  }

  /** Backup names in the bucket, oldest first (other objects are not Folio's and are left alone). */
  async list(): Promise<string[]> {
    const names: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: 'folio-', ContinuationToken: token }));
      for (const o of page.Contents ?? []) if (o.Key && NAME.test(o.Key)) names.push(o.Key);
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return names.sort();
  }

  async upload(name: string, file: string): Promise<number> {
    const { size } = await stat(file);
    await this.client.send(
      new PutObjectCommand({ Bucket: this.settings.bucket, Key: name, Body: createReadStream(file), ContentLength: size, ContentType: 'application/gzip' }),
    );
    return size;
  }

  async download(name: string, file: string): Promise<void> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.settings.bucket, Key: name }));
    await pipeline(res.Body as Readable, createWriteStream(file));
  }

  /** Delete all but the newest `keep` backups; the names deleted. */
  async prune(keep: number): Promise<string[]> {
    const names = await this.list();
    const gone = names.slice(0, Math.max(0, names.length - keep));
    for (const name of gone) await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: name }));
    return gone;
  }

  close(): void {
    this.client.destroy();
  }
}
