import { describe, expect, it } from 'vitest';
import { ApiError, ApiUnreachable, toError } from '../api/client';
import { friendlyError } from './errors';

describe('friendlyError', () => {
  it('429: waits as long as the server said (retryAfter), else 5 s', () => {
    expect(friendlyError(new ApiError(429, 'rate_limit:chat', 'Too many. Try again in 12 s.', {}, 30))).toMatchObject({
      retry: true,
      retryAfterS: 30,
      title: 'One moment',
    });
    expect(friendlyError(new ApiError(429, 'rate_limit:chat', 'Too many for now.'))).toMatchObject({ retryAfterS: 5 });
  });
  it('the error body carries retryAfter, so a cross-origin build that cannot read Retry-After still waits', async () => {
    const res = new Response(JSON.stringify({ error: { code: 'rate_limit:chat', message: 'Too many questions.', retryAfter: 12 } }), { status: 429 });
    const err = await toError(res);
    expect(err).toMatchObject({ code: 'rate_limit:chat', retryAfterS: 12 });
    expect(friendlyError(err).retryAfterS).toBe(12);
  });
  it('a busy model during the answer: the stream error part says how long to wait', () => {
    expect(friendlyError(new Error('x'), { code: 'rate_limit:model', message: 'The language model is busy.', retryAfter: 30 }).retryAfterS).toBe(30);
  });
  it('a full conversation needs a new one, not a retry', () => {
    expect(friendlyError(new ApiError(409, 'conflict:conversation_full', 'Full.'))).toMatchObject({ retry: false, newConversation: true });
  });
  it('not started: the server message, and a retry once reading', () => {
    expect(friendlyError(new ApiError(409, 'conflict:not_started', 'Open the first page…'))).toMatchObject({
      retry: true,
      title: 'Start reading first',
      message: 'Open the first page…',
    });
  });
  it('a 5xx never shows its detail', () => {
    const e = friendlyError(new ApiError(500, 'internal:server', 'stack trace at line 3'));
    expect(e.message).not.toContain('stack');
  });
  it('offline and network failures', () => {
    expect(friendlyError(new ApiUnreachable()).code).toBe('offline');
    expect(friendlyError(new TypeError('Failed to fetch')).code).toBe('offline');
  });
  it('an in-stream model error uses the server message; operator problems say so', () => {
    expect(friendlyError(new Error('x'), { code: 'unavailable:model', message: 'The model is not reachable.' })).toMatchObject({
      message: 'The model is not reachable.',
      retry: true,
    });
    expect(friendlyError(new Error('x'), { code: 'unavailable:model_auth', message: 'Bad credentials.' }).title).toBe('The companion is not set up right');
  });
  it('an endpoint this server does not have yet', () => {
    expect(friendlyError(new ApiError(404, 'not_found:route', 'No route for POST /api/series/s/recap.'))).toMatchObject({ retry: false, title: 'Not available yet' });
  });
});
