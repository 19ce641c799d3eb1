import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { classifyModelError, isRetryableBeforeFirstToken, modelFailureError } from './errors.js';

const apiError = (statusCode: number | undefined, message = 'upstream says no', cause?: unknown) =>
  new APICallError({ message, url: 'http://model/v1/chat', requestBodyValues: {}, statusCode, cause });

describe('classifyModelError', () => {
  it.each([
    [apiError(401), 'auth'],
    [apiError(403), 'auth'],
    [apiError(404), 'not_found'],
    [apiError(429), 'rate_limited'],
    [apiError(503), 'server'],
    [apiError(504), 'timeout'],
    [apiError(400), 'rejected'],
    [
      apiError(
        undefined,
        'Cannot connect to API: connect ECONNREFUSED',
        new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }) }),
      ),
      'connect',
    ],
    [new TypeError('fetch failed', { cause: Object.assign(new Error('other side closed'), { code: 'UND_ERR_SOCKET' }) }), 'connect'],
    [new DOMException('model first timeout', 'TimeoutError'), 'timeout'],
    [Object.assign(new Error('Invalid JSON response'), { name: 'AI_JSONParseError' }), 'bad_stream'],
    [new Error('something else entirely'), 'bad_stream'],
  ] as const)('%s → %s', (err, kind) => {
    expect(classifyModelError(err)).toBe(kind);
  });

  it('looks through the AI SDK RetryError to its last error', () => {
    expect(classifyModelError({ name: 'AI_RetryError', message: 'Failed after 3 attempts', lastError: apiError(401) })).toBe('auth');
  });
});

describe('what the reader sees', () => {
  it('only connection failures, timeouts and 5xx are retried before the first token', () => {
    expect(['connect', 'timeout', 'server'].every((k) => isRetryableBeforeFirstToken(k as never))).toBe(true);
    expect(['auth', 'not_found', 'rate_limited', 'bad_stream', 'rejected'].some((k) => isRetryableBeforeFirstToken(k as never))).toBe(false);
  });

  it('typed, friendly errors that never carry upstream text', () => {
    expect(modelFailureError('auth', { afterFirstToken: false }).code).toBe('unavailable:model_auth');
    expect(modelFailureError('connect', { afterFirstToken: false }).code).toBe('unavailable:model');
    expect(modelFailureError('timeout', { afterFirstToken: true }).code).toBe('unavailable:model_timeout');
    expect(modelFailureError('bad_stream', { afterFirstToken: true }).code).toBe('unavailable:model_stream');
    const rl = modelFailureError('rate_limited', { afterFirstToken: false });
    expect([rl.code, rl.status, rl.details?.retryAfter]).toEqual(['rate_limit:model', 429, 30]);
  });
});
