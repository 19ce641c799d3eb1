/** Reciprocal rank fusion: combine ranked lists without comparing their scores (full-text rank vs cosine distance). */
export const RRF_K = 60;

export function fuseRanks<T>(lists: T[][], key: (item: T) => string | number, k = RRF_K): Array<{ item: T; score: number }> {
  const scores = new Map<string | number, { item: T; score: number; first: number }>();
  let order = 0;
  for (const list of lists) {
    list.forEach((item, rank) => {
      const id = key(item);
      const entry = scores.get(id);
      if (entry) entry.score += 1 / (k + rank + 1);
      else scores.set(id, { item, score: 1 / (k + rank + 1), first: order++ });
    });
  }
  return [...scores.values()].sort((a, b) => b.score - a.score || a.first - b.first).map(({ item, score }) => ({ item, score }));
}
