import { describe, expect, it } from 'vitest';
import { LocalEmbedder } from './local-embedder.js';

const cosine = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i]!, 0) / (Math.hypot(...a) * Math.hypot(...b));

describe('LocalEmbedder (USE-Lite from @energetic-ai, offline)', () => {
  it('loads only on first use, in a worker, and gives 512-dimensional vectors that capture meaning', async () => {
    const e = new LocalEmbedder();
    expect(e.loaded).toBe(false);
    try {
      const [q, cat, potion] = await e.embed(['Who is the cat?', 'Carrot is an orange tabby cat.', 'The potion explodes in green smoke.']);
      expect(e.loaded).toBe(true);
      expect(q).toHaveLength(512);
      expect(cosine(q!, cat!)).toBeGreaterThan(cosine(q!, potion!));
      expect(await e.embed([])).toEqual([]);
    } finally {
      await e.close();
    }
  }, 60_000);

  it('a caller that stops waiting is released at once', async () => {
    const e = new LocalEmbedder();
    try {
      await e.embed(['warm']);
      const ctrl = new AbortController();
      const p = e.embed(['some text '.repeat(200)], ctrl.signal);
      ctrl.abort(new Error('gone'));
      await expect(p).rejects.toThrow('gone');
    } finally {
      await e.close();
    }
  }, 60_000);
});
