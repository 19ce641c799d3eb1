/**
 * The one typed error of Folio. Its code is `kind:surface` (e.g. `not_found:episode`);
 * the kind decides the HTTP status in one place (http/errors.ts), the surface says where.
 */
export const ERROR_STATUS = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limit: 429,
  internal: 500,
  unavailable: 503,
} as const;

export type ErrorKind = keyof typeof ERROR_STATUS;
export type ErrorCode = `${ErrorKind}:${string}`;

export class FolioError extends Error {
  readonly kind: ErrorKind;
  readonly surface: string;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'FolioError';
    const [kind, ...rest] = code.split(':');
    this.kind = kind as ErrorKind;
    this.surface = rest.join(':');
    this.details = details;
  }

  get code(): ErrorCode {
    return `${this.kind}:${this.surface}`;
  }

  get status(): number {
    return ERROR_STATUS[this.kind];
  }
}

export const isFolioError = (e: unknown): e is FolioError => e instanceof FolioError;

/**
 * The disk Folio writes to is full (ENOSPC anywhere in the cause chain): a typed, readable error
 * instead of a stack trace or an `internal` code. `where` names the directory (FOLIO_DATA_DIR).
 */
export function diskFullError(err: unknown, where: string): FolioError | null {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === 'ENOSPC' || (typeof e.message === 'string' && /ENOSPC|no space left on device/i.test(e.message))) {
      return new FolioError(
        'unavailable:disk_full',
        `The disk is full (no space left on device) under ${where}. Free some space there and run the command again: nothing half-written was published, and what was already imported is intact.`,
      );
    }
  }
  return null;
}

const PG_UNAVAILABLE = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
const NET_UNAVAILABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN']);
/** The server gave up on a statement: statement_timeout (57014 query_canceled) or lock_timeout (55P03). */
const PG_TIMED_OUT = new Set(['57014', '55P03']);

/** Is this (or its cause chain) the database being unreachable or too slow to answer, as opposed to a bug? */
export function isDatabaseUnavailable(err: unknown): boolean {
  for (let e = err as { code?: unknown; message?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (typeof e.code === 'string' && (PG_UNAVAILABLE.has(e.code) || NET_UNAVAILABLE.has(e.code) || PG_TIMED_OUT.has(e.code))) return true;
    if (typeof e.message === 'string' && /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(e.message))
      return true;
  }
  return false;
}

/**
 * Any error as a reader may see it, outside HTTP (streams, MCP tools): a typed error as it is, the
 * database being out of reach as `unavailable:database`, anything else `internal:server` (logged, never shown).
 */
export function asFolioError(err: unknown): FolioError {
  if (err instanceof FolioError) return err;
  if (isDatabaseUnavailable(err)) return new FolioError('unavailable:database', 'The database is unavailable right now; try again in a few seconds.');
  return new FolioError('internal:server', 'Something went wrong on our side. It has been logged.');
}
