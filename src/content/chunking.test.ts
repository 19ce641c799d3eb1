import { describe, expect, it } from 'vitest';
import { type ChunkOptions, chunkText, DEFAULT_CHUNK, markdownToText } from './chunking.js';

/** Deterministic PRNG (mulberry32) so property failures are reproducible. */
function prng(seed: number): (n: number) => number {
  let s = seed;
  return (n) => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const WORDS = ['Pepper', 'Carrot', 'potion', 'Chaosah', 'Komona', 'SPLASH', 'Clap', 'the', 'a', 'witch', 'contest', 'FIN', 'dragon'];

function randomLine(rand: (n: number) => number, maxWords: number): string {
  const n = 1 + rand(maxWords);
  return Array.from({ length: n }, () => WORDS[rand(WORDS.length)]!).join(' ');
}

describe('chunkText', () => {
  it('empty or blank input gives no chunks', () => {
    expect(chunkText('')).toEqual([]);
    expect(chunkText('\n\n   \n\t\n')).toEqual([]);
  });

  it('short text is one chunk with lines trimmed and blank lines dropped (LF and CRLF)', () => {
    expect(chunkText('  Hello  \r\n\r\nWorld\n')).toEqual(['Hello\nWorld']);
  });

  it('the default options are 800 / 120', () => {
    expect(DEFAULT_CHUNK).toEqual({ maxChars: 800, overlapChars: 120 });
  });

  it('packs lines greedily and carries the tail of the previous chunk as overlap', () => {
    const text = ['l1 aaaa', 'l2 bbbb', 'l3 cccc', 'l4 dddd', 'l5 eeee'].join('\n');
    expect(chunkText(text, { maxChars: 16, overlapChars: 8 })).toEqual(['l1 aaaa\nl2 bbbb', 'l2 bbbb\nl3 cccc', 'l3 cccc\nl4 dddd', 'l4 dddd\nl5 eeee']);
  });

  it('with overlap 0 nothing is repeated', () => {
    const text = ['l1 aaaa', 'l2 bbbb', 'l3 cccc', 'l4 dddd', 'l5 eeee'].join('\n');
    expect(chunkText(text, { maxChars: 16, overlapChars: 0 })).toEqual(['l1 aaaa\nl2 bbbb', 'l3 cccc\nl4 dddd', 'l5 eeee']);
  });

  it('the overlap carries as many trailing lines as fit in overlapChars', () => {
    const text = ['aa', 'bb', 'cc', 'dd', 'eeeeeeeeee'].join('\n');
    // 'aa\nbb\ncc\ndd' is 11 chars; adding the 10-char line would exceed 16.
    // Overlap 6 carries 'cc' and 'dd' (2 + 1 + 2 + 1 = 6), not 'bb'.
    expect(chunkText(text, { maxChars: 16, overlapChars: 6 })).toEqual(['aa\nbb\ncc\ndd', 'cc\ndd\neeeeeeeeee']);
  });

  it('a long single line is split on word boundaries', () => {
    expect(chunkText('one two three four five six seven eight nine ten', { maxChars: 12, overlapChars: 0 })).toEqual([
      'one two',
      'three four',
      'five six',
      'seven eight',
      'nine ten',
    ]);
  });

  it('a word longer than the limit is cut hard', () => {
    expect(chunkText('x'.repeat(25), { maxChars: 10, overlapChars: 0 })).toEqual(['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(5)]);
  });

  it('property (overlap 0): no chunk exceeds maxChars, no line is lost, the order is kept', () => {
    const rand = prng(1234);
    for (let round = 0; round < 300; round++) {
      const opts: ChunkOptions = { maxChars: 20 + rand(200), overlapChars: 0 };
      const lines = Array.from({ length: rand(30) }, () => randomLine(rand, 12));
      const text = lines.join(rand(2) ? '\n' : '\r\n');
      const chunks = chunkText(text, opts);
      for (const c of chunks) expect(c.length, `chunk of ${c.length} > ${opts.maxChars}`).toBeLessThanOrEqual(opts.maxChars);
      // Without overlap, the words of the chunks in order are exactly the input words.
      expect(chunks.join(' ').split(/\s+/).filter(Boolean)).toEqual(text.split(/\s+/).filter(Boolean));
      for (const line of lines) {
        if (line.length <= opts.maxChars) expect(chunks.some((c) => c.split('\n').includes(line))).toBe(true);
      }
    }
  });

  it('property (with overlap): every input line that fits appears whole; the overlap is the longest tail that fits', () => {
    const rand = prng(99);
    for (let round = 0; round < 300; round++) {
      const maxChars = 40 + rand(200);
      const opts: ChunkOptions = { maxChars, overlapChars: rand(Math.floor(maxChars / 2)) };
      // Unique lines (numbered) so a carried line can be recognised.
      const lines = Array.from({ length: 1 + rand(30) }, (_, i) => `L${i} ${randomLine(rand, 8)}`);
      const chunks = chunkText(lines.join('\n'), opts);
      for (const line of lines) {
        if (line.length <= maxChars)
          expect(
            chunks.some((c) => c.split('\n').includes(line)),
            line,
          ).toBe(true);
      }
      for (let i = 1; i < chunks.length; i++) {
        const prev = chunks[i - 1]!.split('\n');
        const cur = chunks[i]!.split('\n');
        const carried = cur.filter((l) => prev.includes(l));
        // The carried lines are a tail of the previous chunk and lead the next one.
        expect(cur.slice(0, carried.length)).toEqual(carried);
        expect(prev.slice(prev.length - carried.length)).toEqual(carried);
        expect(carried.join('\n').length).toBeLessThanOrEqual(opts.overlapChars);
        // ... and it is the longest such tail, unless a longer one would leave no room for the next line.
        if (carried.length < prev.length) {
          const longer = prev.slice(prev.length - carried.length - 1).join('\n');
          const nextLine = cur[carried.length];
          const noRoom = nextLine !== undefined && longer.length + 1 + nextLine.length > opts.maxChars;
          expect(longer.length > opts.overlapChars || noRoom).toBe(true);
        }
      }
    }
  });

  it('every piece of a long line is within the limit and keeps whole words', () => {
    const rand = prng(7);
    for (let round = 0; round < 200; round++) {
      const max = 20 + rand(60);
      const line = randomLine(rand, 60);
      const pieces = chunkText(line, { maxChars: max, overlapChars: 0 });
      for (const p of pieces) {
        expect(p.length).toBeLessThanOrEqual(max);
        expect(p).toBe(p.trim());
      }
      // Every word in this vocabulary is shorter than max/2, so nothing is cut mid-word.
      expect(pieces.join(' ')).toBe(line);
      for (const p of pieces) for (const w of p.split(/\s+/)) expect(WORDS).toContain(w);
    }
  });

  // BUG (src/content/chunking.ts): after a flush the carried overlap lines are kept
  // without checking that the next line still fits, so a chunk can reach
  // overlap + 1 + maxChars characters. This test describes the correct behaviour and
  // is marked `fails` until the source is fixed (then drop `.fails`).
  it('no chunk exceeds maxChars when the carried overlap plus the next line is too long', () => {
    const a = 'a'.repeat(40);
    const b = 'b'.repeat(95);
    const chunks = chunkText(`${a}\n${b}`, { maxChars: 100, overlapChars: 50 });
    for (const c of chunks) expect(c.length).toBeLessThanOrEqual(100);
    expect(chunks).toEqual([a, b]);
  });
});

describe('markdownToText', () => {
  it('drops images entirely', () => {
    expect(markdownToText('Before ![Shapeshifter](https://example.com/img/creature.jpg) after')).toBe('Before  after');
    expect(markdownToText('![](x.png)')).toBe('');
  });

  it('keeps link text and drops the target', () => {
    expect(markdownToText('See [episode 29](https://www.peppercarrot.com/en/ep29.html) now')).toBe('See episode 29 now');
  });

  it('a linked image disappears with its link', () => {
    expect(markdownToText('a [![pic](i.png)](https://x.y) b')).toBe('a  b');
  });

  it('removes HTML comments, including multi-line ones and debut markers', () => {
    expect(markdownToText('keep <!-- debut: 3/2 --> this')).toBe('keep  this');
    expect(markdownToText('one\n<!-- a\nmulti-line\ncomment -->\ntwo')).toBe('one\n\ntwo');
  });

  it('removes HTML tags but keeps their text', () => {
    expect(markdownToText('<b>bold</b> and <br/>break')).toBe('bold and break');
  });

  it('removes emphasis, code, blockquote and list markers', () => {
    expect(markdownToText('**Pepper** is _a witch_ of `Chaosah`')).toBe('Pepper is a witch of Chaosah');
    expect(markdownToText('> quoted line\n- item one\n* item two\n+ item three')).toBe('quoted line\nitem one\nitem two\nitem three');
  });

  it('keeps heading text and line structure', () => {
    expect(markdownToText('# Title\n\nBody text.')).toBe('# Title\n\nBody text.');
  });

  // BUG (minor, src/content/chunking.ts): the emphasis rule treats intra-word
  // underscores as emphasis, so identifiers lose their underscores.
  it('keeps underscores inside words (snake_case is not emphasis)', () => {
    expect(markdownToText('file shichimi_hair_piece here')).toBe('file shichimi_hair_piece here');
  });
});
