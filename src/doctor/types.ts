/** What one doctor check reports. */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip';

export interface CheckResult {
  /** The layer: config, database, pgvector, storage, storage.public, model, embeddings, retention, accounts, backup, cors, web; or a remote step. */
  layer: string;
  status: CheckStatus;
  /** One line: what was found. */
  summary: string;
  /** What to do about it (for fail and warn). */
  fix?: string;
}

export const pass = (layer: string, summary: string): CheckResult => ({ layer, status: 'pass', summary });
export const fail = (layer: string, summary: string, fix: string): CheckResult => ({ layer, status: 'fail', summary, fix });
export const warn = (layer: string, summary: string, fix?: string): CheckResult => ({ layer, status: 'warn', summary, ...(fix ? { fix } : {}) });
export const skip = (layer: string, summary: string): CheckResult => ({ layer, status: 'skip', summary });

/** The first layer that failed, in check order (what the operator fixes first). */
export function firstFailure(results: readonly CheckResult[]): CheckResult | null {
  return results.find((r) => r.status === 'fail') ?? null;
}

/** Why a check did not get an answer: the error's own message, without a stack, shortened. */
export function reason(err: unknown): string {
  const e = err as { message?: unknown; code?: unknown; name?: unknown; cause?: unknown };
  let msg = typeof e?.message === 'string' && e.message ? e.message : String(err);
  // undici hides the network error one level down ("fetch failed").
  if (/^fetch failed$/.test(msg) && e.cause) msg = reason(e.cause);
  msg = msg.split('\n')[0]!;
  return msg.length > 200 ? `${msg.slice(0, 197)}...` : msg;
}
