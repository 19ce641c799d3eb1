/** The rules of the job queue, as plain functions. */

export const JOB_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];

export const isFinished = (s: JobState): boolean => s === 'succeeded' || s === 'failed' || s === 'cancelled';

/**
 * Delay before retry number `attempt` (1 = the first retry): exponential from
 * `baseMs`, capped, with ±20 % jitter so jobs that failed together (an S3
 * outage) do not retry in lockstep.
 */
export function retryDelayMs(attempt: number, opts: { baseMs?: number; maxMs?: number; random?: () => number } = {}): number {
  const base = opts.baseMs ?? 2_000;
  const max = opts.maxMs ?? 5 * 60_000;
  const raw = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  const jitter = 0.8 + 0.4 * (opts.random ?? Math.random)();
  return Math.round(raw * jitter);
}

/** After a failure: retry later, or give up. Input problems (4xx) never get better by retrying. */
export function afterFailure(job: { attempts: number; maxAttempts: number }, permanent: boolean): 'retry' | 'fail' {
  return !permanent && job.attempts < job.maxAttempts ? 'retry' : 'fail';
}
