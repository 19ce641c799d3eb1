import { describe, expect, it } from 'vitest';
import type { ChatMetadata, FolioUIMessage, StoredMessageMetadata } from '../../../src/contract/index.js';
import { questionText, readAnswer } from './answer';

const msg = (parts: FolioUIMessage['parts'], metadata?: FolioUIMessage['metadata']): FolioUIMessage => ({ id: 'a', role: 'assistant', parts, metadata });
const at = { episode: 1, page: 4 };
/** What a chat stream's `finish` part carries. */
const streamed = (mode: ChatMetadata['mode']): ChatMetadata => ({
  mode,
  model: null,
  position: at,
  ttftMs: 5,
  latencyMs: 10,
  usage: { inputTokens: null, outputTokens: null },
  retrieval: { passages: 1, vector: false },
});
/** What a stored message carries (GET /api/conversations/:id). */
const stored = (status: StoredMessageMetadata['status']): StoredMessageMetadata => ({ position: at, status, createdAt: '2026-01-01T00:00:00Z' });

describe('readAnswer', () => {
  it('joins text parts and reads citations, suggestions and the mode', () => {
    const a = readAnswer(
      msg(
        [
          { type: 'text', text: 'Ada lights ' },
          { type: 'text', text: 'lamps [1/1].' },
          {
            type: 'data-citations',
            id: 'citations',
            data: { citations: [{ id: 's/1/1', kind: 'page', episode: 1, page: 1, label: '1/1', title: 't', href: '/read/s/1/1', snippet: '', cited: true }] },
          },
          { type: 'data-suggestions', id: 'suggestions', data: { suggestions: ['Who is Flit?'] } },
        ],
        streamed('model'),
      ),
    );
    expect(a.text).toBe('Ada lights lamps [1/1].');
    expect(a.citations).toHaveLength(1);
    expect(a.suggestions).toEqual(['Who is Flit?']);
    expect(a.mode).toBe('model');
    expect(a.position).toEqual({ episode: 1, page: 4 });
    expect(a.guard).toBeNull();
  });

  it('a guarded answer keeps its text (withheld sentences are …) and carries the notice', () => {
    const a = readAnswer(
      msg(
        [
          { type: 'text', text: 'Ada lights lamps. … She climbs the tower.' },
          { type: 'data-guard', id: 'guard', data: { reason: 'later_in_story', withheld: 2, message: 'I left out 2 sentences about things you have not reached yet.' } },
        ],
        streamed('guarded'),
      ),
    );
    expect(a.text).toBe('Ada lights lamps. … She climbs the tower.');
    expect(a.guard).toEqual({ withheld: 2, message: 'I left out 2 sentences about things you have not reached yet.' });
    expect(a.mode).toBe('guarded');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], streamed('model'))).guard).toBeNull();
  });

  it('quote mode: the server header line is dropped (the panel shows its own label)', () => {
    const a = readAnswer(
      msg(
        [{ type: 'text', text: 'Quote mode (no language model is connected): the lines that best match.\n\n> Forty-one lamps\n— Episode 1, page 1 [1/1]' }],
        streamed('quote'),
      ),
    );
    expect(a.text).toBe('> Forty-one lamps\n— Episode 1, page 1 [1/1]');
  });

  it('stored messages: the mode comes from metadata.status', () => {
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], stored('complete'))).mode).toBe('model');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], stored('quote'))).mode).toBe('quote');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], stored('aborted'))).mode).toBe('aborted');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }])).mode).toBeNull();
  });

  it('an in-stream error is read from its data part', () => {
    expect(readAnswer(msg([{ type: 'data-error', id: 'error', data: { code: 'unavailable:model', message: 'Not reachable.' } }])).error).toEqual({
      code: 'unavailable:model',
      message: 'Not reachable.',
    });
  });

  it('questionText', () => {
    expect(questionText({ id: 'u', role: 'user', parts: [{ type: 'text', text: 'Who?' }] })).toBe('Who?');
  });
});
