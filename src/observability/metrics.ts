/**
 * Prometheus metrics of one Folio process (`GET /metrics`, operator only).
 *
 * One registry per process (prom-client's own metric objects are process-wide
 * anyway): the HTTP app, the companion and the job worker report here through
 * the small helpers below, so the instrumented code never touches prom-client.
 * Label values are always from small, fixed sets — route *patterns*, status
 * codes, error codes, job kinds and states, one model label per process —
 * never raw paths, ids or text, so the number of series cannot grow without
 * bound. Gauges that describe the queue are read from the `jobs` table at
 * scrape time (`collectQueueGauges`), so a separate `folio worker` process
 * needs no endpoint of its own for them.
 */

import { sql } from 'drizzle-orm';
import client from 'prom-client';
import { lastBucketBackup } from '../backup/last-run.js';
import { type Db, queryRows } from '../db/client.js';
import type { Logger } from '../logger.js';
import { lastRetentionRun } from '../retention/retention.js';

export const registry = new client.Registry();
// CPU, resident memory, heap, event-loop lag, GC, handles: the standard process_* and nodejs_* series.
client.collectDefaultMetrics({ register: registry });

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

const httpRequests = new client.Counter({
  name: 'folio_http_requests_total',
  help: 'HTTP requests by method, route pattern and status.',
  labelNames: ['method', 'route', 'status'] as const,
  registers: [registry],
});

const httpDuration = new client.Histogram({
  name: 'folio_http_request_duration_seconds',
  help: 'Time to the response headers by method, route pattern and status (for a chat or recap stream: until the stream starts).',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

const chatTtft = new client.Histogram({
  name: 'folio_chat_ttft_seconds',
  help: 'Time from the start of a chat answer to its first streamed text, by answer mode (model, quote, declined, guarded).',
  labelNames: ['mode'] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 45, 90],
  registers: [registry],
});

const chatAnswers = new client.Counter({
  name: 'folio_chat_answers_total',
  help: 'Chat answers by mode (model, quote, declined, guarded, error, aborted).',
  labelNames: ['mode'] as const,
  registers: [registry],
});

const chatOutputTokens = new client.Counter({
  name: 'folio_chat_output_tokens_total',
  help: 'Tokens the language model wrote in chat answers (as reported by the provider), by model.',
  labelNames: ['model'] as const,
  registers: [registry],
});

const modelErrors = new client.Counter({
  name: 'folio_model_errors_total',
  help: 'Chat answers that failed, by the error code the reader was shown (e.g. unavailable:model, unavailable:model_timeout).',
  labelNames: ['code'] as const,
  registers: [registry],
});

const retrievalDuration = new client.Histogram({
  name: 'folio_retrieval_duration_seconds',
  help: 'What a chat turn reads before asking the model: embed = the question vector, search = the one statement with full-text and vector search under the boundary.',
  labelNames: ['stage'] as const,
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
  registers: [registry],
});

const openStreams = new client.Gauge({
  name: 'folio_open_streams',
  help: 'Chat and recap answers being streamed right now.',
  registers: [registry],
});

const boundaryFeedLive = new client.Gauge({
  name: 'folio_boundary_feed_live',
  help: 'Whether the database change feed is live (1), so reader boundary keys are held in memory; 0 while starting or lost (ADR 0036).',
  registers: [registry],
});

const boundaryFeedLost = new client.Counter({
  name: 'folio_boundary_feed_lost_total',
  help: 'Times the database change feed was lost (a dropped connection or a missed heartbeat); keys are read from the database until it is back.',
  registers: [registry],
});

const jobsFinished = new client.Counter({
  name: 'folio_jobs_finished_total',
  help: 'Jobs this process ran to an end, by kind and outcome (succeeded, failed, retry, cancelled, handed_back, lease_lost).',
  labelNames: ['kind', 'outcome'] as const,
  registers: [registry],
});

const jobsByState = new client.Gauge({
  name: 'folio_jobs',
  help: 'Jobs in the queue table by state and kind (read from the database at scrape time).',
  labelNames: ['state', 'kind'] as const,
  registers: [registry],
});

const importDone = new client.Gauge({
  name: 'folio_import_progress_done',
  help: 'Running import jobs: items done in the current phase (images: page images, covers and avatars), by series and phase.',
  labelNames: ['series', 'phase'] as const,
  registers: [registry],
});

const queueScrape = new client.Gauge({
  name: 'folio_jobs_scrape_success',
  help: '1 when the job gauges of this scrape were read from the database, 0 when it was not reachable (they are then absent).',
  registers: [registry],
});

const importTotal = new client.Gauge({
  name: 'folio_import_progress_total',
  help: 'Running import jobs: items in the current phase, by series and phase.',
  labelNames: ['series', 'phase'] as const,
  registers: [registry],
});

const retentionDays = new client.Gauge({
  name: 'folio_retention_days',
  help: 'FOLIO_RETENTION_DAYS of this process: readers inactive and jobs finished this many days ago are deleted (0 = kept forever).',
  registers: [registry],
});

const retentionLastRun = new client.Gauge({
  name: 'folio_retention_last_run_timestamp_seconds',
  help: 'When the last retention job finished (absent before the first run), read from the jobs table.',
  registers: [registry],
});

const retentionDeleted = new client.Gauge({
  name: 'folio_retention_last_run_deleted',
  help: 'What the last retention job deleted: inactive readers (with their progress and conversations) and finished jobs.',
  labelNames: ['what'] as const,
  registers: [registry],
});

const backupLastRun = new client.Gauge({
  name: 'folio_backup_last_success_timestamp_seconds',
  help: 'When the last scheduled backup to FOLIO_BACKUP_BUCKET finished (absent before the first), read from the jobs table.',
  registers: [registry],
});

/** The label for a request's method: anything unusual is one bucket, not a new series. */
export function methodLabel(method: string): string {
  const m = method.toUpperCase();
  return METHODS.has(m) ? m : 'OTHER';
}

export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  const labels = { method: methodLabel(method), route, status: String(status) };
  httpRequests.inc(labels);
  httpDuration.observe(labels, seconds);
}

/** One finished chat answer (from its metadata: mode, model label, time to first token, provider usage). */
export function observeAnswer(a: { mode: string; model: string | null; ttftMs: number | null; outputTokens: number | null }): void {
  chatAnswers.inc({ mode: a.mode });
  if (a.ttftMs !== null) chatTtft.observe({ mode: a.mode }, a.ttftMs / 1000);
  if (a.model !== null && a.outputTokens !== null && a.outputTokens > 0) chatOutputTokens.inc({ model: a.model }, a.outputTokens);
}

export function observeModelError(code: string): void {
  modelErrors.inc({ code });
}

export function observeRetrieval(stage: 'embed' | 'search', seconds: number): void {
  retrievalDuration.observe({ stage }, seconds);
}

/** A stream opened; call the returned function once when it ends. */
export function streamOpened(): () => void {
  openStreams.inc();
  let done = false;
  return () => {
    if (done) return;
    done = true;
    openStreams.dec();
  };
}

/** The change feed went live or went down; `lost` counts it (a deliberate close is not a loss). */
export function observeBoundaryFeed(live: boolean, lost: boolean): void {
  boundaryFeedLive.set(live ? 1 : 0);
  if (lost) boundaryFeedLost.inc();
}

export function observeJobFinished(kind: string, outcome: string): void {
  jobsFinished.inc({ kind, outcome });
}

const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;

/** Set the queue gauges from the jobs table (called right before each scrape is rendered). */
export async function collectQueueGauges(db: Db): Promise<void> {
  const counts = await queryRows<{ state: string; kind: string; n: number }>(db, sql`SELECT state, kind, count(*)::int AS n FROM jobs GROUP BY state, kind`);
  const running = await queryRows<{ series: string | null; progress: { phase?: unknown; done?: unknown; total?: unknown } | null }>(
    db,
    sql`SELECT payload->>'seriesId' AS series, progress FROM jobs WHERE state = 'running' AND kind = 'import'`,
  );
  // Reset first: a job that finished since the last scrape must not linger as a stale series.
  jobsByState.reset();
  importDone.reset();
  importTotal.reset();
  // Every state of every kind seen, zero included, so a drained queue reads 0 rather than "no data".
  const kinds = new Set(counts.map((c) => c.kind));
  for (const kind of kinds) for (const state of JOB_STATES) jobsByState.set({ state, kind }, 0);
  for (const c of counts) jobsByState.set({ state: c.state, kind: c.kind }, c.n);
  for (const r of running) {
    const p = r.progress;
    if (!p || typeof p.phase !== 'string' || typeof p.done !== 'number' || typeof p.total !== 'number') continue;
    const labels = { series: r.series ?? 'unknown', phase: p.phase };
    importDone.inc(labels, p.done);
    importTotal.inc(labels, p.total);
  }
}

/**
 * The text exposition of every metric, queue gauges refreshed from `db` when there is one. A
 * database that does not answer does not fail the scrape: the process metrics are what tell why.
 */
export async function renderMetrics(db: Db | null, log?: Logger, opts: { retentionDays?: number } = {}): Promise<{ contentType: string; body: string }> {
  let ok = false;
  retentionDays.set(opts.retentionDays ?? 0);
  retentionLastRun.reset();
  retentionDeleted.reset();
  backupLastRun.reset();
  if (db) {
    try {
      await collectQueueGauges(db);
      const run = await lastRetentionRun(db);
      if (run) {
        retentionLastRun.set(run.finishedAt.getTime() / 1000);
        retentionDeleted.set({ what: 'readers' }, run.readers);
        retentionDeleted.set({ what: 'jobs' }, run.jobs);
      }
      const backup = await lastBucketBackup(db);
      if (backup) backupLastRun.set(backup.finishedAt.getTime() / 1000);
      ok = true;
    } catch (err) {
      log?.warn({ err }, 'metrics: could not read the job queue');
    }
  }
  if (!ok) {
    jobsByState.reset();
    importDone.reset();
    importTotal.reset();
  }
  queueScrape.set(ok ? 1 : 0);
  return { contentType: registry.contentType, body: await registry.metrics() };
}
