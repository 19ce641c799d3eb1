/**
 * The entity-name matcher: every unreached name and alias in a text, in one
 * pass (Aho–Corasick over the text's folded letters), however it is written.
 *
 * Text is reduced to a stream of letters (lower case, accents, full-width and
 * look-alike letters folded, leetspeak "C0r1and3r" read as letters) with the
 * separators between them counted. A name matches a run of that stream equal
 * to its letters when the run starts and ends at word boundaries and is one of:
 * - the whole words of the name ("Savant-Ant", "savant ant", "ToBiN");
 * - the name spelled out, every letter on its own, joined by up to MAX_GAP
 *   separators ("T-o-b-i-n", "T o b i n", "t_o_b_i_n"): single letters only, so
 *   "to bin" is not "Tobin";
 * - for names of MIN_CHUNKED letters or more, any split ("Cori ander", "Torr. eya"),
 *   also at the start of a longer word ("Komonan" names Komona).
 * An unreached name inside a longer visible name is not a hit (unreached "Ah"
 * inside visible "Temples of Ah"), and an alias shared with a visible entity is
 * not one either: the reader already knows that text.
 */
import { foldText } from './fold.js';
import type { SpoilerHit } from './policy.js';

export interface EntityName {
  /** The entity's slug (never shown to a reader). */
  slug: string;
  /** Display name or alias. */
  name: string;
}

/** A series may hold at most this many entity names and aliases (checked when a pack is read). */
export const MAX_SERIES_NAMES = 20_000;

/** Longest run of separators between two letters of one match. */
const MAX_GAP = 3;
/** Names at least this long also match split anywhere ("Cori ander"); shorter ones would hide in ordinary words. */
const MIN_CHUNKED = 6;
/** A name spelled out letter by letter needs this many letters ("A h" is too often just words). */
const MIN_SPELLED = 3;

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };
const LETTER = /[\p{L}\p{N}]/u;

function isLetterCode(c: number, ch: string): boolean {
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || c === 64 || c === 36;
  return LETTER.test(ch);
}

/** The text as a stream of folded letters, with where each came from and the separators before it. */
interface Letters {
  /** Folded letter codes (UTF-16 units). */
  codes: number[];
  start: number[];
  end: number[];
  /** Separator characters between letter j-1 and letter j (j = 0: before the first letter). */
  gap: number[];
  /** Prefix counts over letters [0, j): gaps above MAX_GAP, gaps of zero, letters that are real letters (not leet). */
  bad: Int32Array;
  zero: Int32Array;
  real: Int32Array;
  /** Separators after the last letter. */
  trailing: number;
}

function lettersOf(text: string): Letters {
  const codes: number[] = [];
  const start: number[] = [];
  const end: number[] = [];
  const gap: number[] = [];
  const isReal: boolean[] = [];
  let pending = 0;
  let i = 0;
  const ascii = /^[\x20-\x7e\t\n\r]*$/.test(text);
  while (i < text.length) {
    const cp = text.codePointAt(i)!;
    const len = cp > 0xffff ? 2 : 1;
    const ch = len === 1 ? text[i]! : text.slice(i, i + 2);
    const folded = ascii ? ch.toLowerCase() : foldText(ch);
    for (const f of folded) {
      const fc = f.codePointAt(0)!;
      if (!isLetterCode(fc, f)) {
        pending++;
        continue;
      }
      const leet = LEET[f];
      const letter = leet ?? f;
      for (let k = 0; k < letter.length; k++) {
        codes.push(letter.charCodeAt(k));
        start.push(i);
        end.push(i + len);
        gap.push(k === 0 ? pending : 0);
        isReal.push(leet === undefined);
      }
      pending = 0;
    }
    i += len;
  }
  const n = codes.length;
  const bad = new Int32Array(n + 1);
  const zero = new Int32Array(n + 1);
  const real = new Int32Array(n + 1);
  for (let j = 0; j < n; j++) {
    bad[j + 1] = bad[j]! + (j > 0 && gap[j]! > MAX_GAP ? 1 : 0);
    zero[j + 1] = zero[j]! + (j > 0 && gap[j] === 0 ? 1 : 0);
    real[j + 1] = real[j]! + (isReal[j] ? 1 : 0);
  }
  return { codes, start, end, gap, bad, zero, real, trailing: pending };
}

interface Pattern {
  letters: string;
  /** Letter indices (1..len-1) where the name has a word break before the letter. */
  breaks: number[];
}

/** Patterns by name: a series' names come back on every request, built once. */
const PATTERNS_KEPT = 200_000;
const patterns = new Map<string, Pattern>();

/** A name as matched: its letters (leetspeak folded like text) and where its words break. */
function patternOf(name: string): Pattern {
  let p = patterns.get(name);
  if (p === undefined) {
    p = /^[\x20-\x7e]*$/.test(name) ? asciiPattern(name) : foldedPattern(name);
    if (patterns.size >= PATTERNS_KEPT) patterns.clear();
    patterns.set(name, p);
  }
  return p;
}

/** patternOf for printable ASCII, without the offset bookkeeping of lettersOf (same result). */
function asciiPattern(name: string): Pattern {
  let letters = '';
  const breaks: number[] = [];
  let gap = false;
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]!.toLowerCase();
    if (!isLetterCode(ch.charCodeAt(0), ch)) {
      gap = true;
      continue;
    }
    if (gap && letters.length > 0) breaks.push(letters.length);
    gap = false;
    letters += LEET[ch] ?? ch;
  }
  return { letters, breaks };
}

function foldedPattern(name: string): Pattern {
  const s = lettersOf(name);
  let letters = '';
  const breaks: number[] = [];
  for (let j = 0; j < s.codes.length; j++) {
    if (j > 0 && s.gap[j]! > 0) breaks.push(j);
    letters += String.fromCharCode(s.codes[j]!);
  }
  return { letters, breaks };
}

/** The letters of a name in folded form: "Savant-Ant" → "savantant". */
export function nameLetters(name: string): string {
  return patternOf(name).letters;
}

/** Aho–Corasick automaton over pattern letter strings. Shared by matchers over the same names (see automatonFor). */
class Automaton {
  /** goto: node * 0x10000 + code → node. */
  private readonly next = new Map<number, number>();
  readonly fail: number[] = [0];
  readonly depth: number[] = [0];
  /** Pattern ids ending exactly at a node. */
  readonly out: Array<number[] | null> = [null];
  /** Nearest fail-ancestor with output (-1 when none). */
  readonly dict: number[] = [-1];
  /** Nodes that have children: a match in progress there can still grow. */
  readonly inner = new Set<number>();

  constructor(readonly patterns: readonly string[]) {
    patterns.forEach((p, id) => {
      let node = 0;
      for (let k = 0; k < p.length; k++) {
        const key = node * 0x10000 + p.charCodeAt(k);
        let child = this.next.get(key);
        if (child === undefined) {
          child = this.fail.length;
          this.next.set(key, child);
          this.fail.push(0);
          this.depth.push(this.depth[node]! + 1);
          this.out.push(null);
          this.dict.push(-1);
        }
        node = child;
      }
      (this.out[node] ??= []).push(id);
    });
    // Breadth-first: fail links of shallower nodes are known first.
    const children = new Map<number, Array<[number, number]>>();
    for (const [key, child] of this.next) {
      const parent = Math.floor(key / 0x10000);
      this.inner.add(parent);
      const list = children.get(parent);
      if (list) list.push([key % 0x10000, child]);
      else children.set(parent, [[key % 0x10000, child]]);
    }
    const queue: number[] = [0];
    for (let qi = 0; qi < queue.length; qi++) {
      const node = queue[qi]!;
      for (const [code, child] of children.get(node) ?? []) {
        queue.push(child);
        if (node === 0) continue;
        let f = this.fail[node]!;
        let target = this.step(f, code);
        while (target === undefined && f !== 0) {
          f = this.fail[f]!;
          target = this.step(f, code);
        }
        this.fail[child] = target ?? 0;
        const fc = this.fail[child]!;
        this.dict[child] = this.out[fc] ? fc : this.dict[fc]!;
      }
    }
  }

  private step(node: number, code: number): number | undefined {
    return this.next.get(node * 0x10000 + code);
  }

  /** The state after reading `code` from `node`. */
  advance(node: number, code: number): number {
    for (;;) {
      const n = this.step(node, code);
      if (n !== undefined) return n;
      if (node === 0) return 0;
      node = this.fail[node]!;
    }
  }
}

/** Automata by their pattern list: a chat turn or a world request builds its guard from the same names as the last one. */
const AUTOMATA_KEPT = 8;
const automata = new Map<string, Array<{ automaton: Automaton; ids: Map<string, number> }>>();

/** A 32-bit hash of a string (FNV-1a), for an order-free key of a pattern set. */
function hashOf(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The automaton over this set of patterns (any order) and each pattern's id in it. The key is
 * order-free (count and sums of hashes), checked against the cached patterns, so no sorting.
 */
function automatonFor(list: string[]): { automaton: Automaton; ids: Map<string, number> } {
  let sum = 0;
  let xor = 0;
  for (const p of list) {
    const h = hashOf(p);
    sum = (sum + h) % 0x100000000;
    xor ^= h;
  }
  const key = `${list.length}:${sum}:${xor}`;
  const bucket = automata.get(key) ?? [];
  const hit = bucket.find((c) => list.every((p) => c.ids.has(p)));
  if (hit) {
    automata.delete(key);
    automata.set(key, bucket);
    return hit;
  }
  const built = { automaton: new Automaton(list), ids: new Map(list.map((p, i) => [p, i])) };
  bucket.push(built);
  automata.set(key, bucket);
  if (automata.size > AUTOMATA_KEPT) automata.delete(automata.keys().next().value!);
  return built;
}

interface Entry {
  slug: string;
  name: string;
  visible: boolean;
  breaks: number[];
}

interface Candidate {
  entry: Entry;
  /** Letter indices, inclusive. */
  a: number;
  b: number;
}

export class NameMatcher {
  readonly unreached: readonly EntityName[];
  readonly visible: readonly EntityName[];
  /** Longest span, in characters of original text, that one match can cover (names spelled out with separators). */
  readonly maxSpan: number;
  private readonly automaton: Automaton;
  /** Entries by pattern id. */
  private readonly entries: Entry[][];

  constructor(unreached: EntityName[], visible: EntityName[] = []) {
    // An alias shared with a visible entity is known to the reader; it cannot spoil.
    const known = new Set(visible.map((v) => nameLetters(v.name)));
    const byLetters = new Map<string, Entry[]>();
    const add = (n: EntityName, isVisible: boolean) => {
      const p = patternOf(n.name);
      if (p.letters.length === 0) return false;
      if (!isVisible && known.has(p.letters)) return false;
      const list = byLetters.get(p.letters);
      const e = { slug: n.slug, name: n.name, visible: isVisible, breaks: p.breaks };
      if (list) list.push(e);
      else byLetters.set(p.letters, [e]);
      return true;
    };
    this.unreached = unreached.filter((u) => add(u, false));
    this.visible = visible;
    // Visible names are matched only to excuse unreached ones inside them.
    if (this.unreached.length > 0) for (const v of visible) add(v, true);
    const list = [...byLetters.keys()];
    const { automaton, ids } = automatonFor(list);
    this.automaton = automaton;
    this.entries = [];
    for (const [p, id] of ids) this.entries[id] = byLetters.get(p)!;
    const longest = list.reduce((m, p) => Math.max(m, p.length), 0);
    this.maxSpan = longest * (MAX_GAP + 1) + 8;
  }

  get empty(): boolean {
    return this.unreached.length === 0;
  }

  /** Does letter run [a, b] match `e` in one of the allowed forms? */
  private static valid(l: Letters, e: Entry, a: number, b: number): boolean {
    if (a > 0 && l.gap[a] === 0) return false;
    const len = b - a + 1;
    // A long name may start a longer word ("Komonan" names Komona); a short one must end with its word.
    if (len < MIN_CHUNKED && b + 1 < l.codes.length && l.gap[b + 1] === 0) return false;
    if (l.bad[b + 1]! - l.bad[a + 1]! > 0) return false;
    if (l.real[b + 1]! - l.real[a]! === 0) return false;
    const zeros = l.zero[b + 1]! - l.zero[a + 1]!;
    const nonZero = len - 1 - zeros;
    if (len >= MIN_CHUNKED) return true;
    if (zeros === 0 && len >= MIN_SPELLED) return true;
    if (nonZero !== e.breaks.length) return false;
    for (const k of e.breaks) if (l.gap[a + k] === 0) return false;
    return true;
  }

  private candidates(l: Letters): Candidate[] {
    const out: Candidate[] = [];
    const ac = this.automaton;
    let node = 0;
    for (let j = 0; j < l.codes.length; j++) {
      node = ac.advance(node, l.codes[j]!);
      for (let o = ac.out[node] ? node : ac.dict[node]!; o > 0; o = ac.dict[o]!) {
        const a = j - ac.depth[o]! + 1;
        for (const id of ac.out[o]!) {
          for (const entry of this.entries[id]!) if (NameMatcher.valid(l, entry, a, j)) out.push({ entry, a, b: j });
        }
      }
    }
    return out;
  }

  /** Every unreached name in `text`, in order of appearance (offsets in `text`). */
  find(text: string): SpoilerHit[] {
    if (this.empty || text.length === 0) return [];
    const l = lettersOf(text);
    const found = this.candidates(l);
    const hits: SpoilerHit[] = [];
    // Visible matches by start; an unreached one is excused when a visible one covers it and is longer.
    const visible = found.filter((c) => c.entry.visible).sort((x, y) => x.a - y.a);
    const unreached = found.filter((c) => !c.entry.visible).sort((x, y) => x.a - y.a || y.b - x.b);
    let vi = 0;
    let maxEnd = -1;
    let last: Candidate | null = null;
    for (const c of unreached) {
      while (vi < visible.length && visible[vi]!.a <= c.a) maxEnd = Math.max(maxEnd, visible[vi++]!.b);
      if (maxEnd >= c.b) continue;
      // The same occurrence found through two aliases of one entity is reported once.
      if (last && last.entry.slug === c.entry.slug && c.a <= last.b) continue;
      last = c;
      const start = l.start[c.a]!;
      const end = l.end[c.b]!;
      hits.push({ kind: 'entity', matched: text.slice(start, end), ref: c.entry.slug, start, end });
    }
    return hits;
  }

  has(text: string): boolean {
    return this.find(text).length > 0;
  }

  /**
   * Could more text turn the end of `text` into a match (of any name, visible ones included)?
   * The stream guard holds a finished sentence while this is so, so no match spans released text.
   */
  open(text: string): boolean {
    if (this.empty || text.length === 0) return false;
    const l = lettersOf(text);
    const n = l.codes.length;
    if (n === 0 || l.trailing > MAX_GAP) return false;
    const ac = this.automaton;
    let node = 0;
    for (let j = 0; j < n; j++) node = ac.advance(node, l.codes[j]!);
    for (let s = node; s > 0; s = ac.fail[s]!) {
      // A complete match that cannot grow was judged with this text; only a growing one is open.
      if (!ac.inner.has(s)) continue;
      const a = n - ac.depth[s]!;
      if ((a === 0 || l.gap[a]! > 0) && l.bad[n]! - l.bad[a + 1]! === 0) return true;
    }
    return false;
  }
}
