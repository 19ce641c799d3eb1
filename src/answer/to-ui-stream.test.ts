import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { FolioUIMessageChunk } from '../contract/index.js';
import { coalescingWriter } from './to-ui-stream.js';

describe('coalescingWriter', () => {
  it('writes the first text delta at once and joins the deltas of one loop turn after it', async () => {
    const written: FolioUIMessageChunk[] = [];
    const out = coalescingWriter((c) => written.push(c));
    out.write({ type: 'text-start', id: 't1' });
    out.write({ type: 'text-delta', id: 't1', delta: 'Ada waits. ' });
    // Synchronously: no setImmediate between the first words and the reader.
    expect(written).toEqual([
      { type: 'text-start', id: 't1' },
      { type: 'text-delta', id: 't1', delta: 'Ada waits. ' },
    ]);
    out.write({ type: 'text-delta', id: 't1', delta: 'Flit ' });
    out.write({ type: 'text-delta', id: 't1', delta: 'flies.' });
    expect(written).toHaveLength(2);
    await tick();
    expect(written.at(-1)).toEqual({ type: 'text-delta', id: 't1', delta: 'Flit flies.' });
    expect(written).toHaveLength(3);
  });

  it('flushes pending text before any other part, in order', () => {
    const written: FolioUIMessageChunk[] = [];
    const out = coalescingWriter((c) => written.push(c));
    out.write({ type: 'text-delta', id: 't1', delta: 'One. ' });
    out.write({ type: 'text-delta', id: 't1', delta: 'Two.' });
    out.write({ type: 'text-end', id: 't1' });
    expect(written).toEqual([
      { type: 'text-delta', id: 't1', delta: 'One. ' },
      { type: 'text-delta', id: 't1', delta: 'Two.' },
      { type: 'text-end', id: 't1' },
    ]);
  });
});
