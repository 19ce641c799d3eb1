/**
 * Text folding shared by the name matcher and the reference detector: case,
 * accents, compatibility forms (full-width "ｅｐ３６"), invisible characters
 * ("Cori\u200Bander") and look-alike letters from other scripts ("Cоriander"
 * with a Cyrillic о), with a map back to offsets in the original text.
 */

/** Letters from other scripts that look like Latin ones (after lower-casing). */
const CONFUSABLE: Record<string, string> = {
  а: 'a',
  в: 'b',
  е: 'e',
  ё: 'e',
  к: 'k',
  м: 'm',
  н: 'h',
  о: 'o',
  р: 'p',
  с: 'c',
  т: 't',
  у: 'y',
  х: 'x',
  і: 'i',
  ї: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  һ: 'h',
  ӏ: 'l',
  ԛ: 'q',
  ԝ: 'w',
  ɑ: 'a',
  ɡ: 'g',
  ı: 'i',
  α: 'a',
  β: 'b',
  ε: 'e',
  η: 'n',
  ι: 'i',
  κ: 'k',
  μ: 'u',
  ν: 'v',
  ο: 'o',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ζ: 'z',
};
/** Dropped entirely: they are neither letters nor separators. */
const INVISIBLE = /[\u0300-\u036f\u200b-\u200f\u2060\ufeff\u00ad]/g;
export const PLAIN_ASCII = /^[\x20-\x7e\t\n\r]*$/;

/**
 * One code point folded, case kept (the reference detector needs "VI" vs "vi"):
 * NFKD, accents and invisible characters dropped, look-alikes mapped to Latin.
 */
function foldCodePoint(ch: string): string {
  const c = ch.codePointAt(0)!;
  if (c < 128) return ch;
  // A text repeats its few non-ASCII characters (accents, "…", quotes): NFKD once per character, not per occurrence.
  let f = FOLDED.get(ch);
  if (f === undefined) {
    const lower = ch.toLowerCase();
    const conf = CONFUSABLE[lower];
    f = conf !== undefined ? (ch === lower ? conf : conf.toUpperCase()) : ch.normalize('NFKD').replace(INVISIBLE, '');
    if (FOLDED.size >= 4_096) FOLDED.clear();
    FOLDED.set(ch, f);
  }
  return f;
}
const FOLDED = new Map<string, string>();

export interface Folded {
  /** The folded text (case kept). */
  text: string;
  /** For each UTF-16 unit of `text`, its offset in the original, plus the original length at the end; null when identical (ASCII). */
  offsets: number[] | null;
}

/** Fold `text` keeping case, with the offset map back to the original. */
export function foldKeepCase(text: string): Folded {
  if (PLAIN_ASCII.test(text)) return { text, offsets: null };
  let out = '';
  const offsets: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldCodePoint(ch);
    for (let k = 0; k < f.length; k++) offsets.push(i);
    out += f;
    i += ch.length;
  }
  offsets.push(text.length);
  return { text: out, offsets };
}

/** Offset in the original text of folded offset `i` (an end offset maps to the end of its character). */
export function originalStart(f: Folded, i: number): number {
  return f.offsets === null ? i : f.offsets[i]!;
}
export function originalEnd(f: Folded, i: number, textLength: number): number {
  if (f.offsets === null) return i;
  if (i <= 0) return 0;
  // The end of folded unit i-1 is the start of the next original character.
  const o = f.offsets[i - 1]!;
  for (let k = i; k < f.offsets.length; k++) if (f.offsets[k]! > o) return f.offsets[k]!;
  return textLength;
}

/** Lower-case fold (names, vocabulary): "Córiander" → "coriander". */
export function foldText(text: string): string {
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  let out = '';
  for (const ch of text) out += foldCodePoint(ch);
  return out.toLowerCase();
}
