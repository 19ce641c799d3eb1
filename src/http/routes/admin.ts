/**
 * The operator API (Bearer $ADMIN_TOKEN): upload a pack or CBZ to import as a
 * background job, follow and cancel jobs, change or delete a series, read
 * what the importer transcribed.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { deleteSeries, setShowUnreadCovers } from '../../content/queries.js';
import { FolioError } from '../../errors.js';
import { JobQueue } from '../../jobs/jobs.js';
import { JOB_STATES } from '../../jobs/rules.js';
import { seriesTranscripts } from '../../transcription/queries.js';
import { adminAuth } from '../admin-auth.js';
import { limitBody } from '../body-limit.js';
import type { AppDeps, AppEnv } from '../context.js';
import { requireDatabase } from '../database.js';
import { seriesIdParam } from '../params.js';
import { parseWith, readJson } from '../validate.js';

export const IMPORTS_PATH = '/api/admin/imports';

const ZIP_TYPES = /^application\/(zip|x-zip-compressed|octet-stream|vnd\.comicbook\+zip|x-cbz)(\s*;|$)/i;
const uploadQuery = z.object({
  filename: z
    .string()
    .max(200)
    .regex(/^[^/\\\0]+\.(zip|cbz)$/i, 'must be a file name ending in .zip (a content pack) or .cbz (a comic archive)')
    .optional(),
});
const jobIdParam = z.object({ id: z.uuid('must be a job id') });
const jobsQuery = z.object({ state: z.enum(JOB_STATES).optional(), limit: z.coerce.number().int().min(1).max(200).optional() });
const seriesParam = z.object({ seriesId: seriesIdParam });
const seriesPatch = z.strictObject({ showUnreadCovers: z.boolean() });
const embedBody = z.strictObject({ replace: z.boolean().optional() });

export function adminRoutes(deps: AppDeps) {
  const maxUpload = deps.jobs?.maxUploadBytes ?? 200 * 1024 * 1024;
  const queue = () => new JobQueue(requireDatabase(deps).db, () => deps.jobs?.wake());
  return (
    new Hono<AppEnv>()
      .use('/api/admin/*', adminAuth(deps.adminToken))
      .post(
        IMPORTS_PATH,
        limitBody(maxUpload, () => {
          throw new FolioError('payload_too_large:upload', `Uploads are limited to ${Math.round(maxUpload / 1024 / 1024)} MB (FOLIO_MAX_UPLOAD_MB).`);
        }),
        async (c) => {
          // Read the (size-limited) body before answering anything else: a client still sending
          // would otherwise see the connection close instead of our 4xx.
          const bytes = new Uint8Array(await c.req.arrayBuffer());
          const type = c.req.header('content-type') ?? '';
          if (!ZIP_TYPES.test(type)) {
            throw new FolioError(
              'unsupported_media_type:upload',
              'Send the archive as the request body with Content-Type: application/zip (a pack) or application/vnd.comicbook+zip (a .cbz).',
            );
          }
          const { filename } = parseWith(uploadQuery, c.req.query(), 'upload', 'query');
          const name = filename ?? (/comicbook|cbz/i.test(type) ? 'upload.cbz' : 'upload.zip');
          if (bytes.length < 4 || bytes[0] !== 0x50 || bytes[1] !== 0x4b)
            throw new FolioError('bad_request:upload', 'The body is not a zip archive (.zip pack or .cbz comic).');
          // Validate now, so a broken pack is a 400 with every problem instead of a failed job later.
          // The pack reader (yaml, zip) loads with the first upload, not at every start.
          const [{ openPackArchive }, { readPack, formatProblem }] = await Promise.all([import('../../content/pack-source.js'), import('../../content/read-pack.js')]);
          const read = await readPack(await openPackArchive(bytes, name));
          if (!read.ok) {
            throw new FolioError('bad_request:pack', `${name}: ${read.problems.length} problem(s); nothing was queued.`, {
              problems: read.problems.map((p) => ({ ...p, text: formatProblem(p) })),
            });
          }
          const job = await queue().enqueue('import', { filename: name, bytes: bytes.length, seriesId: read.pack.series.id }, { upload: { name, bytes } });
          c.header('Location', `/api/admin/jobs/${job.id}`);
          return c.json({ job, warnings: read.pack.warnings.map(formatProblem) }, 202);
        },
      )
      .post('/api/admin/embeddings', async (c) => {
        const body = c.req.header('content-length') === '0' || !c.req.header('content-type') ? {} : await readJson(c, embedBody, 'embed');
        const job = await queue().enqueue('embed', { replace: body.replace ?? false });
        c.header('Location', `/api/admin/jobs/${job.id}`);
        return c.json({ job }, 202);
      })
      .get('/api/admin/jobs', async (c) => {
        const { state, limit } = parseWith(jobsQuery, c.req.query(), 'jobs', 'query');
        return c.json({ jobs: await queue().list({ state, limit }) });
      })
      .get('/api/admin/jobs/:id', async (c) => {
        const { id } = parseWith(jobIdParam, c.req.param(), 'job', 'path');
        c.header('Cache-Control', 'no-store');
        return c.json({ job: await queue().get(id) });
      })
      .delete('/api/admin/jobs/:id', async (c) => {
        const { id } = parseWith(jobIdParam, c.req.param(), 'job', 'path');
        return c.json({ job: await queue().cancel(id) }, 202);
      })
      .patch('/api/admin/series/:seriesId', async (c) => {
        const { seriesId } = parseWith(seriesParam, c.req.param(), 'series', 'path');
        const body = await readJson(c, seriesPatch, 'series');
        if (!(await setShowUnreadCovers(requireDatabase(deps).db, seriesId, body.showUnreadCovers))) throw new FolioError('not_found:series', `No series "${seriesId}".`);
        return c.json({ series: { id: seriesId, showUnreadCovers: body.showUnreadCovers } });
      })
      // Every page's text with its source (authored, ocr, model), engine and text regions: what to review.
      .get('/api/admin/series/:seriesId/transcripts', async (c) => {
        const { seriesId } = parseWith(seriesParam, c.req.param(), 'series', 'path');
        const pages = await seriesTranscripts(requireDatabase(deps).db, seriesId);
        if (pages.length === 0) throw new FolioError('not_found:series', `No series "${seriesId}".`);
        const count = (source: string) => pages.filter((p) => p.source === source).length;
        return c.json({ seriesId, counts: { authored: count('authored'), ocr: count('ocr'), model: count('model') }, pages });
      })
      .delete('/api/admin/series/:seriesId', async (c) => {
        const { seriesId } = parseWith(seriesParam, c.req.param(), 'series', 'path');
        const deleted = await deleteSeries(requireDatabase(deps).db, seriesId);
        if (!deleted) throw new FolioError('not_found:series', `No series "${seriesId}".`);
        // Rows are gone (one transaction); now the images no other series uses. A failure here only leaves
        // unreferenced objects behind, which a later delete or re-import cleans up.
        const failed = (await Promise.allSettled(deleted.orphanKeys.map((k) => deps.storage.delete(k)))).filter((r) => r.status === 'rejected').length;
        if (failed > 0) c.get('log').warn({ seriesId, failed }, 'some images of the deleted series could not be removed from storage');
        return c.body(null, 204);
      })
  );
}
