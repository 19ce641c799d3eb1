/**
 * Folio's configuration contract. The environment is parsed once at boot by one zod schema;
 * when anything is wrong the process refuses to start with a ConfigError that lists every
 * problem, one per line, each starting with the variable name and ending with the fix.
 * Secret values (passwords, tokens, keys) are never echoed. docs/configuration.md documents
 * every variable; keep the two in step.
 */
import { statSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError, type PgConnection, parsePostgresUrl } from './postgres-url.js';

export type { ConfigProblem, PgConnection } from './postgres-url.js';
export { ConfigError } from './postgres-url.js';

export interface Config {
  port: number;
  host: string;
  dataDir: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; app: PgConnection; direct: PgConnection };
  dbPoolMax: number;
  model: {
    provider: 'auto' | 'none' | 'ollama' | 'openai' | 'anthropic';
    baseUrl: string | undefined;
    apiKey: string | undefined;
    chatModel: string | undefined;
    visionModel: string | undefined;
    embedModel: string;
    modalProxy: { tokenId: string; tokenSecret: string } | undefined;
  };
  s3:
    | {
        endpoint: string | undefined;
        region: string;
        bucket: string;
        accessKeyId: string;
        secretAccessKey: string;
        publicUrlPrefix: string;
      }
    | undefined;
  /**
   * Scheduled backups to a private bucket on the S3 endpoint (FOLIO_BACKUP_BUCKET), how often, how many are
   * kept, and whether `folio serve` restores the newest into an empty database at boot. Unset = none.
   */
  backup: { bucket: string; everyMs: number; keep: number; restoreOnEmpty: boolean } | undefined;
  adminToken: string | undefined;
  corsOrigins: string[];
  /** The origin readers and assistants reach this server at (FOLIO_PUBLIC_URL); null = not configured. */
  publicOrigin: string | null;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  logFormat: 'json' | 'pretty';
  sample: boolean;
  importConcurrency: number;
  /**
   * FOLIO_OCR_LANGS: the OCR languages (tesseract codes such as `eng`, `fra`) for pages without authored text;
   * `auto` = from each series' `language`; `off` = no transcription.
   */
  ocrLanguages: 'auto' | 'off' | string[];
  trustProxy: boolean;
  /** Proxies in front of Folio that append to X-Forwarded-For (the client is that many entries from the right). */
  proxyHops: number;
  /** A header the platform sets to the client's address (Fly-Client-IP, CF-Connecting-IP); null = X-Forwarded-For. */
  clientIpHeader: string | null;
  /** New readers per minute per client address (POST /api/readers); 0 = no limit. */
  readerRatePerIp: number;
  /** Device-link codes entered per minute per client address (POST /api/readers/link); never unlimited. */
  linkRatePerIp: number;
  /** FOLIO_ACCOUNTS: readers may become accounts with passkeys (docs/accounts.md); off = devices and link codes only. */
  accounts: boolean;
  /**
   * A community's OpenID Connect login readers may sign in with (FOLIO_OIDC_*; docs/accounts.md); null = none. The
   * secret goes to the provider's token endpoint and nowhere else (never a log line or an answer).
   */
  oidc: { issuer: string; clientId: string; clientSecret: string } | null;
  /** Answers (chat, recap, MCP) streaming at once in this process; past it a 503 with Retry-After. 0 = no cap. */
  maxStreams: number;
  /** Readers inactive and jobs finished this many days ago are deleted by the `retention` job; 0 = keep everything. */
  retentionDays: number;
  /** On SIGTERM: how long open chat/recap streams (and running jobs) may go on before they are ended. */
  shutdownGraceMs: number;
  jobs: {
    /** `inline`: `folio serve` runs the job worker in-process; `off`: a separate `folio worker` does. */
    worker: 'inline' | 'off';
    concurrency: number;
    maxUploadBytes: number;
    /** How long a worker's claim on a job lasts without renewal (a killed worker's job is resumed after this). */
    leaseMs: number;
  };
  /** The companion (chat): limits and timeouts. */
  chat: {
    maxQuestionChars: number;
    maxMessages: number;
    maxOutputTokens: number;
    /** Chat requests per minute (token bucket); 0 = no limit. */
    ratePerReader: number;
    ratePerIp: number;
    heartbeatMs: number;
    /** Model timeouts: before the first token, between tokens, whole answer; and the auto probe. */
    firstTokenTimeoutMs: number;
    idleTimeoutMs: number;
    totalTimeoutMs: number;
    probeTimeoutMs: number;
  };
}

const PROVIDERS = ['auto', 'none', 'ollama', 'openai', 'anthropic'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const LOG_FORMATS = ['json', 'pretty'] as const;
const S3_REQUIRED = ['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_PUBLIC_URL_PREFIX'] as const;
const S3_ALL = ['S3_ENDPOINT', 'S3_REGION', ...S3_REQUIRED] as const;
const OIDC_ALL = ['FOLIO_OIDC_ISSUER', 'FOLIO_OIDC_CLIENT_ID', 'FOLIO_OIDC_CLIENT_SECRET'] as const;
const ADMIN_TOKEN_MIN = 24;
/** Words of example values (this project's `.env` examples say `change-me…`). */
const PLACEHOLDER = /change[-_ ]?me|placeholder|example|replace[-_ ]?me|your[-_ ]?(admin[-_ ]?)?token|<|>|xxxx/i;

const DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  dataDir: './.folio',
  dbPoolMax: 10,
  provider: 'auto',
  embedModel: 'local',
  s3Region: 'auto',
  logLevel: 'info',
  logFormat: 'json',
  sample: true,
  importConcurrency: 2,
  trustProxy: false,
  proxyHops: 1,
  readerRatePerIp: 30,
  linkRatePerIp: 10,
  accounts: 'on' as 'on' | 'off',
  maxStreams: 500,
  retentionDays: 0,
  backupEveryHours: 24,
  backupKeep: 14,
  shutdownGraceS: 10,
  worker: 'inline',
  jobConcurrency: 1,
  maxUploadMb: 200,
  jobLeaseS: 30,
  chatMaxQuestionChars: 1000,
  chatMaxMessages: 200,
  chatMaxOutputTokens: 800,
  chatRatePerReader: 12,
  chatRatePerIp: 60,
  chatHeartbeatMs: 15_000,
  firstTokenTimeoutMs: 45_000,
  idleTimeoutMs: 30_000,
  totalTimeoutMs: 180_000,
  probeTimeoutMs: 500,
} as const;

// ---------------------------------------------------------------------------------------------
// Field schemas. Each reads one variable: trimmed, and empty counts as unset (→ undefined).
// A bad value adds an issue (the zod path is the variable name) and yields undefined or the raw
// text, so that the cross-variable rules below still see which variables are set.

type Fail = (message: string) => void;

const text = z
  .string()
  .optional()
  .transform((v) => {
    const t = v?.trim();
    return t === '' ? undefined : t;
  });

function variable<T>(parse: (value: string, fail: Fail) => T | undefined) {
  return text.transform((value, ctx): T | undefined => {
    if (value === undefined) return undefined;
    return parse(value, (message) => ctx.addIssue({ code: 'custom', message }));
  });
}

/** Quotes a non-secret value for an error message, shortened and with URL credentials hidden. */
function got(value: string): string {
  const shown = value.replace(/\/\/[^/?#@]*@/, '//***@');
  return JSON.stringify(shown.length > 80 ? `${shown.slice(0, 77)}...` : shown);
}

function integer(name: string, min: number, max: number, fix: string) {
  return variable<number>((value, fail) => {
    const n = /^\d+$/.test(value) ? Number(value) : NaN;
    if (Number.isInteger(n) && n >= min && n <= max) return n;
    fail(`must be an integer between ${min} and ${max} (got ${got(value)}). Fix: ${fix.replace('$NAME', name)}`);
    return undefined;
  });
}

function oneOf<const T extends readonly string[]>(name: string, values: T, fix: string) {
  return variable<T[number]>((value, fail) => {
    const lower = value.toLowerCase();
    if ((values as readonly string[]).includes(lower)) return lower as T[number];
    fail(`must be one of ${values.join(', ')} (got ${got(value)}). Fix: ${fix.replace('$NAME', name)}`);
    return undefined;
  });
}

const TRUE = ['true', '1', 'yes'];
const FALSE = ['false', '0', 'no'];
function boolean(name: string) {
  return variable<boolean>((value, fail) => {
    const lower = value.toLowerCase();
    if (TRUE.includes(lower)) return true;
    if (FALSE.includes(lower)) return false;
    fail(`must be true or false (1/0 and yes/no work too) (got ${got(value)}). Fix: set ${name}=true or ${name}=false.`);
    return undefined;
  });
}

/** An http(s) URL; the trailing slash is removed. Yields the raw text when invalid (it is set). */
function httpUrl(name: string, example: string, opts: { prefix?: boolean } = {}) {
  return variable<string>((value, fail) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      fail(`must be an http:// or https:// URL (got ${got(value)}). Fix: set ${name} to a URL such as ${example}.`);
    } else if (opts.prefix && (url.search !== '' || url.hash !== '')) {
      fail(`must not have a ?query or #fragment: object keys are appended to it (got ${got(value)}). Fix: set ${name} to a URL such as ${example}.`);
    } else {
      return value.replace(/\/+$/, '');
    }
    return value;
  });
}

/** A secret or identifier that must be one word. Never echoed. */
function token(name: string, what: string) {
  return variable<string>((value, fail) => {
    if (/\s/.test(value)) {
      fail(`must be the bare ${what} without spaces or line breaks (remove any "Bearer " prefix or quotes). Fix: set ${name} to the ${what} only.`);
    }
    return value;
  });
}

/** A model name on the provider (e.g. llama3.2:3b, gpt-4o-mini, Qwen/Qwen2.5-VL-7B-Instruct). */
function modelName(name: string) {
  return variable<string>((value, fail) => {
    if (/\s/.test(value)) {
      fail(`must be a model name without spaces (got ${got(value)}). Fix: set ${name} to a name your provider lists, such as llama3.2:3b or gpt-4o-mini.`);
    }
    return value;
  });
}

const HOSTNAME = /^(?=.{1,253}$)(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

const fields = {
  PORT: integer('PORT', 1, 65535, 'set $NAME to a free TCP port such as 3000.'),
  HOST: variable<string>((value, fail) => {
    const bare = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
    if (isIP(bare) || HOSTNAME.test(bare)) return bare;
    fail(
      `must be a hostname or IP address, without scheme or port (got ${got(value)}). ` +
        'Fix: set HOST=127.0.0.1 to accept connections from this machine only, or HOST=0.0.0.0 to listen on all interfaces (containers); the port goes in PORT.',
    );
    return undefined;
  }),
  FOLIO_DATA_DIR: variable<string>((value, fail) => {
    if (value.includes('\0')) {
      fail('must be a directory path (it contains a NUL character). Fix: set FOLIO_DATA_DIR to a writable directory such as ./.folio.');
      return undefined;
    }
    return value;
  }),
  DATABASE_URL: text,
  DATABASE_DIRECT_URL: text,
  FOLIO_DB_POOL_MAX: integer('FOLIO_DB_POOL_MAX', 1, 100, 'set $NAME to the most connections one process may open, such as 10 (lower it on small managed plans).'),
  FOLIO_MODEL: oneOf('FOLIO_MODEL', PROVIDERS, 'set $NAME=auto (local Ollama if reachable, else quote mode), or name the provider.'),
  FOLIO_MODEL_BASE_URL: httpUrl('FOLIO_MODEL_BASE_URL', 'http://127.0.0.1:11434 (Ollama) or http://127.0.0.1:8000/v1 (OpenAI-compatible)'),
  FOLIO_MODEL_API_KEY: token('FOLIO_MODEL_API_KEY', 'API key'),
  FOLIO_CHAT_MODEL: modelName('FOLIO_CHAT_MODEL'),
  FOLIO_VISION_MODEL: modelName('FOLIO_VISION_MODEL'),
  FOLIO_EMBED_MODEL: variable<string>((value, fail) => {
    const lower = value.toLowerCase();
    if (lower === 'local' || lower === 'none') return lower;
    if (/\s/.test(value)) {
      fail(`must be local, none, or a model name without spaces (got ${got(value)}). Fix: set FOLIO_EMBED_MODEL=local for the built-in offline embedder.`);
    }
    return value;
  }),
  MODAL_PROXY_TOKEN_ID: token('MODAL_PROXY_TOKEN_ID', 'Modal proxy token id'),
  MODAL_PROXY_TOKEN_SECRET: token('MODAL_PROXY_TOKEN_SECRET', 'Modal proxy token secret'),
  S3_ENDPOINT: httpUrl('S3_ENDPOINT', 'https://<account>.r2.cloudflarestorage.com or http://127.0.0.1:9000 (MinIO)'),
  S3_REGION: variable<string>((value, fail) => {
    if (/^[A-Za-z0-9-]+$/.test(value)) return value;
    fail(`must be a region name such as auto or us-east-1 (got ${got(value)}). Fix: set S3_REGION=auto for R2, or your bucket's region.`);
    return value;
  }),
  S3_BUCKET: variable<string>((value, fail) => {
    if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..')) return value;
    fail(`must be a bucket name: 3-63 lowercase letters, digits, dots or hyphens (got ${got(value)}). Fix: set S3_BUCKET to the bucket's name only, not its URL.`);
    return value;
  }),
  FOLIO_BACKUP_BUCKET: variable<string>((value, fail) => {
    if (/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(value) && !value.includes('..')) return value;
    fail(`must be a bucket name: 3-63 lowercase letters, digits, dots or hyphens (got ${got(value)}). Fix: set FOLIO_BACKUP_BUCKET to a private bucket's name.`);
    return value;
  }),
  FOLIO_BACKUP_EVERY_HOURS: integer('FOLIO_BACKUP_EVERY_HOURS', 1, 720, 'set $NAME to how many hours apart scheduled backups are, such as 24.'),
  FOLIO_BACKUP_KEEP: integer('FOLIO_BACKUP_KEEP', 1, 1000, 'set $NAME to how many backups to keep in the bucket, such as 14.'),
  FOLIO_RESTORE_ON_EMPTY: boolean('FOLIO_RESTORE_ON_EMPTY'),
  S3_ACCESS_KEY_ID: token('S3_ACCESS_KEY_ID', 'access key id'),
  S3_SECRET_ACCESS_KEY: token('S3_SECRET_ACCESS_KEY', 'secret access key'),
  S3_PUBLIC_URL_PREFIX: httpUrl('S3_PUBLIC_URL_PREFIX', 'https://images.example.com or https://pub-<id>.r2.dev', { prefix: true }),
  ADMIN_TOKEN: variable<string>((value, fail) => {
    if (value.length < ADMIN_TOKEN_MIN || /\s/.test(value)) {
      fail(
        `must be at least ${ADMIN_TOKEN_MIN} characters without spaces (got ${value.length} characters). ` +
          'Fix: generate one with `openssl rand -hex 32`, or unset ADMIN_TOKEN to turn the operator API off.',
      );
    } else if (PLACEHOLDER.test(value) || new Set(value).size < 8) {
      // An example file's value copied as is, or a run of one character: long enough, and known to anyone.
      fail('is a placeholder, not a secret. Fix: generate one with `openssl rand -hex 32`, or unset ADMIN_TOKEN to turn the operator API off.');
    }
    return value;
  }),
  FOLIO_PUBLIC_URL: variable<string>((value, fail) => {
    const origin = exactOrigin(value.replace(/\/+$/, ''));
    if (origin !== undefined) return origin;
    fail(
      `must be the http(s) origin this server is reached at, without a path (got ${got(value)}). Fix: set FOLIO_PUBLIC_URL to a URL such as https://folio.example.com.`,
    );
    return undefined;
  }),
  CORS_ORIGINS: variable<string[]>((value, fail) => {
    const origins: string[] = [];
    for (const entry of value
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean)) {
      const origin = exactOrigin(entry);
      if (origin === undefined) {
        fail(
          `${got(entry)} is not an exact origin${entry.includes('*') ? " ('*' wildcards are not allowed)" : ''}. ` +
            'Fix: list scheme://host[:port] with no path and no trailing slash, e.g. CORS_ORIGINS=https://app.example.com,http://localhost:5173.',
        );
      } else if (!origins.includes(origin)) {
        origins.push(origin);
      }
    }
    return origins;
  }),
  LOG_LEVEL: oneOf('LOG_LEVEL', LOG_LEVELS, 'set $NAME=info (or debug while investigating).'),
  LOG_FORMAT: oneOf('LOG_FORMAT', LOG_FORMATS, 'set $NAME=json for machines or $NAME=pretty for a terminal.'),
  FOLIO_SAMPLE: boolean('FOLIO_SAMPLE'),
  FOLIO_OCR_LANGS: variable<'auto' | 'off' | string[]>((value, fail) => {
    const lower = value.trim().toLowerCase();
    if (lower === 'auto' || lower === 'off') return lower;
    const langs = lower.split(/[+,]/).map((x) => x.trim());
    if (langs.length > 8 || langs.some((x) => !/^[a-z]{3}(_[a-z]{2,4})?$/.test(x))) {
      fail(
        `must be auto, off, or tesseract language codes joined by "+" (got ${got(value)}). ` +
          "Fix: set FOLIO_OCR_LANGS=auto (from each series' language), FOLIO_OCR_LANGS=eng or FOLIO_OCR_LANGS=eng+fra, and install @tesseract.js-data/<code> for each.",
      );
    }
    return [...new Set(langs)];
  }),
  FOLIO_IMPORT_CONCURRENCY: integer('FOLIO_IMPORT_CONCURRENCY', 1, 16, 'set $NAME to how many pages to process in parallel, such as 2 (1 on a Raspberry Pi).'),
  FOLIO_TRUST_PROXY: boolean('FOLIO_TRUST_PROXY'),
  FOLIO_PROXY_HOPS: integer(
    'FOLIO_PROXY_HOPS',
    1,
    10,
    'set $NAME to how many proxies in front of Folio append to X-Forwarded-For: 1 for Fly, nginx or a Cloudflare Tunnel alone, 2 for Cloudflare in front of Fly.',
  ),
  FOLIO_CLIENT_IP_HEADER: variable<string>((value, fail) => {
    // A header name (RFC 9110 token); the platform sets it and overwrites what a client sends.
    if (/^[A-Za-z0-9-]{1,64}$/.test(value)) return value.toLowerCase();
    fail(
      `must be a header name such as Fly-Client-IP or CF-Connecting-IP (got ${got(value)}). Fix: set FOLIO_CLIENT_IP_HEADER to the header your platform sets, or unset it.`,
    );
    return undefined;
  }),
  FOLIO_SHUTDOWN_GRACE_S: integer(
    'FOLIO_SHUTDOWN_GRACE_S',
    0,
    300,
    "set $NAME to how many seconds open chat streams may finish after SIGTERM, such as 10 (keep it below your platform's stop timeout).",
  ),
  FOLIO_WORKER: oneOf(
    'FOLIO_WORKER',
    ['inline', 'off'] as const,
    'set $NAME=inline to run jobs inside `folio serve`, or $NAME=off when a separate `folio worker` runs them.',
  ),
  FOLIO_JOB_CONCURRENCY: integer('FOLIO_JOB_CONCURRENCY', 1, 16, 'set $NAME to how many jobs one worker runs at once, such as 1 (a Raspberry Pi) or 2.'),
  FOLIO_JOB_LEASE_S: integer(
    'FOLIO_JOB_LEASE_S',
    2,
    3600,
    'set $NAME to how many seconds a job may go without a sign of life from its worker before another worker resumes it, such as 30.',
  ),
  FOLIO_MAX_UPLOAD_MB: integer('FOLIO_MAX_UPLOAD_MB', 1, 2048, 'set $NAME to the largest pack or CBZ upload to accept, in MB, such as 200.'),
  FOLIO_CHAT_MAX_QUESTION_CHARS: integer('FOLIO_CHAT_MAX_QUESTION_CHARS', 10, 20_000, 'set $NAME to the longest question a reader may send, such as 1000.'),
  FOLIO_CHAT_MAX_MESSAGES: integer('FOLIO_CHAT_MAX_MESSAGES', 2, 10_000, 'set $NAME to the most messages one conversation may hold, such as 200.'),
  FOLIO_CHAT_MAX_OUTPUT_TOKENS: integer('FOLIO_CHAT_MAX_OUTPUT_TOKENS', 16, 32_000, 'set $NAME to the longest answer in tokens, such as 800.'),
  FOLIO_CHAT_RATE_PER_READER: integer(
    'FOLIO_CHAT_RATE_PER_READER',
    0,
    100_000,
    'set $NAME to the chat messages one reader may send per minute, such as 12 (0 = no limit).',
  ),
  FOLIO_CHAT_RATE_PER_IP: integer('FOLIO_CHAT_RATE_PER_IP', 0, 100_000, 'set $NAME to the chat messages one IP address may send per minute, such as 60 (0 = no limit).'),
  FOLIO_READER_RATE_PER_IP: integer(
    'FOLIO_READER_RATE_PER_IP',
    0,
    100_000,
    'set $NAME to the new readers one IP address may create per minute, such as 30 (0 = no limit).',
  ),
  FOLIO_LINK_RATE_PER_IP: integer(
    'FOLIO_LINK_RATE_PER_IP',
    1,
    1_000,
    'set $NAME to the device-link codes one IP address may try per minute, such as 10 (raise it for many readers behind one address).',
  ),
  FOLIO_ACCOUNTS: oneOf(
    'FOLIO_ACCOUNTS',
    ['on', 'off'] as const,
    'set $NAME=on to let readers make accounts with passkeys, or $NAME=off to keep every reader anonymous (devices linked by code only).',
  ),
  FOLIO_OIDC_ISSUER: variable<string>((value, fail) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    const fix = "Fix: set FOLIO_OIDC_ISSUER to the provider's issuer URL exactly as its discovery document says, such as https://login.example.org/realms/readers.";
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      fail(`must be an https:// URL (got ${got(value)}). ${fix}`);
    } else if (url.protocol === 'http:' && !/^(?:localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i.test(url.hostname)) {
      // Over plain http anyone on the way could read the codes and tokens: only a provider on this machine may use it.
      fail(`must use https:// (http:// only for a provider on this machine: localhost, 127.0.0.1) (got ${got(value)}). ${fix}`);
    } else if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
      fail(`must be a bare issuer URL, without ?query, #fragment or credentials (got ${got(value)}). ${fix}`);
    }
    return value;
  }),
  FOLIO_OIDC_CLIENT_ID: token('FOLIO_OIDC_CLIENT_ID', 'client id'),
  FOLIO_OIDC_CLIENT_SECRET: token('FOLIO_OIDC_CLIENT_SECRET', 'client secret'),
  FOLIO_MAX_STREAMS: integer('FOLIO_MAX_STREAMS', 0, 100_000, 'set $NAME to the answers this process may stream at once, such as 500 (0 = no cap).'),
  FOLIO_RETENTION_DAYS: integer(
    'FOLIO_RETENTION_DAYS',
    0,
    36_500,
    'set $NAME to the days after which an inactive reader (with its progress and conversations) and a finished job are deleted, such as 180 (0 = keep everything).',
  ),
  FOLIO_CHAT_HEARTBEAT_MS: integer(
    'FOLIO_CHAT_HEARTBEAT_MS',
    1_000,
    120_000,
    "set $NAME to how often an idle chat stream sends a keep-alive comment, such as 15000 (below your proxy's idle timeout).",
  ),
  FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: integer(
    'FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS',
    100,
    600_000,
    "set $NAME to how long to wait for a model's first token, such as 45000 (raise it for cold GPUs).",
  ),
  FOLIO_MODEL_IDLE_TIMEOUT_MS: integer(
    'FOLIO_MODEL_IDLE_TIMEOUT_MS',
    100,
    600_000,
    'set $NAME to the longest pause between tokens before an answer is cut off, such as 30000.',
  ),
  FOLIO_MODEL_TOTAL_TIMEOUT_MS: integer('FOLIO_MODEL_TOTAL_TIMEOUT_MS', 1_000, 1_800_000, 'set $NAME to the longest a whole answer may take, such as 180000.'),
  FOLIO_MODEL_PROBE_TIMEOUT_MS: integer(
    'FOLIO_MODEL_PROBE_TIMEOUT_MS',
    50,
    10_000,
    'set $NAME to how long FOLIO_MODEL=auto waits for a local Ollama to answer, such as 500.',
  ),
};

type Env = z.output<z.ZodObject<typeof fields>>;

/** Every environment variable the contract reads (docs and deploy templates are checked against it). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(fields);

/** `https://app.example.com[:port]` exactly: no path, query, credentials or trailing slash. Returns the normalised origin. */
function exactOrigin(entry: string): string | undefined {
  if (!/^https?:\/\/[^/?#@*\s]+$/i.test(entry)) return undefined;
  try {
    const url = new URL(entry);
    return url.origin === 'null' ? undefined : url.origin;
  } catch {
    return undefined;
  }
}

function parseDatabaseUrl(raw: string | undefined, name: string, fail: (p: { variable: string; message: string }) => void) {
  if (raw === undefined) return undefined;
  try {
    return parsePostgresUrl(raw, name);
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    e.problems.forEach(fail);
    return null;
  }
}

function resolveDataDir(env: Env, cwd: string): string {
  return path.resolve(cwd, env.FOLIO_DATA_DIR ?? DEFAULTS.dataDir);
}

/** The whole contract: per-variable schemas, cross-variable rules, then the typed Config. */
function configSchema(cwd: string) {
  return z
    .object(fields)
    .superRefine(
      (env, ctx) => {
        const fail = (variable: string, message: string): void => {
          ctx.addIssue({ code: 'custom', path: [variable], message });
        };
        const isSet = (name: keyof Env): boolean => env[name] !== undefined;

        // Data directory: an existing non-directory would only fail later, less clearly.
        const dataDir = resolveDataDir(env, cwd);
        try {
          if (!statSync(dataDir).isDirectory()) {
            fail(
              'FOLIO_DATA_DIR',
              `${dataDir} exists but is not a directory${isSet('FOLIO_DATA_DIR') ? '' : ' (FOLIO_DATA_DIR defaults to ./.folio)'}. Fix: point FOLIO_DATA_DIR at a directory.`,
            );
          }
        } catch {
          // Missing is fine: it is created on first run.
        }

        // Databases.
        const report = (p: { variable: string; message: string }): void => fail(p.variable, p.message);
        const app = parseDatabaseUrl(env.DATABASE_URL, 'DATABASE_URL', report);
        const direct = parseDatabaseUrl(env.DATABASE_DIRECT_URL, 'DATABASE_DIRECT_URL', report);
        if (direct !== undefined && app === undefined) {
          fail(
            'DATABASE_DIRECT_URL',
            'is set but DATABASE_URL is not. Fix: set DATABASE_URL too (the app connection, may be pooled), or unset DATABASE_DIRECT_URL to use the embedded database.',
          );
        }
        if (app?.pooled && direct === undefined) {
          fail(
            'DATABASE_DIRECT_URL',
            'is required because DATABASE_URL points at a connection pooler (a -pooler host or ?pgbouncer=true); migrations and advisory locks need a session connection. ' +
              'Fix: set DATABASE_DIRECT_URL to the direct URL (for Neon, the same URL without -pooler in the host).',
          );
        }
        if (direct?.pooled) {
          fail(
            'DATABASE_DIRECT_URL',
            'points at a connection pooler (a -pooler host or ?pgbouncer=true), but it must be a direct session connection. Fix: use the direct URL (for Neon, drop -pooler from the host).',
          );
        }

        // Proxy settings mean nothing unless the proxy is trusted: say so rather than ignore them.
        for (const name of ['FOLIO_PROXY_HOPS', 'FOLIO_CLIENT_IP_HEADER'] as const) {
          if (isSet(name) && env.FOLIO_TRUST_PROXY !== true) {
            fail(name, `is set but FOLIO_TRUST_PROXY is not true, so it would be ignored. Fix: set FOLIO_TRUST_PROXY=true (only behind your proxy), or unset ${name}.`);
          }
        }

        // Pairs and groups.
        const modalSet = (['MODAL_PROXY_TOKEN_ID', 'MODAL_PROXY_TOKEN_SECRET'] as const).filter(isSet);
        if (modalSet.length === 1) {
          const [have] = modalSet;
          const missing = have === 'MODAL_PROXY_TOKEN_ID' ? 'MODAL_PROXY_TOKEN_SECRET' : 'MODAL_PROXY_TOKEN_ID';
          fail(missing, `is required because ${have} is set (Modal proxy auth needs both). Fix: set ${missing} too, or unset ${have}.`);
        }

        const s3Set = S3_ALL.filter(isSet);
        if (s3Set.length > 0) {
          for (const name of S3_REQUIRED.filter((n) => !isSet(n))) {
            fail(
              name,
              `is required because ${s3Set.join(', ')} ${s3Set.length === 1 ? 'is' : 'are'} set (S3 storage needs ${S3_REQUIRED.join(', ')}). ` +
                `Fix: set ${name}, or unset every S3_* variable to keep images on local disk.`,
            );
          }
        }

        // OpenID Connect: the provider, and the client registered there for Folio, all three or nothing.
        const oidcSet = OIDC_ALL.filter(isSet);
        if (oidcSet.length > 0) {
          for (const name of OIDC_ALL.filter((n) => !isSet(n))) {
            fail(
              name,
              `is required because ${oidcSet.join(', ')} ${oidcSet.length === 1 ? 'is' : 'are'} set (signing in with OpenID Connect needs ${OIDC_ALL.join(', ')}). ` +
                `Fix: set ${name} to the value of the client registered for Folio at the provider, or unset every FOLIO_OIDC_* variable.`,
            );
          }
        }

        // Backups go to a private bucket beside the (public) image bucket, with the same endpoint and keys.
        if (isSet('FOLIO_BACKUP_BUCKET') && !isSet('S3_BUCKET')) {
          fail(
            'FOLIO_BACKUP_BUCKET',
            'needs S3 storage (the S3_* variables): backups go to a bucket on the same endpoint with the same keys. Fix: set S3_*, or unset FOLIO_BACKUP_BUCKET and use `folio backup`.',
          );
        }
        if (isSet('FOLIO_BACKUP_BUCKET') && env.FOLIO_BACKUP_BUCKET === env.S3_BUCKET) {
          fail(
            'FOLIO_BACKUP_BUCKET',
            "is the image bucket, which browsers read publicly: a backup holds readers, their tokens' hashes and conversations. Fix: create a private bucket and name it here.",
          );
        }
        for (const name of ['FOLIO_BACKUP_EVERY_HOURS', 'FOLIO_BACKUP_KEEP', 'FOLIO_RESTORE_ON_EMPTY'] as const) {
          if (isSet(name) && !isSet('FOLIO_BACKUP_BUCKET'))
            fail(name, `is set but FOLIO_BACKUP_BUCKET is not, so it would be ignored. Fix: set FOLIO_BACKUP_BUCKET, or unset ${name}.`);
        }

        // Provider requirements.
        const provider = env.FOLIO_MODEL ?? DEFAULTS.provider;
        const needs: Record<string, readonly (keyof Env)[]> = {
          openai: ['FOLIO_MODEL_BASE_URL', 'FOLIO_CHAT_MODEL'],
          anthropic: ['FOLIO_MODEL_API_KEY', 'FOLIO_CHAT_MODEL'],
        };
        for (const name of needs[provider] ?? []) {
          if (!isSet(name)) fail(name, `is required when FOLIO_MODEL=${provider}. Fix: set ${name}, or choose another FOLIO_MODEL.`);
        }
        // The first-token wait must fit inside the whole answer's time, or it could never fire.
        const firstToken = env.FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS ?? DEFAULTS.firstTokenTimeoutMs;
        const total = env.FOLIO_MODEL_TOTAL_TIMEOUT_MS ?? DEFAULTS.totalTimeoutMs;
        if (firstToken > total) {
          const culprit = isSet('FOLIO_MODEL_TOTAL_TIMEOUT_MS') ? 'FOLIO_MODEL_TOTAL_TIMEOUT_MS' : 'FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS';
          fail(
            culprit,
            `must leave FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS (${firstToken} ms) no longer than FOLIO_MODEL_TOTAL_TIMEOUT_MS (${total} ms). Fix: raise FOLIO_MODEL_TOTAL_TIMEOUT_MS or lower FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS.`,
          );
        }
        // Page descriptions need a provider to send the images to (the same server as the chat model).
        if (isSet('FOLIO_VISION_MODEL') && provider === 'none') {
          fail(
            'FOLIO_VISION_MODEL',
            `names a vision model (${got(env.FOLIO_VISION_MODEL!)}) but FOLIO_MODEL=none has no model provider to send page images to. ` +
              'Fix: set FOLIO_MODEL to the provider that serves it (ollama, openai or anthropic), or unset FOLIO_VISION_MODEL to import without page descriptions.',
          );
        }
        const embed = env.FOLIO_EMBED_MODEL;
        if (embed !== undefined && embed !== 'local' && embed !== 'none' && (provider === 'none' || provider === 'anthropic')) {
          fail(
            'FOLIO_EMBED_MODEL',
            `names a provider model (${got(embed)}) but FOLIO_MODEL=${provider} ${provider === 'none' ? 'has no provider' : 'has no embeddings API'}. Fix: set FOLIO_EMBED_MODEL=local or none.`,
          );
        }
      },
      // Run even when single variables failed, so that every problem is reported at once.
      { when: () => true },
    )
    .transform((env): Config => {
      const dataDir = resolveDataDir(env, cwd);
      const app = env.DATABASE_URL === undefined ? undefined : parsePostgresUrl(env.DATABASE_URL, 'DATABASE_URL');
      const direct = env.DATABASE_DIRECT_URL === undefined ? app : parsePostgresUrl(env.DATABASE_DIRECT_URL, 'DATABASE_DIRECT_URL');
      const s3 =
        env.S3_BUCKET && env.S3_ACCESS_KEY_ID && env.S3_SECRET_ACCESS_KEY && env.S3_PUBLIC_URL_PREFIX
          ? {
              endpoint: env.S3_ENDPOINT,
              region: env.S3_REGION ?? DEFAULTS.s3Region,
              bucket: env.S3_BUCKET,
              accessKeyId: env.S3_ACCESS_KEY_ID,
              secretAccessKey: env.S3_SECRET_ACCESS_KEY,
              publicUrlPrefix: env.S3_PUBLIC_URL_PREFIX,
            }
          : undefined;
      const backup = env.FOLIO_BACKUP_BUCKET
        ? {
            bucket: env.FOLIO_BACKUP_BUCKET,
            everyMs: (env.FOLIO_BACKUP_EVERY_HOURS ?? DEFAULTS.backupEveryHours) * 3_600_000,
            keep: env.FOLIO_BACKUP_KEEP ?? DEFAULTS.backupKeep,
            restoreOnEmpty: env.FOLIO_RESTORE_ON_EMPTY ?? false,
          }
        : undefined;
      return {
        port: env.PORT ?? DEFAULTS.port,
        host: env.HOST ?? DEFAULTS.host,
        dataDir,
        database: app && direct ? { kind: 'postgres', app, direct } : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
        dbPoolMax: env.FOLIO_DB_POOL_MAX ?? DEFAULTS.dbPoolMax,
        model: {
          provider: env.FOLIO_MODEL ?? DEFAULTS.provider,
          baseUrl: env.FOLIO_MODEL_BASE_URL,
          apiKey: env.FOLIO_MODEL_API_KEY,
          chatModel: env.FOLIO_CHAT_MODEL,
          visionModel: env.FOLIO_VISION_MODEL,
          embedModel: env.FOLIO_EMBED_MODEL ?? DEFAULTS.embedModel,
          modalProxy:
            env.MODAL_PROXY_TOKEN_ID && env.MODAL_PROXY_TOKEN_SECRET ? { tokenId: env.MODAL_PROXY_TOKEN_ID, tokenSecret: env.MODAL_PROXY_TOKEN_SECRET } : undefined,
        },
        s3,
        backup,
        adminToken: env.ADMIN_TOKEN,
        corsOrigins: env.CORS_ORIGINS ?? [],
        publicOrigin: env.FOLIO_PUBLIC_URL ?? null,
        logLevel: env.LOG_LEVEL ?? DEFAULTS.logLevel,
        logFormat: env.LOG_FORMAT ?? DEFAULTS.logFormat,
        sample: env.FOLIO_SAMPLE ?? DEFAULTS.sample,
        importConcurrency: env.FOLIO_IMPORT_CONCURRENCY ?? DEFAULTS.importConcurrency,
        ocrLanguages: env.FOLIO_OCR_LANGS ?? 'auto',
        trustProxy: env.FOLIO_TRUST_PROXY ?? DEFAULTS.trustProxy,
        proxyHops: env.FOLIO_PROXY_HOPS ?? DEFAULTS.proxyHops,
        clientIpHeader: env.FOLIO_CLIENT_IP_HEADER ?? null,
        readerRatePerIp: env.FOLIO_READER_RATE_PER_IP ?? DEFAULTS.readerRatePerIp,
        linkRatePerIp: env.FOLIO_LINK_RATE_PER_IP ?? DEFAULTS.linkRatePerIp,
        accounts: (env.FOLIO_ACCOUNTS ?? DEFAULTS.accounts) === 'on',
        oidc:
          env.FOLIO_OIDC_ISSUER && env.FOLIO_OIDC_CLIENT_ID && env.FOLIO_OIDC_CLIENT_SECRET
            ? { issuer: env.FOLIO_OIDC_ISSUER, clientId: env.FOLIO_OIDC_CLIENT_ID, clientSecret: env.FOLIO_OIDC_CLIENT_SECRET }
            : null,
        retentionDays: env.FOLIO_RETENTION_DAYS ?? DEFAULTS.retentionDays,
        maxStreams: env.FOLIO_MAX_STREAMS ?? DEFAULTS.maxStreams,
        shutdownGraceMs: (env.FOLIO_SHUTDOWN_GRACE_S ?? DEFAULTS.shutdownGraceS) * 1000,
        jobs: {
          worker: env.FOLIO_WORKER ?? DEFAULTS.worker,
          concurrency: env.FOLIO_JOB_CONCURRENCY ?? DEFAULTS.jobConcurrency,
          maxUploadBytes: (env.FOLIO_MAX_UPLOAD_MB ?? DEFAULTS.maxUploadMb) * 1024 * 1024,
          leaseMs: (env.FOLIO_JOB_LEASE_S ?? DEFAULTS.jobLeaseS) * 1000,
        },
        chat: {
          maxQuestionChars: env.FOLIO_CHAT_MAX_QUESTION_CHARS ?? DEFAULTS.chatMaxQuestionChars,
          maxMessages: env.FOLIO_CHAT_MAX_MESSAGES ?? DEFAULTS.chatMaxMessages,
          maxOutputTokens: env.FOLIO_CHAT_MAX_OUTPUT_TOKENS ?? DEFAULTS.chatMaxOutputTokens,
          ratePerReader: env.FOLIO_CHAT_RATE_PER_READER ?? DEFAULTS.chatRatePerReader,
          ratePerIp: env.FOLIO_CHAT_RATE_PER_IP ?? DEFAULTS.chatRatePerIp,
          heartbeatMs: env.FOLIO_CHAT_HEARTBEAT_MS ?? DEFAULTS.chatHeartbeatMs,
          firstTokenTimeoutMs: env.FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS ?? DEFAULTS.firstTokenTimeoutMs,
          idleTimeoutMs: env.FOLIO_MODEL_IDLE_TIMEOUT_MS ?? DEFAULTS.idleTimeoutMs,
          totalTimeoutMs: env.FOLIO_MODEL_TOTAL_TIMEOUT_MS ?? DEFAULTS.totalTimeoutMs,
          probeTimeoutMs: env.FOLIO_MODEL_PROBE_TIMEOUT_MS ?? DEFAULTS.probeTimeoutMs,
        },
      };
    });
}

/**
 * Parses the environment into a Config, or throws a ConfigError listing every problem (one
 * line per problem, starting with the variable). Call once at boot and pass the result down.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env, opts: { cwd?: string } = {}): Config {
  const result = configSchema(opts.cwd ?? process.cwd()).safeParse(env);
  if (result.success) return result.data;

  const seen = new Set<string>();
  const problems = result.error.issues
    .map((issue) => ({
      variable: typeof issue.path[0] === 'string' ? issue.path[0] : '(environment)',
      // Our messages never contain values of secrets; zod's own (e.g. a non-string value) do not either.
      message: issue.message,
    }))
    .filter((p) => {
      const key = `${p.variable}\n${p.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  throw new ConfigError(problems);
}
