/**
 * All SQL of the job queue. Every statement stands alone (no session state,
 * no advisory locks, no LISTEN), so it works through PgBouncer in transaction
 * mode and on PGlite alike.
 */
import { sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/client.js';
import type { JobState } from './rules.js';

export interface JobRow {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  state: JobState;
  cancel_requested: boolean;
  attempts: number;
  max_attempts: number;
  run_after: string;
  locked_by: string | null;
  locked_until: string | null;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}

const COLUMNS = sql`id::text, kind, payload, state, cancel_requested, attempts, max_attempts, run_after::text, locked_by, locked_until::text,
  progress, result, error, created_at::text, started_at::text, finished_at::text, updated_at::text`;

export async function insertJob(
  db: Db,
  job: { kind: string; payload: Record<string, unknown>; maxAttempts: number },
  upload?: { name: string; bytes: Uint8Array },
): Promise<JobRow> {
  return db.transaction(async (tx) => {
    const [row] = await queryRows<JobRow>(
      tx as unknown as Db,
      sql`INSERT INTO jobs (kind, payload, max_attempts) VALUES (${job.kind}, ${JSON.stringify(job.payload)}::jsonb, ${job.maxAttempts}) RETURNING ${COLUMNS}`,
    );
    if (upload) {
      await tx.execute(
        sql`INSERT INTO job_uploads (job_id, name, bytes) VALUES (${row!.id}, ${upload.name}, ${Buffer.from(upload.bytes.buffer, upload.bytes.byteOffset, upload.bytes.byteLength)})`,
      );
    }
    return row!;
  });
}

/**
 * Queue the next run of a scheduled job (payload `scheduled: true`) `delayMs` from now, unless one is
 * already queued (a unique index allows one): every worker may ensure it at start, one run is queued.
 */
export async function insertScheduledJob(db: Db, kind: string, delayMs: number): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`INSERT INTO jobs (kind, payload, run_after) VALUES (${kind}, '{"scheduled": true}'::jsonb, now() + make_interval(secs => ${delayMs / 1000}))
        ON CONFLICT (kind) WHERE state = 'queued' AND payload->>'scheduled' = 'true' DO NOTHING
        RETURNING id::text`,
  );
  return rows.length > 0;
}

/** The newest job of `kind` that succeeded: when it finished and its result (a scheduled job's last run). */
export async function lastSucceeded(db: Db, kind: string): Promise<{ finishedAt: Date; result: Record<string, unknown> } | null> {
  const [row] = await queryRows<{ at: string; result: Record<string, unknown> | null }>(
    db,
    sql`SELECT finished_at::text AS at, result FROM jobs WHERE kind = ${kind} AND state = 'succeeded' ORDER BY finished_at DESC LIMIT 1`,
  );
  return row ? { finishedAt: new Date(row.at), result: row.result ?? {} } : null;
}

const kindIn = (kinds: string[]) =>
  sql`kind IN (${sql.join(
    kinds.map((k) => sql`${k}`),
    sql`, `,
  )})`;

/**
 * Claim the oldest runnable job: queued and due, or running with a lapsed
 * lease (its worker died). SKIP LOCKED lets many workers claim at once
 * without waiting on each other or taking the same job.
 */
export async function claimJob(db: Db, workerId: string, leaseMs: number, kinds: string[]): Promise<JobRow | null> {
  if (kinds.length === 0) return null;
  const rows = await queryRows<JobRow>(
    db,
    sql`UPDATE jobs SET state = 'running', attempts = attempts + 1, locked_by = ${workerId},
          locked_until = now() + make_interval(secs => ${leaseMs / 1000}), started_at = COALESCE(started_at, now()), updated_at = now()
        WHERE id = (
          SELECT id FROM jobs
           WHERE state IN ('queued', 'running')
             AND ${kindIn(kinds)}
             AND ((state = 'queued' AND run_after <= now()) OR (state = 'running' AND locked_until < now()))
           ORDER BY created_at
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING ${COLUMNS}`,
  );
  return rows[0] ?? null;
}

/**
 * Milliseconds until the next job of these kinds becomes claimable (a queued job's retry time, or a running
 * job's lease end), 0 when one already is; null when there is none. For a worker that sleeps until then
 * instead of polling (worker.ts `sole`).
 */
export async function msUntilNextDue(db: Db, kinds: string[]): Promise<number | null> {
  if (kinds.length === 0) return null;
  const [row] = await queryRows<{ ms: number | null }>(
    db,
    sql`SELECT (extract(epoch FROM (min(CASE WHEN state = 'queued' THEN run_after ELSE locked_until END) - now())) * 1000)::float8 AS ms
          FROM jobs
         WHERE state IN ('queued', 'running')
           AND ${kindIn(kinds)}`,
  );
  // Past due is due now (min over no rows is NULL: nothing to wait for).
  return row?.ms == null ? null : Math.max(0, row.ms);
}

/** Renew the lease and record progress. null when the lease was lost (another worker took over). */
export async function heartbeat(
  db: Db,
  id: string,
  workerId: string,
  leaseMs: number,
  progress: Record<string, unknown> | null,
): Promise<{ cancelRequested: boolean } | null> {
  const rows = await queryRows<{ cancel_requested: boolean }>(
    db,
    sql`UPDATE jobs SET locked_until = now() + make_interval(secs => ${leaseMs / 1000}), updated_at = now(),
          progress = COALESCE(${progress === null ? null : JSON.stringify(progress)}::jsonb, progress)
        WHERE id = ${id} AND state = 'running' AND locked_by = ${workerId}
        RETURNING cancel_requested`,
  );
  return rows[0] ? { cancelRequested: rows[0].cancel_requested } : null;
}

/** Finish a job this worker holds. Returns false when it no longer held it. */
export async function finishJob(
  db: Db,
  id: string,
  workerId: string,
  outcome: { state: 'succeeded'; result: Record<string, unknown> } | { state: 'failed' | 'cancelled'; error: string },
  progress: Record<string, unknown> | null = null,
): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`UPDATE jobs SET state = ${outcome.state}, locked_by = NULL, locked_until = NULL, finished_at = now(), updated_at = now(),
          result = ${outcome.state === 'succeeded' ? JSON.stringify(outcome.result) : null}::jsonb,
          error = ${outcome.state === 'succeeded' ? null : outcome.error},
          progress = COALESCE(${progress === null ? null : JSON.stringify(progress)}::jsonb, progress)
        WHERE id = ${id} AND state = 'running' AND locked_by = ${workerId}
        RETURNING id::text`,
  );
  if (rows.length > 0) await db.execute(sql`DELETE FROM job_uploads WHERE job_id = ${id}`);
  return rows.length > 0;
}

/** Put a job this worker holds back in the queue: after a transient failure (with a delay) or on shutdown (now). */
export async function requeueJob(db: Db, id: string, workerId: string, delayMs: number, error: string | null): Promise<boolean> {
  const rows = await queryRows<{ id: string }>(
    db,
    sql`UPDATE jobs SET state = 'queued', locked_by = NULL, locked_until = NULL, updated_at = now(), error = ${error},
          run_after = now() + make_interval(secs => ${delayMs / 1000})
        WHERE id = ${id} AND state = 'running' AND locked_by = ${workerId}
        RETURNING id::text`,
  );
  return rows.length > 0;
}

/** A job whose worker died more often than it may be retried. */
export async function failAbandoned(db: Db, id: string, workerId: string, error: string): Promise<void> {
  await finishJob(db, id, workerId, { state: 'failed', error });
}

/** Cancel: a queued job at once; a running one is flagged and its worker stops at its next heartbeat. */
export async function cancelJob(db: Db, id: string): Promise<JobRow | null> {
  const rows = await queryRows<JobRow>(
    db,
    sql`UPDATE jobs SET
          state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END,
          finished_at = CASE WHEN state = 'queued' THEN now() ELSE finished_at END,
          cancel_requested = CASE WHEN state IN ('queued', 'running') THEN true ELSE cancel_requested END,
          updated_at = now()
        WHERE id = ${id}
        RETURNING ${COLUMNS}`,
  );
  if (rows[0]?.state === 'cancelled') await db.execute(sql`DELETE FROM job_uploads WHERE job_id = ${id}`);
  return rows[0] ?? null;
}

export async function getJob(db: Db, id: string): Promise<JobRow | null> {
  const rows = await queryRows<JobRow>(db, sql`SELECT ${COLUMNS} FROM jobs WHERE id = ${id}`);
  return rows[0] ?? null;
}

export async function listJobs(db: Db, opts: { state?: JobState; limit: number }): Promise<JobRow[]> {
  return queryRows<JobRow>(db, sql`SELECT ${COLUMNS} FROM jobs ${opts.state ? sql`WHERE state = ${opts.state}` : sql``} ORDER BY created_at DESC LIMIT ${opts.limit}`);
}

/** Slice size when reading an upload back: small enough that the driver's text form of one slice is a few MB. */
const UPLOAD_SLICE = 1024 * 1024;

/**
 * An upload, read back in 1 MiB slices. The driver receives bytea as hex text (twice the size) and builds
 * one string before the Buffer: read whole, a 26 MB archive cost ~190 MB of memory at once (bench/fly.ts),
 * most of a 512 MB machine; slice by slice it is the archive plus a few MB.
 */
export async function getUpload(db: Db, jobId: string): Promise<{ name: string; bytes: Buffer } | null> {
  const [head] = await queryRows<{ name: string; size: number }>(db, sql`SELECT name, octet_length(bytes)::int AS size FROM job_uploads WHERE job_id = ${jobId}`);
  if (!head) return null;
  const bytes = Buffer.allocUnsafe(head.size);
  for (let offset = 0; offset < head.size; offset += UPLOAD_SLICE) {
    const [slice] = await queryRows<{ part: Uint8Array | null }>(
      db,
      sql`SELECT substring(bytes FROM ${offset + 1}::int FOR ${UPLOAD_SLICE}::int) AS part FROM job_uploads WHERE job_id = ${jobId}`,
    );
    // Gone meanwhile (the job was cancelled): as if it had never been there.
    if (!slice?.part) return null;
    bytes.set(slice.part, offset);
  }
  return { name: head.name, bytes };
}
