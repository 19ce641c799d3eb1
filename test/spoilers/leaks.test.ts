import { describe, expect, it } from 'vitest';
import { receivedText } from './leaks.js';

describe('receivedText', () => {
  it('drops the stream protocol’s random ids, keeps the answer, citations and every other string', () => {
    const text = receivedText({
      text: 'Pepper brews a potion.',
      chunks: [
        { type: 'start', messageId: 'eP18aZ09xYq' } as { type: string },
        { type: 'text-start', id: 'ep20Qw' } as { type: string },
        { type: 'text-delta', id: 'ep20Qw', delta: 'Pepper brews a potion.' } as { type: string },
        { type: 'text-end', id: 'ep20Qw' } as { type: string },
        { type: 'data-citations', id: 'c1', data: [{ id: 'pepper-carrot/wiki/saffron', label: 'Episode 18' }] } as { type: string },
        { type: 'finish', messageMetadata: { mode: 'model' } } as { type: string },
      ],
    });
    expect(text).toContain('Pepper brews a potion.');
    expect(text).not.toContain('eP18');
    expect(text).not.toContain('ep20');
    // A data part's id and the citation's contents are still checked.
    expect(text).toContain('c1');
    expect(text).toContain('pepper-carrot/wiki/saffron');
    expect(text).toContain('Episode 18');
    expect(text).toContain('model');
  });
});
