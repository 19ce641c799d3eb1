/**
 * A snippet cut into plain and highlighted pieces from the API's [start, end)
 * offsets, so it renders as text nodes and <mark> elements: server text is
 * never parsed as HTML. Offsets out of range, overlapping or reversed are
 * clamped, merged or dropped.
 */
export interface Piece {
  text: string;
  mark: boolean;
}

export function highlightPieces(snippet: string, highlights: ReadonlyArray<readonly [number, number]>): Piece[] {
  const n = snippet.length;
  const ranges = highlights
    .filter((r) => Array.isArray(r) && r.length === 2 && Number.isInteger(r[0]) && Number.isInteger(r[1]))
    .map(([s, e]) => [Math.max(0, Math.min(n, s)), Math.max(0, Math.min(n, e))] as const)
    .filter(([s, e]) => e > s)
    .sort((a, b) => a[0] - b[0]);
  const merged: Array<[number, number]> = [];
  for (const [s, e] of ranges) {
    const last = merged[merged.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else merged.push([s, e]);
  }
  const out: Piece[] = [];
  let at = 0;
  for (const [s, e] of merged) {
    if (s > at) out.push({ text: snippet.slice(at, s), mark: false });
    out.push({ text: snippet.slice(s, e), mark: true });
    at = e;
  }
  if (at < n) out.push({ text: snippet.slice(at), mark: false });
  return out;
}
