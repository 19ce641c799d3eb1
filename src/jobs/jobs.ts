/** Enqueueing and reading jobs, and their API shape. */
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import * as q from './queries.js';
import type { JobState } from './rules.js';

export interface JobOut {
  id: string;
  kind: string;
  state: JobState;
  cancelRequested: boolean;
  attempts: number;
  maxAttempts: number;
  progress: Record<string, unknown> | null;
  result: Record<string, unknown> | null;
  error: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** When a queued job (e.g. one waiting to retry) becomes runnable. */
  runAfter: string;
}

const iso = (t: string | null): string | null => (t === null ? null : new Date(t).toISOString());

export function jobOut(r: q.JobRow): JobOut {
  return {
    id: r.id,
    kind: r.kind,
    state: r.state,
    cancelRequested: r.cancel_requested,
    attempts: r.attempts,
    maxAttempts: r.max_attempts,
    progress: r.progress,
    result: r.result,
    error: r.error,
    createdAt: iso(r.created_at)!,
    startedAt: iso(r.started_at),
    finishedAt: iso(r.finished_at),
    runAfter: iso(r.run_after)!,
  };
}

export class JobQueue {
  /** `onEnqueue` wakes an in-process worker so a new job starts without waiting for the poll. */
  constructor(
    private readonly db: Db,
    private readonly onEnqueue: () => void = () => {},
  ) {}

  async enqueue(kind: string, payload: Record<string, unknown>, opts: { maxAttempts?: number; upload?: { name: string; bytes: Uint8Array } } = {}): Promise<JobOut> {
    const row = await q.insertJob(this.db, { kind, payload, maxAttempts: opts.maxAttempts ?? 3 }, opts.upload);
    this.onEnqueue();
    return jobOut(row);
  }

  /** Queue the next run of a scheduled job (at most one waits); false when one already does. */
  async schedule(kind: string, delayMs: number): Promise<boolean> {
    const queued = await q.insertScheduledJob(this.db, kind, delayMs);
    if (queued) this.onEnqueue();
    return queued;
  }

  async get(id: string): Promise<JobOut> {
    const row = await q.getJob(this.db, id);
    if (!row) throw new FolioError('not_found:job', `No job ${id}.`);
    return jobOut(row);
  }

  async list(opts: { state?: JobState; limit?: number } = {}): Promise<JobOut[]> {
    return (await q.listJobs(this.db, { state: opts.state, limit: opts.limit ?? 50 })).map(jobOut);
  }

  async cancel(id: string): Promise<JobOut> {
    const row = await q.cancelJob(this.db, id);
    if (!row) throw new FolioError('not_found:job', `No job ${id}.`);
    return jobOut(row);
  }
}
