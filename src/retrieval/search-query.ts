/**
 * A reader's question → the text given to `websearch_to_tsquery`. The words
 * are joined with `or` so a passage matching some of them still ranks
 * (`ts_rank_cd` rewards the ones matching more); websearch syntax in the
 * question (quotes, `-`, `or`) is dropped so it cannot change the query.
 */
const MAX_TERMS = 16;

export function searchTerms(question: string): string[] {
  const words = question
    .normalize('NFKC')
    .toLowerCase()
    .match(/[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu);
  const out: string[] = [];
  for (const w of words ?? []) {
    const word = w.replace(/['’]s$/, '').replace(/['’]/g, '');
    // `or`/`and` would be read as operators; one-letter words carry nothing.
    if (word.length < 2 || word === 'or' || word === 'and') continue;
    if (!out.includes(word)) out.push(word);
    if (out.length >= MAX_TERMS) break;
  }
  return out;
}

/** `websearch_to_tsquery` input, or null when the question has no searchable word. */
export function toWebSearch(question: string): string | null {
  const terms = searchTerms(question);
  return terms.length === 0 ? null : terms.join(' or ');
}
