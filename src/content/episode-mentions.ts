/**
 * References to episodes by number inside free text: "in episode 6", "(ep25)",
 * "ep. 36", "[episode 29](…)", "episodes 18 and 22", "the sixth episode".
 * Callers that face adversarial text normalise it first (world/text-guard.ts).
 * Used by the spoiler lint (content/lint.ts) and by the runtime text guard
 * (world/text-guard.ts). No dependencies, so the server loads it cheaply.
 */

const NUMBER_WORDS: Record<string, number> = {
  one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10,
  eleven: 11, twelve: 12, thirteen: 13, fourteen: 14, fifteen: 15, sixteen: 16, seventeen: 17,
  eighteen: 18, nineteen: 19, twenty: 20, thirty: 30, forty: 40, fifty: 50,
};
const ORDINAL_WORDS: Record<string, number> = {
  first: 1, second: 2, third: 3, fourth: 4, fifth: 5, sixth: 6, seventh: 7, eighth: 8, ninth: 9, tenth: 10,
  eleventh: 11, twelfth: 12, thirteenth: 13, fourteenth: 14, fifteenth: 15, sixteenth: 16, seventeenth: 17,
  eighteenth: 18, nineteenth: 19, twentieth: 20, thirtieth: 30, fortieth: 40, fiftieth: 50,
};
const EP_WORD = String.raw`(?:episodes?|eps?\.?|chapters?|ch\.)`;
const NUM = String.raw`(?:\d{1,4}|${Object.keys(NUMBER_WORDS).join('|')})`;
const LIST_SEP = String.raw`(?:\s*(?:,\s*(?:and\b|or\b|&)?|&|\band\b|\bor\b|\bto\b|\bthrough\b|\bthru\b|-|–|—|/)\s*)`;
/** Between the word and the number: "episode 6", "ep.36", "ep-36", "Episode: 6", "episode #6", "ep. no. 6". */
const GAP = String.raw`[\s:#._–-]{0,3}(?:(?:no\.|n°|nr\.?)\s*)?`;
/** Not inside a longer word or number ("step 3"); "ep29" in a URL still counts ("/ep29_Title"). */
const NOT_BEFORE = String.raw`(?<![\p{L}\p{N}])`;
const NOT_AFTER = String.raw`(?![\p{L}\p{N}])`;
/** "episode 6", "episodes 18 and 22", "(ep25)", "ep. 36", "ep01–ep38", "Episode: ep04, ep19", "chapter six". */
const MENTION = new RegExp(
  String.raw`${NOT_BEFORE}${EP_WORD}${GAP}(${NUM})${NOT_AFTER}((?:${LIST_SEP}(?:${EP_WORD}${GAP})?${NUM}${NOT_AFTER})*)`,
  'giu',
);
/** "the 6th episode", "the sixth chapter". */
const ORDINAL_MENTION = new RegExp(String.raw`${NOT_BEFORE}(\d{1,4}(?:st|nd|rd|th)|${Object.keys(ORDINAL_WORDS).join('|')})\s+${EP_WORD}`, 'giu');

export interface EpisodeMention {
  /** Every episode number named (a range "2 through 20" gives both ends). */
  episodes: number[];
  start: number;
  end: number;
}

const toNumber = (s: string): number => {
  const w = s.toLowerCase();
  return NUMBER_WORDS[w] ?? ORDINAL_WORDS[w] ?? Number.parseInt(w, 10);
};

/** Every place `text` refers to an episode by number. */
export function findEpisodeMentions(text: string): EpisodeMention[] {
  const out: EpisodeMention[] = [];
  for (const m of text.matchAll(MENTION)) {
    const rest = [...(m[2] ?? '').matchAll(new RegExp(NUM, 'giu'))].map((x) => toNumber(x[0]));
    out.push({ episodes: [toNumber(m[1]!), ...rest], start: m.index, end: m.index + m[0].length });
  }
  for (const m of text.matchAll(ORDINAL_MENTION)) {
    if (out.some((o) => o.start <= m.index && m.index < o.end)) continue;
    const word = m[1]!;
    out.push({ episodes: [/^\d/.test(word) ? Number.parseInt(word, 10) : toNumber(word)], start: m.index, end: m.index + m[0].length });
  }
  return out.sort((a, b) => a.start - b.start);
}
