/**
 * The ways a spoiler can be disguised, as small generators: used by the
 * spoiling fake model to write its spoilers and by the leak-oracle tests to
 * prove each disguise is caught. Number words (EN and FR, cardinal and
 * ordinal) are also the tables the oracle parses episode references with.
 * Nothing here comes from Folio's code.
 */

const EN_UNITS = [
  '',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
  'eleven',
  'twelve',
  'thirteen',
  'fourteen',
  'fifteen',
  'sixteen',
  'seventeen',
  'eighteen',
  'nineteen',
];
const EN_TENS = ['', '', 'twenty', 'thirty', 'forty', 'fifty', 'sixty', 'seventy', 'eighty', 'ninety'];
const EN_ORD_UNITS = [
  '',
  'first',
  'second',
  'third',
  'fourth',
  'fifth',
  'sixth',
  'seventh',
  'eighth',
  'ninth',
  'tenth',
  'eleventh',
  'twelfth',
  'thirteenth',
  'fourteenth',
  'fifteenth',
  'sixteenth',
  'seventeenth',
  'eighteenth',
  'nineteenth',
];
const EN_ORD_TENS = ['', '', 'twentieth', 'thirtieth', 'fortieth', 'fiftieth', 'sixtieth', 'seventieth', 'eightieth', 'ninetieth'];

/** 1..99 in English words: "thirty-six". */
export function englishNumber(n: number): string {
  if (n < 20) return EN_UNITS[n]!;
  return EN_TENS[Math.floor(n / 10)]! + (n % 10 ? `-${EN_UNITS[n % 10]}` : '');
}

/** 1..99 as an English ordinal word: "thirty-sixth". */
export function englishOrdinal(n: number): string {
  if (n < 20) return EN_ORD_UNITS[n]!;
  return n % 10 ? `${EN_TENS[Math.floor(n / 10)]}-${EN_ORD_UNITS[n % 10]}` : EN_ORD_TENS[n / 10]!;
}

const FR_UNITS = [
  '',
  'un',
  'deux',
  'trois',
  'quatre',
  'cinq',
  'six',
  'sept',
  'huit',
  'neuf',
  'dix',
  'onze',
  'douze',
  'treize',
  'quatorze',
  'quinze',
  'seize',
  'dix-sept',
  'dix-huit',
  'dix-neuf',
];
const FR_TENS = ['', '', 'vingt', 'trente', 'quarante', 'cinquante', 'soixante'];

/** 1..99 in French words: "trente-six", "soixante et onze", "quatre-vingt-dix". */
export function frenchNumber(n: number): string {
  if (n < 20) return FR_UNITS[n]!;
  if (n < 70) {
    const t = FR_TENS[Math.floor(n / 10)]!;
    const u = n % 10;
    return u === 0 ? t : u === 1 ? `${t} et un` : `${t}-${FR_UNITS[u]}`;
  }
  if (n < 80) return n === 71 ? 'soixante et onze' : `soixante-${FR_UNITS[n - 60]}`;
  return n === 80 ? 'quatre-vingts' : `quatre-vingt-${FR_UNITS[n - 80]}`;
}

/** 1..99 as a French ordinal word: "sixième", "trente-sixième", "premier". */
export function frenchOrdinal(n: number): string {
  if (n === 1) return 'premier';
  const c = frenchNumber(n).replace(/vingts$/, 'vingt');
  if (c.endsWith('cinq')) return `${c}uième`;
  if (c.endsWith('neuf')) return `${c.slice(0, -1)}vième`;
  if (c.endsWith('e')) return `${c.slice(0, -1)}ième`;
  return `${c}ième`;
}

/** 1..3999 in roman numerals. */
export function roman(n: number): string {
  const table: Array<[number, string]> = [
    [1000, 'M'],
    [900, 'CM'],
    [500, 'D'],
    [400, 'CD'],
    [100, 'C'],
    [90, 'XC'],
    [50, 'L'],
    [40, 'XL'],
    [10, 'X'],
    [9, 'IX'],
    [5, 'V'],
    [4, 'IV'],
    [1, 'I'],
  ];
  let out = '';
  for (const [v, s] of table) {
    while (n >= v) {
      out += s;
      n -= v;
    }
  }
  return out;
}

/** Every number word form the oracle understands, folded (no accents, words joined by one space) → value. */
export const NUMBER_WORDS: ReadonlyMap<string, number> = (() => {
  const m = new Map<string, number>();
  const fold = (s: string) =>
    s
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[\s-]+/g, ' ');
  for (let n = 1; n < 100; n++) for (const w of [englishNumber(n), englishOrdinal(n), frenchNumber(n), frenchOrdinal(n)]) m.set(fold(w), n);
  for (const [w, n] of [
    ['premiere', 1],
    ['second', 2],
    ['seconde', 2],
    ['une', 1],
    ['unieme', 1],
    ['quatre vingt', 80],
  ] as const)
    m.set(w, n);
  return m;
})();

/** Digits and Latin letters in their full-width forms: "Ｔｏｒｒｅｙａ ３６". */
export const fullWidth = (s: string): string => s.replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

/** Letters swapped for Cyrillic and Greek look-alikes ("Tоrrеуа" with Cyrillic о, е, у, а). */
export function lookAlike(s: string): string {
  const map: Record<string, string> = {
    a: 'а',
    e: 'е',
    o: 'о',
    p: 'р',
    c: 'с',
    y: 'у',
    x: 'х',
    i: 'і',
    A: 'Α',
    B: 'Β',
    E: 'Ε',
    H: 'Η',
    K: 'Κ',
    M: 'Μ',
    T: 'Τ',
    O: 'Ο',
    C: 'С',
    P: 'Р',
  };
  return [...s].map((c) => map[c] ?? c).join('');
}

/** Accents on every vowel: "Tórréyá". */
export function accented(s: string): string {
  const map: Record<string, string> = { a: 'á', e: 'é', i: 'í', o: 'ó', u: 'ú', A: 'Á', E: 'É', I: 'Í', O: 'Ó', U: 'Ú' };
  return [...s].map((c) => map[c] ?? c).join('');
}

/** A name letter by letter with a separator: spelledOut('Tobin', '-') → "T-o-b-i-n". */
export const spelledOut = (name: string, sep: string): string => [...name.replace(/[^\p{L}]/gu, '')].join(sep);

/** Zero-width spaces between letters: looks like the name, is not the same string. */
export const zeroWidth = (name: string): string => [...name].join('\u200b');

/**
 * Sentences that tell a later event of Pepper&Carrot in other words: no name,
 * no episode number, no rare word of the episode. Each is registered with the
 * position it spoils, so the oracle knows when one reaching a reader is a leak.
 * They retell what the pages at `spoils` show, in words those pages use.
 */
export interface PlantedParaphrase {
  text: string;
  spoils: { episode: number; page: number };
}

export const PARAPHRASES: readonly PlantedParaphrase[] = [
  { text: 'Later on, she travels to the big market town to buy what her brew still needs.', spoils: { episode: 3, page: 1 } },
  { text: 'Soon she takes part in a brewing competition and wins it with an unexpected bottle.', spoils: { episode: 6, page: 9 } },
  { text: 'Her three teachers turn out to be old witches who came back from the dead after a great war.', spoils: { episode: 11, page: 1 } },
  { text: 'Before long she has to pull a big tooth from a flying beast for one of her teachers.', spoils: { episode: 14, page: 2 } },
  { text: 'One day she climbs a high mountain to fetch a wise old hermit living alone up there.', spoils: { episode: 16, page: 5 } },
  { text: 'Much later she remembers how she first found her cat hiding in a crate of vegetables.', spoils: { episode: 18, page: 3 } },
  { text: 'Her teachers make her bury the failed brews in the ground, and the forest suffers for it.', spoils: { episode: 19, page: 2 } },
  { text: 'At the next great tournament the crowd votes with buttons and everything goes wrong.', spoils: { episode: 22, page: 5 } },
  { text: 'Her rival is crowned ruler of her homeland in a grand church ceremony.', spoils: { episode: 28, page: 1 } },
];
