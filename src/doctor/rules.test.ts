/** The doctor's pure rules: pooler detection, migration state, error wording, the web build's API base, output. */
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../config/env.js';
import { parsePostgresUrl } from '../config/postgres-url.js';
import { configErrorResult } from './config.js';
import { migrationState } from './database.js';
import { embedSetting } from './embeddings.js';
import { formatReport, reportJson } from './format.js';
import { describePgError, looksTransactionPooled } from './pg.js';
import { parseAnswer } from './remote.js';
import { fail, pass, skip, warn } from './types.js';
import { findApiBase } from './web.js';

describe('looksTransactionPooled', () => {
  it('direct sessions: each keeps its own backend, never shared', () => {
    expect(looksTransactionPooled([101, 101, 101], [102, 102, 102])).toBe(false);
  });
  it('a pooler: both sessions served by one backend, or one session by several', () => {
    expect(looksTransactionPooled([101], [101])).toBe(true);
    expect(looksTransactionPooled([101, 103], [102, 102])).toBe(true);
  });
});

describe('migrationState', () => {
  it('pending and unknown migrations', () => {
    expect(migrationState(['0001_a.sql', '0002_b.sql'], ['0001_a.sql'])).toEqual({ pending: ['0002_b.sql'], unknown: [] });
    expect(migrationState(['0001_a.sql'], ['0001_a.sql', '0009_new.sql'])).toEqual({ pending: [], unknown: ['0009_new.sql'] });
  });
});

describe('describePgError', () => {
  const c = parsePostgresUrl('postgres://folio:s3cret@db.example.com:6543/folio', 'DATABASE_URL');
  it.each([
    [{ code: 'ECONNREFUSED' }, /nothing is listening at db\.example\.com:6543/, /start PostgreSQL/],
    [{ code: 'ENOTFOUND' }, /cannot be resolved/, /correct the host in DATABASE_URL/],
    [{ code: '28P01', message: 'password authentication failed' }, /password authentication failed for user "folio"/, /password in DATABASE_URL/],
    [{ code: '3D000' }, /database "folio" does not exist/, /createdb -O folio folio/],
    [{ message: 'The server does not support SSL connections' }, /does not speak TLS/, /sslmode=disable/],
    [{ message: 'self-signed certificate in certificate chain' }, /not trusted/, /NODE_EXTRA_CA_CERTS/],
    [{ message: 'Connection terminated due to connection timeout' }, /no answer from db\.example\.com:6543/, /firewall/],
  ])('%j', (err, summary, fix) => {
    const d = describePgError(err, 'DATABASE_URL', c);
    expect(d.summary).toMatch(summary);
    expect(d.fix).toMatch(fix);
    expect(JSON.stringify(d)).not.toContain('s3cret');
  });
});

it('configErrorResult: one line per variable, and their fixes', () => {
  const r = configErrorResult(
    new ConfigError([
      { variable: 'PORT', message: 'must be an integer between 1 and 65535 (got "x"). Fix: set PORT to a free TCP port such as 3000.' },
      { variable: 'S3_BUCKET', message: 'is required because S3_ENDPOINT is set. Fix: set S3_BUCKET.' },
    ]),
  );
  expect(r).toEqual({
    layer: 'config',
    status: 'fail',
    summary: 'PORT: must be an integer between 1 and 65535 (got "x"). · S3_BUCKET: is required because S3_ENDPOINT is set.',
    fix: 'set PORT to a free TCP port such as 3000. · set S3_BUCKET.',
  });
});

it('embedSetting: the FOLIO_EMBED_MODEL value that made a vector', () => {
  expect(embedSetting('ollama:nomic-embed-text')).toBe('nomic-embed-text');
  expect(embedSetting('openai:text-embedding-3-small')).toBe('text-embedding-3-small');
  expect(embedSetting('local:use-lite-512')).toBe('local');
});

describe('findApiBase', () => {
  it('the same-origin build and a CDN build, as the minifier writes them', () => {
    expect(findApiBase('le=`same-origin`;async function X(e,t){try{return await fetch(``+e,{method:t.method')).toBe('');
    expect(findApiBase('async function X(e,t){return await fetch(`https://api.example.com`+e,{credentials:`include`})}')).toBe('https://api.example.com');
    expect(findApiBase('fetch("https://api.example.com/folio"+e)')).toBe('https://api.example.com/folio');
    expect(findApiBase('q=`https://api.example.com`,le=e=>e.startsWith(`/`)?q+e:e;async function X(e,t){return await fetch(q+e,{})}')).toBe('https://api.example.com');
    expect(findApiBase('fetch(e)')).toBeNull();
    expect(findApiBase('x.q=`https://other`;fetch(q+e)')).toBeNull();
  });
});

it('parseAnswer: text, typed errors and the finish metadata of a chat stream', async () => {
  const metadata = {
    mode: 'quote',
    model: null,
    position: { episode: 1, page: 1 },
    ttftMs: 12,
    latencyMs: 20,
    usage: { inputTokens: null, outputTokens: null },
    retrieval: { passages: 1, vector: false },
  };
  const sse = [
    'data: {"type":"start","messageId":"m1"}',
    'data: {"type":"text-start","id":"t"}',
    'data: {"type":"text-delta","id":"t","delta":"Hel"}',
    ': keep-alive',
    'data: {"type":"text-delta","id":"t","delta":"lo"}',
    'data: {"type":"text-end","id":"t"}',
    `data: ${JSON.stringify({ type: 'finish', finishReason: 'stop', messageMetadata: metadata })}`,
    'data: [DONE]',
  ].join('\n\n');
  expect(await parseAnswer(sse)).toEqual({ text: 'Hello', errors: [], metadata });
  const failed =
    'data: {"type":"start"}\n\ndata: {"type":"data-error","id":"error","data":{"code":"unavailable:model","message":"down"}}\n\ndata: {"type":"error","errorText":"down"}\n\n';
  expect((await parseAnswer(failed)).errors).toEqual([{ code: 'unavailable:model', message: 'down' }]);
  // Without the typed part, the SDK's error chunk still counts (an SSE event ends with a blank line).
  expect((await parseAnswer('data: {"type":"start"}\n\ndata: {"type":"error","errorText":"boom"}\n\n')).errors).toEqual([{ code: 'error', message: 'boom' }]);
  // Not the protocol: an error, not an empty answer.
  await expect(parseAnswer('data: {"type":"text-delta"}\n\n')).rejects.toThrow();
});

describe('the report', () => {
  const results = [
    pass('config', 'valid'),
    fail('database', 'nothing is listening', 'start PostgreSQL.'),
    skip('pgvector', 'needs the database'),
    warn('model', 'quote mode', 'start Ollama.'),
  ];
  it('table: a mark per layer, the fix under it, the first broken layer at the end', () => {
    const text = formatReport('Folio doctor', results);
    expect(text).toContain(' ✓ config    valid');
    expect(text).toContain(' ✗ database  nothing is listening\n             fix: start PostgreSQL.');
    expect(text).toContain(' – pgvector  skipped: needs the database');
    expect(text).toContain(' ! model     quote mode');
    expect(text.trimEnd().split('\n').at(-1)).toBe('✗ The database layer is broken. Fix: start PostgreSQL.');
    expect(
      formatReport('t', [pass('config', 'ok'), warn('model', 'w')])
        .trimEnd()
        .split('\n')
        .at(-1),
    ).toBe('✓ Every layer works (1 warning).');
  });
  it('JSON: ok, the first failure, every check', () => {
    expect(reportJson(results)).toEqual({ ok: false, firstFailure: results[1], checks: results });
    expect(reportJson([pass('config', 'ok'), warn('model', 'w')]).ok).toBe(true);
  });
});
