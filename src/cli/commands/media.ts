/** `folio media push`: copy local images to the configured S3-compatible bucket (moving to R2/S3). */
import { join } from 'node:path';
import type { Config } from '../../config/env.js';
import { FolioError } from '../../errors.js';
import { pushLocalMedia } from '../../storage/push.js';
import { S3Storage } from '../../storage/s3.js';

export async function mediaPushCommand(cfg: Config, opts: { from?: string; json?: boolean }): Promise<void> {
  if (!cfg.s3)
    throw new FolioError(
      'bad_request:config',
      'folio media push copies local images to S3-compatible storage: set S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_PUBLIC_URL_PREFIX (and S3_ENDPOINT for R2/MinIO) first.',
    );
  const from = opts.from ?? join(cfg.dataDir, 'media');
  const target = new S3Storage(cfg.s3);
  try {
    const r = await pushLocalMedia(from, target, {
      onProgress: (done, total) => {
        if (!opts.json && (done % 50 === 0 || done === total)) process.stderr.write(`${done}/${total}\n`);
      },
    });
    if (opts.json) process.stdout.write(`${JSON.stringify({ from, bucket: cfg.s3.bucket, ...r })}\n`);
    else process.stdout.write(`Copied ${r.copied} images to ${cfg.s3.bucket} (${r.skipped} already there; ${r.ignored.length} other files ignored).\n`);
  } finally {
    target.close();
  }
}
