import { describe, expect, it } from 'vitest';
import { WITHHELD } from '../spoilers/policy.js';
import { guardForTurn } from './guard.js';

const guard = guardForTurn({
  position: { episode: 3, page: 2 },
  unreached: [{ slug: 'torreya', name: 'Torreya' }],
  visible: [
    { slug: 'pepper', name: 'Pepper' },
    { slug: 'carrot', name: 'Carrot' },
  ],
});

async function streamed(chunks: string[]) {
  const s = guard.stream();
  const out: string[] = [];
  for (const c of chunks) out.push(await s.push(c));
  out.push(await s.end());
  return { out, text: out.join(''), withheld: s.withheld, hits: s.hits };
}

describe('guardForTurn (temporary adapter over ChatGuard)', () => {
  it('holds each sentence until it ends, then releases it whole', async () => {
    const r = await streamed(['Pepper bre', 'ws a potion. Car', 'rot ', 'watches.', ' The end']);
    expect(r.out).toEqual(['', 'Pepper brews a potion. ', '', '', 'Carrot watches. ', 'The end']);
    expect(r.withheld).toBe(0);
  });

  it('withholds a spoiling sentence, even split across chunks, and goes on; neighbours collapse into one', async () => {
    const r = await streamed(['Pepper flies. Tor', 'reya rides a dragon. In episode 9 she ', 'wins. Carrot sleeps.']);
    expect(r.text).toBe(`Pepper flies. ${WITHHELD} Carrot sleeps.`);
    expect(r.withheld).toBe(2);
    expect(r.hits.map((h) => [h.kind, h.ref])).toEqual([
      ['entity', 'torreya'],
      ['episode', '9'],
    ]);
  });

  it('a reference split by a sentence boundary ("ep. 12") withholds the sentence it ends in', async () => {
    const r = await streamed(['It happens in ep. ', '12 with a storm. Pepper waits.']);
    expect(r.text).toBe(`It happens in ep. ${WITHHELD} Pepper waits.`);
  });

  it('redact, label and questionHit speak the policy types', async () => {
    expect(guard.redact('Pepper is here. Torreya too.')).toMatchObject({ text: `Pepper is here. ${WITHHELD}`, withheld: 1 });
    expect(guard.label('Torreya')).toBeNull();
    expect(guard.label('Carrot')).toBe('Carrot');
    expect(guard.questionHit('What happens in episode 7?')).toMatchObject({ kind: 'episode', ref: '7' });
    expect(guard.questionHit('Who is Carrot?')).toBeNull();
    expect((await guard.redactGenerated('See [4/1]. Fine.')).text).toBe(`${WITHHELD} Fine.`);
  });
});
