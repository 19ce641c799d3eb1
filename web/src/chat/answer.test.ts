import { describe, expect, it } from 'vitest';
import { questionText, readAnswer } from './answer';
import type { FolioMessage } from './types';

const msg = (parts: FolioMessage['parts'], metadata?: FolioMessage['metadata']): FolioMessage => ({ id: 'a', role: 'assistant', parts, metadata });

describe('readAnswer', () => {
  it('joins text parts and reads citations, suggestions and the mode', () => {
    const a = readAnswer(
      msg(
        [
          { type: 'text', text: 'Ada lights ' },
          { type: 'text', text: 'lamps [1/1].' },
          { type: 'data-citations', id: 'citations', data: { citations: [{ id: 's/1/1', kind: 'page', episode: 1, page: 1, label: '1/1', title: 't', href: '/read/s/1/1', snippet: '', cited: true }] } },
          { type: 'data-suggestions', id: 'suggestions', data: { suggestions: ['Who is Flit?'] } },
        ],
        { mode: 'model', position: { episode: 1, page: 4 } },
      ),
    );
    expect(a.text).toBe('Ada lights lamps [1/1].');
    expect(a.citations).toHaveLength(1);
    expect(a.suggestions).toEqual(['Who is Flit?']);
    expect(a.mode).toBe('model');
    expect(a.position).toEqual({ episode: 1, page: 4 });
    expect(a.guarded).toBe(false);
  });

  it('a guard part replaces everything the answer said before it', () => {
    const a = readAnswer(
      msg([
        { type: 'text', text: 'The Dimm' },
        { type: 'data-guard', id: 'guard', data: { reason: 'later_in_story', message: 'That comes later in the story.' } },
        { type: 'text', text: 'That comes later in the story.' },
      ]),
    );
    expect(a.text).toBe('That comes later in the story.');
    expect(a.guarded).toBe(true);
    expect(a.mode).toBe('guarded');
  });

  it('quote mode: the server header line is dropped (the panel shows its own label)', () => {
    const a = readAnswer(msg([{ type: 'text', text: "Quote mode (no language model is connected): the lines that best match.\n\n> Forty-one lamps\n— Episode 1, page 1 [1/1]" }], { mode: 'quote' }));
    expect(a.text).toBe('> Forty-one lamps\n— Episode 1, page 1 [1/1]');
  });

  it('stored messages: the mode comes from metadata.status', () => {
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], { status: 'complete' })).mode).toBe('model');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], { status: 'quote' })).mode).toBe('quote');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], { status: 'aborted' })).mode).toBe('aborted');
    expect(readAnswer(msg([{ type: 'text', text: 'x' }], { status: 'weird' })).mode).toBeNull();
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
