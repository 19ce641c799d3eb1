import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type Config, ConfigError, loadConfig } from './env.js';

const CWD = '/srv/folio';
const load = (env: Record<string, string | undefined>): Config => loadConfig(env, { cwd: CWD });

/** Loads `env`, expects a ConfigError, checks every line names a variable, returns the lines. */
function problems(env: Record<string, string | undefined>, cwd = CWD): string[] {
  try {
    loadConfig(env, { cwd });
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const lines = (e as ConfigError).message.split('\n');
    for (const line of lines) expect(line).toMatch(/^[A-Z][A-Z0-9_]*: /);
    return lines;
  }
  throw new Error(`expected ${JSON.stringify(env)} to be rejected`);
}

/** The single line about `variable`, asserting there is exactly one. */
function problemFor(env: Record<string, string | undefined>, variable: string): string {
  const lines = problems(env).filter((l) => l.startsWith(`${variable}: `));
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

const PG = 'postgres://folio:pg-pass-123@db.example.com:5432/folio';
const S3 = {
  S3_BUCKET: 'folio-images',
  S3_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
  S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-s3-secret',
  S3_PUBLIC_URL_PREFIX: 'https://images.example.com/',
};

describe('loadConfig defaults', () => {
  it('an empty environment gives the embedded defaults', () => {
    expect(load({})).toEqual({
      port: 3000,
      host: '127.0.0.1',
      dataDir: '/srv/folio/.folio',
      database: { kind: 'pglite', dataDir: '/srv/folio/.folio/pglite' },
      dbPoolMax: 10,
      model: {
        provider: 'auto',
        baseUrl: undefined,
        apiKey: undefined,
        chatModel: undefined,
        visionModel: undefined,
        embedModel: 'local',
        modalProxy: undefined,
      },
      s3: undefined,
      backup: undefined,
      adminToken: undefined,
      corsOrigins: [],
      publicOrigin: null,
      logLevel: 'info',
      logFormat: 'json',
      sample: true,
      importConcurrency: 2,
      ocrLanguages: 'auto',
      trustProxy: false,
      proxyHops: 1,
      clientIpHeader: null,
      readerRatePerIp: 30,
      linkRatePerIp: 10,
      accounts: true,
      oidc: null,
      maxStreams: 500,
      retentionDays: 0,
      shutdownGraceMs: 10_000,
      jobs: { worker: 'inline', concurrency: 1, maxUploadBytes: 200 * 1024 * 1024, leaseMs: 30_000 },
      chat: {
        maxQuestionChars: 1000,
        maxMessages: 200,
        maxOutputTokens: 800,
        ratePerReader: 12,
        ratePerIp: 60,
        heartbeatMs: 15_000,
        firstTokenTimeoutMs: 45_000,
        idleTimeoutMs: 30_000,
        totalTimeoutMs: 180_000,
        probeTimeoutMs: 500,
      },
    } satisfies Config);
  });

  it('empty and blank strings count as unset', () => {
    const blank = Object.fromEntries(
      ['PORT', 'HOST', 'FOLIO_DATA_DIR', 'DATABASE_URL', 'DATABASE_DIRECT_URL', 'FOLIO_MODEL', 'S3_BUCKET', 'MODAL_PROXY_TOKEN_ID', 'ADMIN_TOKEN', 'FOLIO_SAMPLE'].map(
        (k, i) => [k, i % 2 ? '' : '   '],
      ),
    );
    expect(load(blank)).toEqual(load({}));
  });

  it('ignores unrelated variables', () => {
    expect(load({ PATH: '/usr/bin', HOME: '/root', FOLIO_TEST_DB: 'pglite' })).toEqual(load({}));
  });

  it('defaults to process.env and process.cwd()', () => {
    vi.stubEnv('PORT', '4321');
    vi.stubEnv('FOLIO_DATA_DIR', 'folio-data');
    try {
      expect(loadConfig()).toMatchObject({ port: 4321, dataDir: path.resolve(process.cwd(), 'folio-data') });
    } finally {
      vi.unstubAllEnvs();
    }
  });
});

describe('loadConfig values', () => {
  it('reads every variable', () => {
    const config = load({
      PORT: '8080',
      HOST: '0.0.0.0',
      FOLIO_DATA_DIR: '/var/lib/folio',
      DATABASE_URL: PG,
      FOLIO_DB_POOL_MAX: '25',
      FOLIO_MODEL: 'openai',
      FOLIO_MODEL_BASE_URL: 'http://127.0.0.1:8000/v1/',
      FOLIO_MODEL_API_KEY: 'sk-test-key',
      FOLIO_CHAT_MODEL: 'Qwen/Qwen2.5-7B-Instruct',
      FOLIO_VISION_MODEL: 'qwen2.5vl:7b',
      FOLIO_EMBED_MODEL: 'nomic-embed-text',
      MODAL_PROXY_TOKEN_ID: 'wk-abc',
      MODAL_PROXY_TOKEN_SECRET: 'ws-def',
      S3_ENDPOINT: 'https://acct.r2.cloudflarestorage.com/',
      ...S3,
      ADMIN_TOKEN: '3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f113f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11',
      CORS_ORIGINS: 'https://app.example.com, http://localhost:5173,https://APP.example.com',
      FOLIO_PUBLIC_URL: 'https://Folio.Example.com/',
      LOG_LEVEL: 'DEBUG',
      LOG_FORMAT: 'pretty',
      FOLIO_SAMPLE: 'No',
      FOLIO_IMPORT_CONCURRENCY: '16',
      FOLIO_OCR_LANGS: 'eng+fra',
      FOLIO_TRUST_PROXY: 'YES',
      FOLIO_PROXY_HOPS: '2',
      FOLIO_CLIENT_IP_HEADER: 'Fly-Client-IP',
      FOLIO_READER_RATE_PER_IP: '0',
      FOLIO_LINK_RATE_PER_IP: '200',
      FOLIO_ACCOUNTS: 'off',
      FOLIO_OIDC_ISSUER: 'https://login.example.org/realms/readers',
      FOLIO_OIDC_CLIENT_ID: 'folio',
      FOLIO_OIDC_CLIENT_SECRET: 'oidc-client-secret-1234',
      FOLIO_MAX_STREAMS: '40',
      FOLIO_RETENTION_DAYS: '180',
      FOLIO_WORKER: 'OFF',
      FOLIO_JOB_CONCURRENCY: '4',
      FOLIO_MAX_UPLOAD_MB: '50',
      FOLIO_JOB_LEASE_S: '5',
      FOLIO_SHUTDOWN_GRACE_S: '25',
    });
    expect(config).toMatchObject({
      port: 8080,
      host: '0.0.0.0',
      dataDir: '/var/lib/folio',
      dbPoolMax: 25,
      model: {
        provider: 'openai',
        baseUrl: 'http://127.0.0.1:8000/v1',
        apiKey: 'sk-test-key',
        chatModel: 'Qwen/Qwen2.5-7B-Instruct',
        visionModel: 'qwen2.5vl:7b',
        embedModel: 'nomic-embed-text',
        modalProxy: { tokenId: 'wk-abc', tokenSecret: 'ws-def' },
      },
      s3: {
        endpoint: 'https://acct.r2.cloudflarestorage.com',
        region: 'auto',
        bucket: 'folio-images',
        accessKeyId: 'AKIAEXAMPLEKEYID',
        secretAccessKey: 'wJalrXUtnFEMI-s3-secret',
        publicUrlPrefix: 'https://images.example.com',
      },
      adminToken: '3f9c1e7a5b2d4c6e8f0a1b3c5d7e9f113f9c1e7a5b2d4c6e8f0a1b3c5d7e9f11',
      corsOrigins: ['https://app.example.com', 'http://localhost:5173'],
      publicOrigin: 'https://folio.example.com',
      logLevel: 'debug',
      logFormat: 'pretty',
      sample: false,
      importConcurrency: 16,
      ocrLanguages: ['eng', 'fra'],
      trustProxy: true,
      proxyHops: 2,
      clientIpHeader: 'fly-client-ip',
      readerRatePerIp: 0,
      linkRatePerIp: 200,
      accounts: false,
      oidc: { issuer: 'https://login.example.org/realms/readers', clientId: 'folio', clientSecret: 'oidc-client-secret-1234' },
      maxStreams: 40,
      retentionDays: 180,
      shutdownGraceMs: 25_000,
      jobs: { worker: 'off', concurrency: 4, maxUploadBytes: 50 * 1024 * 1024, leaseMs: 5_000 },
    });
    expect(config.database).toEqual({
      kind: 'postgres',
      app: expect.objectContaining({ host: 'db.example.com', password: 'pg-pass-123', pooled: false }),
      direct: expect.objectContaining({ host: 'db.example.com' }),
    });
  });

  it('resolves FOLIO_DATA_DIR against opts.cwd', () => {
    expect(load({ FOLIO_DATA_DIR: 'data' })).toMatchObject({
      dataDir: '/srv/folio/data',
      database: { kind: 'pglite', dataDir: '/srv/folio/data/pglite' },
    });
  });

  it('DATABASE_DIRECT_URL defaults to DATABASE_URL, or is parsed on its own', () => {
    const same = load({ DATABASE_URL: PG }).database;
    expect(same.kind === 'postgres' && same.direct).toEqual(same.kind === 'postgres' && same.app);

    const split = load({
      DATABASE_URL: 'postgresql://u:p@ep-x-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require',
      DATABASE_DIRECT_URL: 'postgresql://u:p@ep-x.us-east-2.aws.neon.tech/neondb?sslmode=require',
    }).database;
    expect(split.kind).toBe('postgres');
    if (split.kind !== 'postgres') return;
    expect(split.app.pooled).toBe(true);
    expect(split.direct.pooled).toBe(false);
    expect(split.direct.host).toBe('ep-x.us-east-2.aws.neon.tech');
  });

  it('accepts true/false/1/0/yes/no in any case for booleans', () => {
    for (const [v, b] of [
      ['true', true],
      ['FALSE', false],
      ['1', true],
      ['0', false],
      ['Yes', true],
      ['no', false],
    ] as const) {
      expect(load({ FOLIO_SAMPLE: v, FOLIO_TRUST_PROXY: v })).toMatchObject({ sample: b, trustProxy: b });
    }
  });

  it('accepts IPv6 and host names for HOST', () => {
    expect(load({ HOST: '::' }).host).toBe('::');
    expect(load({ HOST: '[::1]' }).host).toBe('::1');
    expect(load({ HOST: 'folio.internal' }).host).toBe('folio.internal');
  });
});

describe('loadConfig rejects each misconfigured variable, naming it', () => {
  it.each([
    ['PORT', 'abc', 'PORT: must be an integer between 1 and 65535 (got "abc"). Fix: set PORT to a free TCP port such as 3000.'],
    ['PORT', '70000', 'PORT: must be an integer between 1 and 65535 (got "70000")'],
    ['PORT', '3000.5', 'PORT: must be an integer'],
    ['HOST', 'http://0.0.0.0:3000', 'HOST: must be a hostname or IP address, without scheme or port (got "http://0.0.0.0:3000")'],
    ['FOLIO_DATA_DIR', 'bad\0dir', 'FOLIO_DATA_DIR: must be a directory path'],
    ['DATABASE_URL', 'mysql://root:pw@db/folio', 'DATABASE_URL: must start with postgres:// or postgresql:// (got mysql://…)'],
    ['FOLIO_DB_POOL_MAX', '0', 'FOLIO_DB_POOL_MAX: must be an integer between 1 and 100 (got "0")'],
    ['FOLIO_DB_POOL_MAX', '101', 'FOLIO_DB_POOL_MAX: must be an integer between 1 and 100 (got "101")'],
    ['FOLIO_MODEL', 'gpt', 'FOLIO_MODEL: must be one of auto, none, ollama, openai, anthropic (got "gpt")'],
    ['FOLIO_MODEL_BASE_URL', 'localhost:11434', 'FOLIO_MODEL_BASE_URL: must be an http:// or https:// URL (got "localhost:11434")'],
    ['FOLIO_MODEL_BASE_URL', 'ftp://models.example.com', 'FOLIO_MODEL_BASE_URL: must be an http:// or https:// URL'],
    ['FOLIO_MODEL_API_KEY', 'Bearer sk-abc', 'FOLIO_MODEL_API_KEY: must be the bare API key without spaces'],
    ['FOLIO_CHAT_MODEL', 'llama 3', 'FOLIO_CHAT_MODEL: must be a model name without spaces (got "llama 3")'],
    ['FOLIO_VISION_MODEL', 'qwen vl', 'FOLIO_VISION_MODEL: must be a model name without spaces (got "qwen vl")'],
    ['FOLIO_EMBED_MODEL', 'nomic embed', 'FOLIO_EMBED_MODEL: must be local, none, or a model name without spaces (got "nomic embed")'],
    ['ADMIN_TOKEN', 'short', 'ADMIN_TOKEN: must be at least 24 characters without spaces (got 5 characters). Fix: generate one with `openssl rand -hex 32`'],
    ['CORS_ORIGINS', 'https://app.example.com/', 'CORS_ORIGINS: "https://app.example.com/" is not an exact origin.'],
    ['LOG_LEVEL', 'verbose', 'LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'],
    ['LOG_FORMAT', 'text', 'LOG_FORMAT: must be one of json, pretty (got "text")'],
    ['FOLIO_SAMPLE', 'maybe', 'FOLIO_SAMPLE: must be true or false (1/0 and yes/no work too) (got "maybe")'],
    ['FOLIO_OCR_LANGS', 'english', 'FOLIO_OCR_LANGS: must be auto, off, or tesseract language codes joined by "+" (got "english")'],
    ['FOLIO_IMPORT_CONCURRENCY', '17', 'FOLIO_IMPORT_CONCURRENCY: must be an integer between 1 and 16 (got "17")'],
    ['FOLIO_IMPORT_CONCURRENCY', '-1', 'FOLIO_IMPORT_CONCURRENCY: must be an integer between 1 and 16 (got "-1")'],
    ['FOLIO_TRUST_PROXY', 'on', 'FOLIO_TRUST_PROXY: must be true or false (1/0 and yes/no work too) (got "on")'],
    ['FOLIO_PROXY_HOPS', '0', 'FOLIO_PROXY_HOPS: must be an integer between 1 and 10 (got "0"). Fix: set FOLIO_PROXY_HOPS to how many proxies'],
    ['FOLIO_CLIENT_IP_HEADER', 'X Real IP', 'FOLIO_CLIENT_IP_HEADER: must be a header name such as Fly-Client-IP or CF-Connecting-IP (got "X Real IP")'],
    ['FOLIO_READER_RATE_PER_IP', '-5', 'FOLIO_READER_RATE_PER_IP: must be an integer between 0 and 100000 (got "-5")'],
    ['FOLIO_LINK_RATE_PER_IP', '0', 'FOLIO_LINK_RATE_PER_IP: must be an integer between 1 and 1000 (got "0")'],
    ['FOLIO_ACCOUNTS', 'no', 'FOLIO_ACCOUNTS: must be one of on, off (got "no"). Fix: set FOLIO_ACCOUNTS=on'],
    ['FOLIO_OIDC_ISSUER', 'login.example.org', 'FOLIO_OIDC_ISSUER: must be an https:// URL (got "login.example.org"). Fix: set FOLIO_OIDC_ISSUER'],
    ['FOLIO_OIDC_ISSUER', 'ftp://login.example.org', 'FOLIO_OIDC_ISSUER: must be an https:// URL'],
    ['FOLIO_OIDC_ISSUER', 'http://login.example.org', 'FOLIO_OIDC_ISSUER: must use https:// (http:// only for a provider on this machine'],
    ['FOLIO_OIDC_ISSUER', 'http://192.168.1.20:8080', 'FOLIO_OIDC_ISSUER: must use https://'],
    ['FOLIO_OIDC_ISSUER', 'https://login.example.org/?realm=x', 'FOLIO_OIDC_ISSUER: must be a bare issuer URL, without ?query'],
    ['FOLIO_OIDC_CLIENT_ID', 'my folio', 'FOLIO_OIDC_CLIENT_ID: must be the bare client id without spaces'],
    ['FOLIO_MAX_STREAMS', 'many', 'FOLIO_MAX_STREAMS: must be an integer between 0 and 100000 (got "many")'],
    ['FOLIO_PUBLIC_URL', 'https://folio.example.com/app', 'FOLIO_PUBLIC_URL: must be the http(s) origin this server is reached at, without a path'],
    ['FOLIO_PUBLIC_URL', 'folio.example.com', 'FOLIO_PUBLIC_URL: must be the http(s) origin'],
    ['ADMIN_TOKEN', 'change-me-to-64-hex-characters-from-openssl-rand', 'ADMIN_TOKEN: is a placeholder, not a secret. Fix: generate one with `openssl rand -hex 32`'],
    ['ADMIN_TOKEN', '<paste a token from openssl rand -hex 32>', 'ADMIN_TOKEN: must be at least'],
    ['ADMIN_TOKEN', '0'.repeat(64), 'ADMIN_TOKEN: is a placeholder, not a secret.'],
    ['FOLIO_WORKER', 'separate', 'FOLIO_WORKER: must be one of inline, off (got "separate"). Fix: set FOLIO_WORKER=inline'],
    ['FOLIO_JOB_CONCURRENCY', '0', 'FOLIO_JOB_CONCURRENCY: must be an integer between 1 and 16 (got "0"). Fix: set FOLIO_JOB_CONCURRENCY'],
    ['FOLIO_JOB_LEASE_S', '1', 'FOLIO_JOB_LEASE_S: must be an integer between 2 and 3600 (got "1"). Fix: set FOLIO_JOB_LEASE_S'],
    ['FOLIO_SHUTDOWN_GRACE_S', '10s', 'FOLIO_SHUTDOWN_GRACE_S: must be an integer between 0 and 300 (got "10s"). Fix: set FOLIO_SHUTDOWN_GRACE_S'],
    ['FOLIO_SHUTDOWN_GRACE_S', '301', 'FOLIO_SHUTDOWN_GRACE_S: must be an integer between 0 and 300 (got "301")'],
    ['FOLIO_MAX_UPLOAD_MB', '1e3', 'FOLIO_MAX_UPLOAD_MB: must be an integer between 1 and 2048 (got "1e3"). Fix: set FOLIO_MAX_UPLOAD_MB'],
  ])('%s=%j', (variable, value, expected) => {
    expect(problemFor({ [variable]: value }, variable).startsWith(expected)).toBe(true);
  });

  it('DATABASE_DIRECT_URL: a bad value', () => {
    expect(problemFor({ DATABASE_URL: PG, DATABASE_DIRECT_URL: 'postgres://u@host' }, 'DATABASE_DIRECT_URL')).toBe(
      'DATABASE_DIRECT_URL: must name a database after the host (e.g. postgres://user:password@host:5432/folio).',
    );
  });

  it('MODAL_PROXY_TOKEN_ID and _SECRET: a bad value', () => {
    const lines = problems({ MODAL_PROXY_TOKEN_ID: 'wk abc', MODAL_PROXY_TOKEN_SECRET: 'ws abc' });
    expect(lines.map((l) => l.split(':')[0])).toEqual(['MODAL_PROXY_TOKEN_ID', 'MODAL_PROXY_TOKEN_SECRET']);
  });

  it.each([
    ['S3_ENDPOINT', 'r2.example.com', 'S3_ENDPOINT: must be an http:// or https:// URL (got "r2.example.com")'],
    ['S3_REGION', 'us east', 'S3_REGION: must be a region name such as auto or us-east-1 (got "us east")'],
    ['S3_BUCKET', 'https://x.r2.dev/Images', 'S3_BUCKET: must be a bucket name'],
    ['S3_ACCESS_KEY_ID', 'AKIA EXAMPLE', 'S3_ACCESS_KEY_ID: must be the bare access key id without spaces'],
    ['S3_SECRET_ACCESS_KEY', 'wJal rXUt', 'S3_SECRET_ACCESS_KEY: must be the bare secret access key without spaces'],
    ['S3_PUBLIC_URL_PREFIX', 'images.example.com', 'S3_PUBLIC_URL_PREFIX: must be an http:// or https:// URL'],
    ['S3_PUBLIC_URL_PREFIX', 'https://images.example.com/?v=1', 'S3_PUBLIC_URL_PREFIX: must not have a ?query or #fragment'],
  ])('%s=%j (with the rest of S3 set)', (variable, value, expected) => {
    expect(problemFor({ ...S3, [variable]: value }, variable).startsWith(expected)).toBe(true);
  });

  it('FOLIO_DATA_DIR: an existing file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'folio-config-'));
    try {
      writeFileSync(path.join(dir, 'file'), 'x');
      const lines = problems({ FOLIO_DATA_DIR: 'file' }, dir);
      expect(lines).toEqual([`FOLIO_DATA_DIR: ${path.join(dir, 'file')} exists but is not a directory. Fix: point FOLIO_DATA_DIR at a directory.`]);
      // The default ./.folio is checked too.
      writeFileSync(path.join(dir, '.folio'), 'x');
      expect(problems({}, dir)).toEqual([
        `FOLIO_DATA_DIR: ${path.join(dir, '.folio')} exists but is not a directory (FOLIO_DATA_DIR defaults to ./.folio). Fix: point FOLIO_DATA_DIR at a directory.`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('CORS_ORIGINS: names each invalid entry', () => {
    const lines = problems({ CORS_ORIGINS: 'https://ok.example.com,*,https://a.example.com/path,app.example.com,https://u:p@x.com' });
    expect(lines.map((l) => l.slice(0, l.indexOf(' is not')))).toEqual([
      'CORS_ORIGINS: "*"',
      'CORS_ORIGINS: "https://a.example.com/path"',
      'CORS_ORIGINS: "app.example.com"',
      'CORS_ORIGINS: "https://***@x.com"',
    ]);
    expect(lines[0]).toContain("'*' wildcards are not allowed");
  });
});

describe('loadConfig cross-variable rules', () => {
  it('proxy hops or a client address header without FOLIO_TRUST_PROXY=true', () => {
    for (const trust of [undefined, 'false']) {
      expect(problems({ FOLIO_TRUST_PROXY: trust, FOLIO_PROXY_HOPS: '2', FOLIO_CLIENT_IP_HEADER: 'CF-Connecting-IP' })).toEqual([
        'FOLIO_PROXY_HOPS: is set but FOLIO_TRUST_PROXY is not true, so it would be ignored. Fix: set FOLIO_TRUST_PROXY=true (only behind your proxy), or unset FOLIO_PROXY_HOPS.',
        'FOLIO_CLIENT_IP_HEADER: is set but FOLIO_TRUST_PROXY is not true, so it would be ignored. Fix: set FOLIO_TRUST_PROXY=true (only behind your proxy), or unset FOLIO_CLIENT_IP_HEADER.',
      ]);
    }
    expect(load({ FOLIO_TRUST_PROXY: 'true', FOLIO_PROXY_HOPS: '2', FOLIO_CLIENT_IP_HEADER: 'CF-Connecting-IP' })).toMatchObject({
      proxyHops: 2,
      clientIpHeader: 'cf-connecting-ip',
    });
  });

  it('one Modal proxy token without the other', () => {
    expect(problems({ MODAL_PROXY_TOKEN_ID: 'wk-abc' })).toEqual([
      'MODAL_PROXY_TOKEN_SECRET: is required because MODAL_PROXY_TOKEN_ID is set (Modal proxy auth needs both). Fix: set MODAL_PROXY_TOKEN_SECRET too, or unset MODAL_PROXY_TOKEN_ID.',
    ]);
    expect(problems({ MODAL_PROXY_TOKEN_SECRET: 'ws-secret-value' })).toEqual([
      'MODAL_PROXY_TOKEN_ID: is required because MODAL_PROXY_TOKEN_SECRET is set (Modal proxy auth needs both). Fix: set MODAL_PROXY_TOKEN_ID too, or unset MODAL_PROXY_TOKEN_SECRET.',
    ]);
  });

  it('OpenID Connect: all three or none, naming each missing one', () => {
    expect(problems({ FOLIO_OIDC_ISSUER: 'https://login.example.org' })).toEqual([
      'FOLIO_OIDC_CLIENT_ID: is required because FOLIO_OIDC_ISSUER is set (signing in with OpenID Connect needs FOLIO_OIDC_ISSUER, FOLIO_OIDC_CLIENT_ID, FOLIO_OIDC_CLIENT_SECRET). Fix: set FOLIO_OIDC_CLIENT_ID to the value of the client registered for Folio at the provider, or unset every FOLIO_OIDC_* variable.',
      'FOLIO_OIDC_CLIENT_SECRET: is required because FOLIO_OIDC_ISSUER is set (signing in with OpenID Connect needs FOLIO_OIDC_ISSUER, FOLIO_OIDC_CLIENT_ID, FOLIO_OIDC_CLIENT_SECRET). Fix: set FOLIO_OIDC_CLIENT_SECRET to the value of the client registered for Folio at the provider, or unset every FOLIO_OIDC_* variable.',
    ]);
    const two = problems({ FOLIO_OIDC_CLIENT_ID: 'folio', FOLIO_OIDC_CLIENT_SECRET: 'oidc-SECRET-1234' });
    expect(two.map((l) => l.split(':')[0])).toEqual(['FOLIO_OIDC_ISSUER']);
    expect(two[0]).toContain('because FOLIO_OIDC_CLIENT_ID, FOLIO_OIDC_CLIENT_SECRET are set');
    expect(two.join('\n')).not.toContain('SECRET-1234');
    // On loopback a provider may be plain http (a laptop, the tests); the URL is kept as given (the issuer must match).
    expect(load({ FOLIO_OIDC_ISSUER: 'http://127.0.0.1:9000/', FOLIO_OIDC_CLIENT_ID: 'folio', FOLIO_OIDC_CLIENT_SECRET: 's3cret' }).oidc).toEqual({
      issuer: 'http://127.0.0.1:9000/',
      clientId: 'folio',
      clientSecret: 's3cret',
    });
    expect(load({ FOLIO_OIDC_ISSUER: 'http://localhost:9000', FOLIO_OIDC_CLIENT_ID: 'folio', FOLIO_OIDC_CLIENT_SECRET: 's3cret' }).oidc?.issuer).toBe(
      'http://localhost:9000',
    );
  });

  it('any S3 variable requires the whole group, naming each missing one', () => {
    const lines = problems({ S3_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID', S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-s3-secret' });
    expect(lines.map((l) => l.split(':')[0])).toEqual(['S3_BUCKET', 'S3_PUBLIC_URL_PREFIX']);
    expect(lines[0]).toBe(
      'S3_BUCKET: is required because S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY are set (S3 storage needs S3_BUCKET, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, S3_PUBLIC_URL_PREFIX). Fix: set S3_BUCKET, or unset every S3_* variable to keep images on local disk.',
    );
    expect(problems({ S3_REGION: 'us-east-1' }).map((l) => l.split(':')[0])).toEqual(['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'S3_PUBLIC_URL_PREFIX']);
  });

  it('DATABASE_DIRECT_URL without DATABASE_URL', () => {
    expect(problems({ DATABASE_DIRECT_URL: PG })).toEqual([
      'DATABASE_DIRECT_URL: is set but DATABASE_URL is not. Fix: set DATABASE_URL too (the app connection, may be pooled), or unset DATABASE_DIRECT_URL to use the embedded database.',
    ]);
  });

  it('a pooled DATABASE_URL without DATABASE_DIRECT_URL', () => {
    for (const url of ['postgresql://u:p@ep-x-pooler.us-east-2.aws.neon.tech/neondb', 'postgres://u:p@bouncer:6432/db?pgbouncer=true']) {
      const line = problemFor({ DATABASE_URL: url }, 'DATABASE_DIRECT_URL');
      expect(line).toContain('is required because DATABASE_URL points at a connection pooler');
      expect(line).toContain('Fix: set DATABASE_DIRECT_URL');
    }
  });

  it('a pooled DATABASE_DIRECT_URL', () => {
    expect(problemFor({ DATABASE_URL: PG, DATABASE_DIRECT_URL: 'postgres://u:p@ep-x-pooler.us-east-2.aws.neon.tech/db' }, 'DATABASE_DIRECT_URL')).toContain(
      'must be a direct session connection',
    );
  });

  it('FOLIO_MODEL=openai requires a base URL and a chat model', () => {
    expect(problems({ FOLIO_MODEL: 'openai' })).toEqual([
      'FOLIO_MODEL_BASE_URL: is required when FOLIO_MODEL=openai. Fix: set FOLIO_MODEL_BASE_URL, or choose another FOLIO_MODEL.',
      'FOLIO_CHAT_MODEL: is required when FOLIO_MODEL=openai. Fix: set FOLIO_CHAT_MODEL, or choose another FOLIO_MODEL.',
    ]);
  });

  it('FOLIO_MODEL=anthropic requires an API key and a chat model', () => {
    expect(problems({ FOLIO_MODEL: 'anthropic', FOLIO_CHAT_MODEL: 'claude-sonnet-4-5' })).toEqual([
      'FOLIO_MODEL_API_KEY: is required when FOLIO_MODEL=anthropic. Fix: set FOLIO_MODEL_API_KEY, or choose another FOLIO_MODEL.',
    ]);
    expect(load({ FOLIO_MODEL: 'anthropic', FOLIO_CHAT_MODEL: 'claude-sonnet-4-5', FOLIO_MODEL_API_KEY: 'sk-ant-x' }).model.provider).toBe('anthropic');
  });

  it('a provider embedding model needs a provider that has embeddings', () => {
    expect(problemFor({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'nomic-embed-text' }, 'FOLIO_EMBED_MODEL')).toContain('Fix: set FOLIO_EMBED_MODEL=local or none.');
    expect(load({ FOLIO_MODEL: 'none', FOLIO_EMBED_MODEL: 'None' }).model.embedModel).toBe('none');
  });

  it('a vision model needs a model provider: FOLIO_MODEL=none fails fast, naming the variable and the fix', () => {
    expect(problems({ FOLIO_MODEL: 'none', FOLIO_VISION_MODEL: 'qwen2.5vl:7b' })).toEqual([
      'FOLIO_VISION_MODEL: names a vision model ("qwen2.5vl:7b") but FOLIO_MODEL=none has no model provider to send page images to. ' +
        'Fix: set FOLIO_MODEL to the provider that serves it (ollama, openai or anthropic), or unset FOLIO_VISION_MODEL to import without page descriptions.',
    ]);
    // auto (the local Ollama) and named providers are fine; unset is off.
    expect(load({ FOLIO_VISION_MODEL: 'qwen2.5vl:7b' }).model.visionModel).toBe('qwen2.5vl:7b');
    expect(load({ FOLIO_MODEL: 'ollama', FOLIO_VISION_MODEL: 'qwen2.5vl:7b' }).model.visionModel).toBe('qwen2.5vl:7b');
    expect(load({ FOLIO_MODEL: 'none' }).model.visionModel).toBeUndefined();
  });

  it('reports every problem at once, single and cross-variable alike', () => {
    const lines = problems({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'postgres://u:pw@host/db?sslmode=yes',
      MODAL_PROXY_TOKEN_ID: 'wk-abc',
      S3_BUCKET: 'folio',
    });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'PORT',
      'LOG_LEVEL',
      'DATABASE_URL',
      'MODAL_PROXY_TOKEN_SECRET',
      'S3_ACCESS_KEY_ID',
      'S3_SECRET_ACCESS_KEY',
      'S3_PUBLIC_URL_PREFIX',
    ]);
  });
});

describe('loadConfig never echoes secrets', () => {
  it.each([
    ['ADMIN_TOKEN', { ADMIN_TOKEN: 'tok-SECRET-1234' }, 'tok-SECRET-1234'],
    ['FOLIO_MODEL_API_KEY', { FOLIO_MODEL_API_KEY: 'Bearer sk-SECRET-1234' }, 'SECRET-1234'],
    ['MODAL_PROXY_TOKEN_SECRET', { MODAL_PROXY_TOKEN_ID: 'wk-1', MODAL_PROXY_TOKEN_SECRET: 'ws SECRET-1234' }, 'SECRET-1234'],
    ['MODAL_PROXY_TOKEN_ID', { MODAL_PROXY_TOKEN_ID: 'wk SECRET-1234' }, 'SECRET-1234'],
    ['S3_SECRET_ACCESS_KEY', { ...S3, S3_SECRET_ACCESS_KEY: 'wJal SECRET-1234' }, 'SECRET-1234'],
    ['S3_ACCESS_KEY_ID', { ...S3, S3_ACCESS_KEY_ID: 'AKIA SECRET-1234' }, 'SECRET-1234'],
    [
      'FOLIO_OIDC_CLIENT_SECRET',
      { FOLIO_OIDC_ISSUER: 'https://login.example.org', FOLIO_OIDC_CLIENT_ID: 'folio', FOLIO_OIDC_CLIENT_SECRET: 'oidc SECRET-1234' },
      'SECRET-1234',
    ],
    ['FOLIO_OIDC_ISSUER', { FOLIO_OIDC_ISSUER: 'http://u:SECRET-1234@login.example.org', FOLIO_OIDC_CLIENT_ID: 'folio', FOLIO_OIDC_CLIENT_SECRET: 'x' }, 'SECRET-1234'],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://u:SECRET-1234@host:bad/db?x=1&sslmode=no' }, 'SECRET-1234'],
    ['DATABASE_DIRECT_URL', { DATABASE_URL: PG, DATABASE_DIRECT_URL: 'mysql://u:SECRET-1234@host/db' }, 'SECRET-1234'],
    ['FOLIO_MODEL_BASE_URL', { FOLIO_MODEL_BASE_URL: 'ftp://u:SECRET-1234@models.example.com' }, 'SECRET-1234'],
  ])('%s', (variable, env, secret) => {
    const lines = problems(env);
    expect(lines.some((l) => l.startsWith(`${variable}: `))).toBe(true);
    expect(lines.join('\n')).not.toContain(secret);
  });

  it('ConfigError.problems carries the same lines as structured data', () => {
    try {
      load({ PORT: '0' });
      expect.unreachable();
    } catch (e) {
      expect((e as ConfigError).problems).toEqual([
        { variable: 'PORT', message: 'must be an integer between 1 and 65535 (got "0"). Fix: set PORT to a free TCP port such as 3000.' },
      ]);
      expect((e as ConfigError).name).toBe('ConfigError');
    }
  });
});

describe('companion (chat) variables', () => {
  it('reads every chat limit and model timeout', () => {
    expect(
      load({
        FOLIO_CHAT_MAX_QUESTION_CHARS: '500',
        FOLIO_CHAT_MAX_MESSAGES: '40',
        FOLIO_CHAT_MAX_OUTPUT_TOKENS: '300',
        FOLIO_CHAT_RATE_PER_READER: '0',
        FOLIO_CHAT_RATE_PER_IP: '100',
        FOLIO_CHAT_HEARTBEAT_MS: '5000',
        FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '2000',
        FOLIO_MODEL_IDLE_TIMEOUT_MS: '1000',
        FOLIO_MODEL_TOTAL_TIMEOUT_MS: '60000',
        FOLIO_MODEL_PROBE_TIMEOUT_MS: '200',
      }).chat,
    ).toEqual({
      maxQuestionChars: 500,
      maxMessages: 40,
      maxOutputTokens: 300,
      ratePerReader: 0,
      ratePerIp: 100,
      heartbeatMs: 5000,
      firstTokenTimeoutMs: 2000,
      idleTimeoutMs: 1000,
      totalTimeoutMs: 60000,
      probeTimeoutMs: 200,
    });
  });

  it.each([
    ['FOLIO_CHAT_MAX_QUESTION_CHARS', '5', 'FOLIO_CHAT_MAX_QUESTION_CHARS: must be an integer between 10 and 20000 (got "5"). Fix: set FOLIO_CHAT_MAX_QUESTION_CHARS'],
    ['FOLIO_CHAT_MAX_MESSAGES', 'lots', 'FOLIO_CHAT_MAX_MESSAGES: must be an integer between 2 and 10000 (got "lots"). Fix: set FOLIO_CHAT_MAX_MESSAGES'],
    ['FOLIO_CHAT_MAX_OUTPUT_TOKENS', '0', 'FOLIO_CHAT_MAX_OUTPUT_TOKENS: must be an integer between 16 and 32000 (got "0"). Fix: set FOLIO_CHAT_MAX_OUTPUT_TOKENS'],
    ['FOLIO_CHAT_RATE_PER_READER', '-1', 'FOLIO_CHAT_RATE_PER_READER: must be an integer between 0 and 100000 (got "-1"). Fix: set FOLIO_CHAT_RATE_PER_READER'],
    ['FOLIO_CHAT_RATE_PER_IP', '10/min', 'FOLIO_CHAT_RATE_PER_IP: must be an integer between 0 and 100000 (got "10/min"). Fix: set FOLIO_CHAT_RATE_PER_IP'],
    ['FOLIO_CHAT_HEARTBEAT_MS', '15s', 'FOLIO_CHAT_HEARTBEAT_MS: must be an integer between 1000 and 120000 (got "15s"). Fix: set FOLIO_CHAT_HEARTBEAT_MS'],
    [
      'FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS',
      '10',
      'FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: must be an integer between 100 and 600000 (got "10"). Fix: set FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS',
    ],
    ['FOLIO_MODEL_IDLE_TIMEOUT_MS', '1.5', 'FOLIO_MODEL_IDLE_TIMEOUT_MS: must be an integer between 100 and 600000 (got "1.5"). Fix: set FOLIO_MODEL_IDLE_TIMEOUT_MS'],
    [
      'FOLIO_MODEL_TOTAL_TIMEOUT_MS',
      '99999999',
      'FOLIO_MODEL_TOTAL_TIMEOUT_MS: must be an integer between 1000 and 1800000 (got "99999999"). Fix: set FOLIO_MODEL_TOTAL_TIMEOUT_MS',
    ],
    ['FOLIO_MODEL_PROBE_TIMEOUT_MS', '0', 'FOLIO_MODEL_PROBE_TIMEOUT_MS: must be an integer between 50 and 10000 (got "0"). Fix: set FOLIO_MODEL_PROBE_TIMEOUT_MS'],
  ])('%s=%j fails, naming the variable and the fix', (variable, value, expected) => {
    expect(problemFor({ [variable]: value }, variable).startsWith(expected)).toBe(true);
  });

  it('a first-token timeout longer than the total timeout fails, naming the one that was set', () => {
    expect(problemFor({ FOLIO_MODEL_TOTAL_TIMEOUT_MS: '10000' }, 'FOLIO_MODEL_TOTAL_TIMEOUT_MS')).toContain(
      'must leave FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS (45000 ms) no longer than FOLIO_MODEL_TOTAL_TIMEOUT_MS (10000 ms). Fix: raise FOLIO_MODEL_TOTAL_TIMEOUT_MS',
    );
    expect(problemFor({ FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS: '200000' }, 'FOLIO_MODEL_FIRST_TOKEN_TIMEOUT_MS')).toContain(
      'no longer than FOLIO_MODEL_TOTAL_TIMEOUT_MS (180000 ms)',
    );
  });

  it('Modal proxy tokens with a provider that is not behind Modal still need both', () => {
    expect(problems({ FOLIO_MODEL: 'ollama', MODAL_PROXY_TOKEN_ID: 'wk-1' }).map((l) => l.split(':')[0])).toEqual(['MODAL_PROXY_TOKEN_SECRET']);
  });
});

describe('scheduled backups (FOLIO_BACKUP_*)', () => {
  const S3 = {
    S3_BUCKET: 'folio-images',
    S3_ACCESS_KEY_ID: 'AKIAEXAMPLEKEYID',
    S3_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI-s3-secret',
    S3_PUBLIC_URL_PREFIX: 'https://images.example.com',
  };
  const problems = (env: Record<string, string>): string => {
    try {
      loadConfig(env);
      return '';
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('a private bucket beside the image bucket: defaults of a day and 14 kept', () => {
    expect(loadConfig({ ...S3, FOLIO_BACKUP_BUCKET: 'folio-backups' }).backup).toEqual({ bucket: 'folio-backups', everyMs: 86_400_000, keep: 14, restoreOnEmpty: false });
    expect(loadConfig({ ...S3, FOLIO_BACKUP_BUCKET: 'b-ups', FOLIO_BACKUP_EVERY_HOURS: '6', FOLIO_BACKUP_KEEP: '3', FOLIO_RESTORE_ON_EMPTY: 'true' }).backup).toEqual({
      bucket: 'b-ups',
      everyMs: 6 * 3_600_000,
      keep: 3,
      restoreOnEmpty: true,
    });
    expect(loadConfig({}).backup).toBeUndefined();
  });

  it('refuses the public image bucket, a bucket without S3, and settings without a bucket', () => {
    expect(problems({ ...S3, FOLIO_BACKUP_BUCKET: 'folio-images' })).toMatch(/FOLIO_BACKUP_BUCKET: is the image bucket, which browsers read publicly/);
    expect(problems({ FOLIO_BACKUP_BUCKET: 'folio-backups' })).toMatch(/FOLIO_BACKUP_BUCKET: needs S3 storage/);
    expect(problems({ ...S3, FOLIO_RESTORE_ON_EMPTY: 'true' })).toMatch(/FOLIO_RESTORE_ON_EMPTY: is set but FOLIO_BACKUP_BUCKET is not/);
    expect(problems({ ...S3, FOLIO_BACKUP_BUCKET: 'x-y', FOLIO_BACKUP_KEEP: '0' })).toMatch(/FOLIO_BACKUP_KEEP: must be an integer between 1 and 1000/);
    expect(problems({ ...S3, FOLIO_BACKUP_BUCKET: 'https://r2/x' })).toMatch(/FOLIO_BACKUP_BUCKET: must be a bucket name/);
  });
});
