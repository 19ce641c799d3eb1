/**
 * Split text into retrieval chunks. Line boundaries are kept where possible (a
 * comic's dialogue is one text object per line); an over-long line is cut at
 * a word boundary. Consecutive chunks overlap by a little so a sentence split
 * across two chunks is still found whole in one.
 */
export interface ChunkOptions {
  maxChars: number;
  overlapChars: number;
}

export const DEFAULT_CHUNK: ChunkOptions = { maxChars: 800, overlapChars: 120 };

function splitLongLine(line: string, max: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > max) {
    let cut = rest.lastIndexOf(' ', max);
    if (cut < max / 2) cut = max;
    out.push(rest.slice(0, cut).trim());
    rest = rest.slice(cut).trim();
  }
  if (rest) out.push(rest);
  return out;
}

export function chunkText(text: string, opts: ChunkOptions = DEFAULT_CHUNK): string[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .flatMap((l) => splitLongLine(l, opts.maxChars));
  const chunks: string[] = [];
  let current: string[] = [];
  let size = 0;
  for (const line of lines) {
    if (size > 0 && size + 1 + line.length > opts.maxChars) {
      chunks.push(current.join('\n'));
      // Carry the tail of the previous chunk as overlap.
      const carry: string[] = [];
      let carried = 0;
      for (let i = current.length - 1; i >= 0; i--) {
        const l = current[i]!;
        if (carried + l.length > opts.overlapChars) break;
        carry.unshift(l);
        carried += l.length + 1;
      }
      current = carry;
      size = carried;
      // The carried overlap must still leave room for the next line.
      while (current.length > 0 && size + line.length > opts.maxChars) size -= current.shift()!.length + 1;
    }
    current.push(line);
    size += line.length + 1;
  }
  if (current.length > 0) chunks.push(current.join('\n'));
  return chunks;
}

/** Markdown to plain text for retrieval: images and link targets dropped, emphasis markers removed. */
export function markdownToText(md: string): string {
  return (
    md
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/^\s{0,3}>\s?/gm, '')
      .replace(/^\s*[-*+]\s+/gm, '')
      .replace(/[*`~]{1,3}([^*`~]+)[*`~]{1,3}/g, '$1')
      // `_` is emphasis only at word boundaries (snake_case names keep theirs).
      .replace(/(?<!\w)_{1,3}([^_]+?)_{1,3}(?!\w)/g, '$1')
  );
}
