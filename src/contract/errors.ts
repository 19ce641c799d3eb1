/**
 * The error half of the wire contract: every `kind:surface` code Folio sends, and the JSON
 * error body. Dependency-free: the web bundle imports it too.
 */
import type { TokenScope } from './api.js';

/** The kind decides the HTTP status, in this one table. */
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

/**
 * Every code a FolioError can carry, closed: throwing a code not listed here is a type error, and
 * src/contract/contract.test.ts fails for a listed code nothing throws. Sorted by kind.
 */
export const ERROR_CODES = [
  'bad_request:backup',
  'bad_request:body',
  'bad_request:chat',
  'bad_request:chat_warmup',
  'bad_request:config',
  'bad_request:conversation',
  'bad_request:conversations',
  'bad_request:devices',
  'bad_request:embed',
  'bad_request:episode',
  'bad_request:export',
  'bad_request:identities',
  'bad_request:import',
  'bad_request:job',
  'bad_request:link_code',
  'bad_request:jobs',
  'bad_request:oidc',
  'bad_request:oauth',
  'bad_request:pack',
  'bad_request:passkey',
  'bad_request:passkeys',
  'bad_request:progress',
  'bad_request:progress_reset',
  'bad_request:question_too_long',
  'bad_request:reader_tokens',
  'bad_request:recap',
  'bad_request:request',
  'bad_request:search',
  'bad_request:series',
  'bad_request:storage_key',
  'bad_request:upload',
  'bad_request:wiki',
  'bad_request:world',
  'unauthorized:admin',
  'unauthorized:reader',
  'unauthorized:request',
  'forbidden:admin',
  'forbidden:accounts',
  'forbidden:devices',
  'forbidden:origin',
  'forbidden:reader_tokens',
  'forbidden:scope',
  'not_found:asset',
  'not_found:backup',
  'not_found:conversation',
  'not_found:device',
  'not_found:episode',
  'not_found:identity',
  'not_found:image',
  'not_found:job',
  'not_found:link_code',
  'not_found:media',
  'not_found:oidc',
  'not_found:oidc_flow',
  'not_found:oauth_request',
  'not_found:pack',
  'not_found:pack_file',
  'not_found:passkey',
  'not_found:passkey_challenge',
  'not_found:page',
  'not_found:reader',
  'not_found:reader_token',
  'not_found:route',
  'not_found:series',
  'not_found:wiki',
  'not_found:world',
  'conflict:backup',
  'conflict:conversation',
  'conflict:conversation_full',
  'conflict:database',
  'conflict:embed_model',
  'conflict:last_device',
  'conflict:link_code',
  'conflict:not_started',
  'conflict:passkeys',
  'conflict:reader',
  'conflict:reader_tokens',
  'conflict:restore',
  'conflict:skip_ahead',
  'payload_too_large:body',
  'payload_too_large:chat',
  'payload_too_large:pack',
  'payload_too_large:upload',
  'unsupported_media_type:chat',
  'unsupported_media_type:embed',
  'unsupported_media_type:link_code',
  'unsupported_media_type:passkey',
  'unsupported_media_type:progress',
  'unsupported_media_type:progress_reset',
  'unsupported_media_type:readers',
  'unsupported_media_type:reader_tokens',
  'unsupported_media_type:recap',
  'unsupported_media_type:series',
  'unsupported_media_type:upload',
  'rate_limit:chat',
  'rate_limit:link_code',
  'rate_limit:recap',
  'rate_limit:model',
  'rate_limit:readers',
  'rate_limit:sign_in',
  'internal:restore',
  'internal:server',
  'unavailable:busy',
  'unavailable:cancelled',
  'unavailable:companion',
  'unavailable:database',
  'unavailable:disk_full',
  'unavailable:model',
  'unavailable:model_auth',
  'unavailable:model_not_found',
  'unavailable:model_rejected',
  'unavailable:model_stream',
  'unavailable:model_timeout',
  'unavailable:oidc',
  'unavailable:shutting_down',
  'unavailable:starting',
  'unavailable:vectors',
  'unavailable:vision_empty',
] as const satisfies ReadonlyArray<`${ErrorKind}:${string}`>;

export type ErrorCode = (typeof ERROR_CODES)[number];

/** The surfaces a kind has: `SurfaceOf<'bad_request'>` is every `x` of a `bad_request:x` code. */
export type SurfaceOf<K extends ErrorKind> = ErrorCode extends infer C ? (C extends `${K}:${infer S}` ? S : never) : never;

/** One problem of a refused content pack (`bad_request:pack` from the operator API). */
export interface PackProblemOut {
  file: string;
  line?: number;
  field?: string;
  message: string;
  /** The problem as one line, file and field included (the operator API adds it). */
  text?: string;
}

/** What a FolioError may carry besides its code and message; all of it is sent. */
export interface ErrorDetails {
  /** Seconds to wait before asking again (429 and 503; also the Retry-After header). */
  retryAfter?: number;
  /** `conflict:conversation_full`: the most messages a conversation can hold. */
  maxMessages?: number;
  /** `bad_request:pack`: every problem of the pack. */
  problems?: PackProblemOut[];
  /** `bad_request:question_too_long`: the longest question accepted. */
  maxChars?: number;
  /** `conflict:reader_tokens`: the most assistant tokens a reader can have. */
  limit?: number;
  /** `conflict:skip_ahead`: the episode the reader may open without confirming, and where they are. */
  nextUnreadEpisode?: number | null;
  current?: { episode: number; page: number } | null;
  /** `forbidden:scope`: the scope the assistant token lacks (the reader grants it on the Connect page). */
  scope?: TokenScope;
}

/** The body of every 4xx/5xx JSON answer, and the data of a stream's `data-error` part. */
export interface ErrorBody extends ErrorDetails {
  code: ErrorCode;
  message: string;
}

export interface ErrorResponse {
  error: ErrorBody;
}
