/**
 * The job worker: claims jobs from the table queue, runs their handlers with
 * a lease it keeps renewing, records progress, retries transient failures with
 * backoff, and stops a job when it is cancelled. Runs inside `folio serve`
 * (embedded default) or as its own process (`folio worker`).
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/client.js';
import { FolioError } from '../errors.js';
import type { Logger } from '../logger.js';
import { observeJobFinished } from '../observability/metrics.js';
import * as q from './queries.js';
import { afterFailure, retryDelayMs } from './rules.js';

export interface JobContext {
  job: q.JobRow;
  /** Aborted when the job is cancelled, its lease is lost, or the worker shuts down. */
  signal: AbortSignal;
  /** Latest progress; written to the job row with the next lease renewal. */
  progress(p: Record<string, unknown>): void;
  log: Logger;
}

/** A handler returns the job's result. A FolioError with a 4xx kind is permanent (bad input): no retry. */
export type JobHandler = (ctx: JobContext) => Promise<Record<string, unknown>>;

export interface WorkerOptions {
  db: Db;
  handlers: Record<string, JobHandler>;
  logger: Logger;
  /** Jobs run at once by this worker (1 on a Raspberry Pi). */
  concurrency: number;
  /** How often an idle worker looks for work. */
  pollMs?: number;
  /**
   * This is the only worker, and every enqueue wakes it (the embedded database: one process holds its data
   * directory). An idle worker then sleeps until the next job is due (a retry's time, a lapsed lease) rather
   * than polling: a claim every second is a statement on the thread that serves readers (embedded PGlite runs
   * on it), a few ms at its worst, and it wakes an idle Raspberry Pi for nothing.
   */
  sole?: boolean;
  /** How long a claim lasts without renewal; a dead worker's jobs are taken over after this. */
  leaseMs?: number;
  retryBaseMs?: number;
  id?: string;
}

type StopReason = 'cancelled' | 'lease_lost' | 'shutdown';

const PROGRESS_EVERY_MS = 1_000;
/** The longest a sole worker sleeps without looking (a safety net: every way a job becomes due wakes it). */
const SOLE_IDLE_MS = 60_000;

/** How long a sole worker sleeps: until the next job is due (a little after, so it is due by then), at most SOLE_IDLE_MS. */
export function soleSleepMs(untilDue: number | null): number {
  return untilDue === null ? SOLE_IDLE_MS : Math.min(SOLE_IDLE_MS, Math.ceil(untilDue) + 5);
}

export class Worker {
  readonly id: string;
  private readonly pollMs: number;
  private readonly leaseMs: number;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private again = false;
  private stopped = true;

  constructor(private readonly opts: WorkerOptions) {
    this.id = opts.id ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.pollMs = opts.pollMs ?? 1_000;
    this.leaseMs = opts.leaseMs ?? 30_000;
  }

  get running(): number {
    return this.active.size;
  }

  /** Running nothing and not looking for work (a finished job makes the worker look once more). */
  get idle(): boolean {
    return this.active.size === 0 && !this.ticking;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.opts.logger.info({ worker: this.id, concurrency: this.opts.concurrency }, 'job worker started');
    this.wake();
  }

  /** Look for work now (called after an in-process enqueue, so jobs start without waiting for the poll). */
  wake(): void {
    if (this.stopped) return;
    if (this.ticking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    void this.tick();
  }

  /**
   * Stop claiming; give running jobs `graceMs` to finish, then abort them and
   * put them back in the queue so another worker resumes them at once.
   */
  async stop(graceMs = 10_000): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    const all = () => Promise.all([...this.active.values()].map((a) => a.done));
    const timedOut = await Promise.race([all().then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs).unref())]);
    if (timedOut) {
      for (const a of this.active.values()) a.controller.abort('shutdown' satisfies StopReason);
      await all();
    }
    this.opts.logger.info({ worker: this.id }, 'job worker stopped');
  }

  private async tick(): Promise<void> {
    this.ticking = true;
    let sleepMs = this.pollMs;
    try {
      const kinds = Object.keys(this.opts.handlers);
      do {
        this.again = false;
        while (!this.stopped && this.active.size < this.opts.concurrency) {
          const job = await q.claimJob(this.opts.db, this.id, this.leaseMs, kinds);
          if (!job) break;
          if (job.attempts > job.max_attempts) {
            // Its workers kept dying mid-job (crash, OOM kill): stop trying.
            await q.failAbandoned(this.opts.db, job.id, this.id, `The job was interrupted ${job.max_attempts} times without finishing.`);
            continue;
          }
          this.launch(job);
        }
        // Asked inside the loop: an enqueue during this query sets `again` and is claimed on the next pass.
        // With every slot busy, a finishing job wakes the worker; nothing else can be claimed before then.
        if (this.opts.sole) sleepMs = this.active.size < this.opts.concurrency ? soleSleepMs(await q.msUntilNextDue(this.opts.db, kinds)) : SOLE_IDLE_MS;
      } while (this.again && !this.stopped);
    } catch (err) {
      sleepMs = this.pollMs;
      this.opts.logger.warn({ err, worker: this.id }, 'could not claim jobs (database unavailable?); retrying');
    } finally {
      this.ticking = false;
      if (!this.stopped) this.timer = setTimeout(() => this.wake(), sleepMs).unref();
    }
  }

  private launch(job: q.JobRow): void {
    const controller = new AbortController();
    const done = this.run(job, controller).finally(() => {
      this.active.delete(job.id);
      this.wake();
    });
    this.active.set(job.id, { controller, done });
  }

  private async run(job: q.JobRow, controller: AbortController): Promise<void> {
    const { db, logger } = this.opts;
    const log = logger.child({ job: job.id, kind: job.kind, attempt: job.attempts });
    let latest: Record<string, unknown> | null = null;
    const renew = async () => {
      try {
        const hb = await q.heartbeat(db, job.id, this.id, this.leaseMs, latest);
        if (hb === null) controller.abort('lease_lost' satisfies StopReason);
        else if (hb.cancelRequested) controller.abort('cancelled' satisfies StopReason);
      } catch (err) {
        // The database is briefly away: keep working; the next renewal will tell.
        log.warn({ err }, 'could not renew the job lease');
      }
    };
    const beat = setInterval(() => void renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    beat.unref();
    // Progress is written at most once a second (with a lease renewal), so operators can follow a long job.
    let lastWrite = 0;
    let writing = false;
    const onProgress = (p: Record<string, unknown>) => {
      latest = p;
      if (writing || Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
      writing = true;
      lastWrite = Date.now();
      void renew().finally(() => (writing = false));
    };
    log.info('job started');
    try {
      if (job.cancel_requested) controller.abort('cancelled' satisfies StopReason);
      controller.signal.throwIfAborted();
      const result = await this.opts.handlers[job.kind]!({ job, signal: controller.signal, progress: onProgress, log });
      clearInterval(beat);
      // The work is done (an import is already published): a cancel that arrives now is too late.
      await q.finishJob(db, job.id, this.id, { state: 'succeeded', result }, latest);
      log.info('job succeeded');
      observeJobFinished(job.kind, 'succeeded');
    } catch (err) {
      clearInterval(beat);
      const reason = controller.signal.aborted ? (controller.signal.reason as StopReason) : null;
      if (reason === 'lease_lost') {
        log.warn('job lease lost; another worker has it');
        observeJobFinished(job.kind, 'lease_lost');
      } else if (reason === 'cancelled') {
        await q.finishJob(db, job.id, this.id, { state: 'cancelled', error: 'Cancelled by the operator.' });
        log.info('job cancelled');
        observeJobFinished(job.kind, 'cancelled');
      } else if (reason === 'shutdown') {
        await q.requeueJob(db, job.id, this.id, 0, null).catch(() => {});
        log.info('job handed back to the queue (worker shutting down)');
        observeJobFinished(job.kind, 'handed_back');
      } else {
        const permanent = err instanceof FolioError && err.status < 500;
        const message = err instanceof FolioError ? err.message : `Internal error: ${(err as Error).message ?? String(err)}`;
        if (afterFailure({ attempts: job.attempts, maxAttempts: job.max_attempts }, permanent) === 'retry') {
          const delay = retryDelayMs(job.attempts, { baseMs: this.opts.retryBaseMs });
          await q.requeueJob(db, job.id, this.id, delay, message).catch(() => {});
          log.warn({ err, retryInMs: delay }, 'job failed; will retry');
          observeJobFinished(job.kind, 'retry');
        } else {
          await q.finishJob(db, job.id, this.id, { state: 'failed', error: message }).catch(() => {});
          log.warn({ err }, 'job failed');
          observeJobFinished(job.kind, 'failed');
        }
      }
    }
  }
}
