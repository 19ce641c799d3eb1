/**
 * The unreached-name check: one matcher used by every surface that shows text
 * Folio did not write itself (model output, quote-mode passages, wiki sections,
 * entity descriptions, search snippets, suggestions, recaps).
 *
 * Entities carry a debut; a reader who has not reached it must not read its
 * name or any alias. Text is normalised before matching so the name cannot
 * slip through as "CORIANDER", "Córiander", "Cor\u200Biander", "Cоriander"
 * (Cyrillic о) or "C-o-r-i-a-n-d-e-r". An unreached name that only occurs
 * inside a longer visible name is not a hit (unreached "Ah" inside a visible
 * "Temples of Ah"): the reader already knows that text.
 *
 * Pure functions only; the names come from spoilers/queries.ts (SQL, under the
 * boundary). Matching is indexed by first character because the stream guard
 * runs it on every token of every answer.
 */

export interface EntityName {
  /** The entity's slug (for logs and tests; never shown to a reader). */
  slug: string;
  /** Display name or alias. */
  name: string;
}

export interface NameHit {
  slug: string;
  name: string;
  /** Offsets in the original text. */
  start: number;
  end: number;
}

/**
 * What StreamGuard needs from a check. NameMatcher implements it; other checks
 * (e.g. references to later episodes) can too. Without `pendingFrom` the guard
 * holds back `maxSpan` characters and treats every hit as final.
 */
export interface TextMatcher {
  /** Longest span, in characters of original text, that one hit can cover. */
  readonly maxSpan: number;
  find(text: string): NameHit[];
  /** Optional: only the hits that start at or after `from` (the guard re-scans only new text). */
  findFrom?(text: string, from: number): NameHit[];
  /**
   * Where unfinished matches start in `text` (offsets ≥ `from`, `text.length` when none):
   * `unreached` — the earliest start of text that more characters could turn into a hit
   * (hold it back); `visible` — the earliest start of an unfinished allowed match that
   * could still cover a hit after it (a hit there is not final yet).
   */
  pendingFrom?(text: string, from?: number): { unreached: number; visible: number };
}

/** Longest gap of non-letters tolerated between letters of a spelled-out name ("C - o - r"). */
const MAX_GAP = 3;
/** Names shorter than this are matched only as whole words: "ah" hides in "yeah". */
const MIN_SKELETON_LETTERS = 6;

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/** Letters from other scripts that look like Latin ones (after lower-casing): "Cоriander" with a Cyrillic о. */
const CONFUSABLE: Record<string, string> = {
  а: 'a', в: 'b', е: 'e', ё: 'e', к: 'k', м: 'm', н: 'h', о: 'o', р: 'p', с: 'c', т: 't', у: 'y', х: 'x',
  і: 'i', ї: 'i', ј: 'j', ѕ: 's', ԁ: 'd', һ: 'h', ӏ: 'l', ԛ: 'q', ԝ: 'w', ɑ: 'a', ɡ: 'g', ı: 'i',
  α: 'a', β: 'b', ε: 'e', η: 'n', ι: 'i', κ: 'k', μ: 'u', ν: 'v', ο: 'o', ρ: 'p', τ: 't', υ: 'u', χ: 'x', ζ: 'z',
};
const CONFUSABLE_RE = new RegExp(`[${Object.keys(CONFUSABLE).join('')}]`, 'g');
const PLAIN_ASCII = /^[\x20-\x7e\t\n\r]*$/;

/** Lower-case, strip accents and invisible characters, fold compatibility forms (ｃｏｒｉ → cori) and look-alike letters. */
export function foldText(text: string): string {
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u200b-\u200f\u2060\ufeff\u00ad]/g, '')
    .toLowerCase()
    .replace(CONFUSABLE_RE, (c) => CONFUSABLE[c]!);
}

interface Folded {
  /** Folded text. */
  s: string;
  /** Offset in the original text of each folded character; null when they are the same (ASCII). */
  offsets: number[] | null;
}

/** Fold `text` and keep a map back to original offsets (NFKD can change lengths). */
function foldWithOffsets(text: string): Folded {
  if (PLAIN_ASCII.test(text)) return { s: text.toLowerCase(), offsets: null };
  let s = '';
  const offsets: number[] = [];
  let i = 0;
  for (const ch of text) {
    const f = foldText(ch);
    for (let k = 0; k < f.length; k++) offsets.push(i);
    s += f;
    i += ch.length;
  }
  return { s, offsets };
}

const originalOffset = (f: Folded, i: number, textLength: number): number =>
  f.offsets === null ? i : i < f.offsets.length ? f.offsets[i]! : textLength;

/** The first folded index whose original offset is at or after `offset`. */
function foldedIndex(f: Folded, offset: number): number {
  if (f.offsets === null) return Math.min(offset, f.s.length);
  let i = 0;
  while (i < f.offsets.length && f.offsets[i]! < offset) i++;
  return i;
}

const LETTER = /[\p{L}\p{N}]/u;
function isLetterAt(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  if (c < 128) return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90);
  return LETTER.test(s[i]!);
}
const isLetter = (c: string): boolean => isLetterAt(c, 0);

/** The letters of a name in folded form: "Savant-Ant" → "savantant". */
export function nameLetters(name: string): string {
  return [...foldText(name)].filter(isLetter).join('');
}

/** A name as words: "Savant-Ant" → ["savant", "ant"]. */
function nameWords(name: string): string[] {
  return foldText(name)
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

interface Span {
  start: number;
  end: number;
}

interface Pattern {
  slug: string;
  name: string;
  words: string[];
  /** Letters of all words; the spelled-out form is matched only when long enough. */
  letters: string;
  skeleton: boolean;
}

const leetAt = (s: string, i: number): string => LEET[s[i]!] ?? s[i]!;

/**
 * Result of matching one pattern from one start: 'none', a complete match ending at `end`,
 * or 'open' (the text ran out while the match could still complete).
 */
type Attempt = { kind: 'none' } | { kind: 'match'; end: number } | { kind: 'open' };
const NONE: Attempt = { kind: 'none' };
const OPEN: Attempt = { kind: 'open' };

/**
 * Whole-word match of a (multi-word) name from `s`; words may be separated by 1..MAX_GAP non-letters.
 * A match that reaches the end of the text is 'open' as well as a match: one more letter would break it.
 */
function wordAttempt(f: string, s: number, words: string[]): Attempt {
  const n = f.length;
  if (s > 0 && isLetterAt(f, s - 1)) return NONE;
  let p = s;
  for (let w = 0; w < words.length; w++) {
    if (w > 0) {
      const gapStart = p;
      while (p < n && !isLetterAt(f, p)) p++;
      if (p - gapStart > MAX_GAP) return NONE;
      if (p >= n) return OPEN;
      if (p === gapStart) return NONE;
    }
    const word = words[w]!;
    for (let k = 0; k < word.length; k++, p++) {
      if (p >= n) return OPEN;
      if (f.charCodeAt(p) !== word.charCodeAt(k)) return NONE;
    }
  }
  if (p >= n) return { kind: 'match', end: p };
  return isLetterAt(f, p) ? NONE : { kind: 'match', end: p };
}

/**
 * Spelled-out or obfuscated match of a long name from `s`: its letters in order with at
 * most MAX_GAP non-letters between them, leetspeak folded ("C0r1and3r").
 */
function skeletonAttempt(f: string, s: number, letters: string): Attempt {
  const n = f.length;
  if (leetAt(f, s) !== letters[0]) return NONE;
  let p = s + 1;
  let k = 1;
  while (k < letters.length) {
    let gap = 0;
    while (p < n && gap <= MAX_GAP && leetAt(f, p) !== letters[k] && !isLetterAt(f, p)) {
      p++;
      gap++;
    }
    if (gap > MAX_GAP) return NONE;
    if (p >= n) return OPEN;
    if (leetAt(f, p) !== letters[k]) return NONE;
    p++;
    k++;
  }
  return { kind: 'match', end: p };
}

/** Patterns indexed by the folded character their match must start with. */
class PatternIndex {
  private readonly byWordStart = new Map<string, Pattern[]>();
  private readonly bySkeletonStart = new Map<string, Pattern[]>();
  readonly size: number;

  constructor(names: readonly EntityName[]) {
    const add = (map: Map<string, Pattern[]>, key: string, p: Pattern) => {
      const list = map.get(key);
      if (list) list.push(p);
      else map.set(key, [p]);
    };
    let size = 0;
    for (const n of names) {
      const words = nameWords(n.name);
      if (words.length === 0) continue;
      const letters = words.join('');
      const p: Pattern = { slug: n.slug, name: n.name, words, letters, skeleton: letters.length >= MIN_SKELETON_LETTERS };
      add(this.byWordStart, words[0]![0]!, p);
      if (p.skeleton) add(this.bySkeletonStart, letters[0]!, p);
      size++;
    }
    this.size = size;
  }

  /** Calls `fn` for every attempt from position s (word and spelled-out forms); stops when it returns true. */
  private each(f: string, s: number, fn: (p: Pattern, a: Attempt) => boolean | void): boolean {
    const words = this.byWordStart.get(f[s]!);
    if (words) for (const p of words) if (fn(p, wordAttempt(f, s, p.words))) return true;
    const skel = this.bySkeletonStart.get(leetAt(f, s));
    if (skel) for (const p of skel) if (fn(p, skeletonAttempt(f, s, p.letters))) return true;
    return false;
  }

  /** Complete matches starting at or after `from`. */
  matches(f: string, from = 0): Array<Span & { p: Pattern }> {
    const out: Array<Span & { p: Pattern }> = [];
    for (let s = from; s < f.length; s++) {
      this.each(f, s, (p, a) => {
        if (a.kind === 'match') out.push({ p, start: s, end: a.end });
      });
    }
    return out;
  }

  /** The first position ≥ from where an attempt is 'open' (f.length when none). */
  firstOpen(f: string, from: number): number {
    for (let s = from; s < f.length; s++) {
      // A whole-word match touching the end of the text is open too: the next letter can break it.
      if (this.each(f, s, (_p, a) => a.kind === 'open' || (a.kind === 'match' && a.end >= f.length))) return s;
    }
    return f.length;
  }
}

const inside = (a: Span, b: Span): boolean => b.start <= a.start && a.end <= b.end && b.end - b.start > a.end - a.start;

export class NameMatcher implements TextMatcher {
  readonly unreached: readonly EntityName[];
  readonly visible: readonly EntityName[];
  /** Longest span, in characters of original text, that one hit can cover. */
  readonly maxSpan: number;
  private readonly unreachedIndex: PatternIndex;
  private readonly visibleIndex: PatternIndex;

  constructor(unreached: EntityName[], visible: EntityName[] = []) {
    // An alias shared with a visible entity is known to the reader; it cannot spoil.
    const known = new Set(visible.map((v) => nameLetters(v.name)));
    this.unreached = unreached.filter((u) => nameLetters(u.name).length > 0 && !known.has(nameLetters(u.name)));
    this.visible = visible;
    // Visible names count too: one of them can contain an unreached name and must be seen whole.
    const longest = Math.max(0, ...this.unreached.map((u) => u.name.length), ...visible.map((v) => v.name.length));
    // Spelled out with MAX_GAP separators between letters, plus decomposed accents.
    this.maxSpan = longest * (MAX_GAP + 2);
    this.unreachedIndex = new PatternIndex(this.unreached);
    this.visibleIndex = new PatternIndex(visible);
  }

  get empty(): boolean {
    return this.unreached.length === 0;
  }

  /** Every unreached name in `text`, in order of appearance. */
  find(text: string): NameHit[] {
    return this.findFrom(text, 0);
  }

  /**
   * The unreached names in `text` that start at or after offset `from` (whether a visible
   * name covers them is judged on the whole text). The stream guard scans only new text.
   */
  findFrom(text: string, from: number): NameHit[] {
    if (this.empty || text.length === 0 || from >= text.length) return [];
    const f = foldWithOffsets(text);
    const found = this.unreachedIndex.matches(f.s, foldedIndex(f, from));
    if (found.length === 0) return [];
    const allowed = this.visibleIndex.size > 0 ? this.visibleIndex.matches(f.s) : [];
    const hits: NameHit[] = [];
    for (const span of found) {
      if (allowed.some((a) => inside(span, a))) continue;
      hits.push({ slug: span.p.slug, name: span.p.name, start: originalOffset(f, span.start, text.length), end: originalOffset(f, span.end, text.length) });
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    // The whole-word and spelled-out passes often find the same occurrence: report it once.
    return hits.filter((h, i) => !hits.slice(0, i).some((p) => p.slug === h.slug && p.start < h.end && h.start < p.end));
  }

  has(text: string): boolean {
    return this.find(text).length > 0;
  }

  pendingFrom(text: string, from = 0): { unreached: number; visible: number } {
    if (this.empty || text.length === 0) return { unreached: text.length, visible: text.length };
    const f = foldWithOffsets(text);
    const at = (i: number) => originalOffset(f, i, text.length);
    const unreached = at(this.unreachedIndex.firstOpen(f.s, foldedIndex(f, from)));
    const visibleIndex = this.visibleIndex;
    let visible: number | undefined;
    return {
      unreached,
      // Computed only when asked: the guard needs it only when there is a hit to judge.
      get visible() {
        visible ??= visibleIndex.size > 0 ? at(visibleIndex.firstOpen(f.s, 0)) : text.length;
        return visible;
      },
    };
  }

  /**
   * Withhold every sentence that names an unreached entity: it becomes "…",
   * and runs of withheld sentences collapse into one "…" (line breaks kept).
   */
  redact(text: string): { text: string; withheld: number } {
    return redactWith(this, text);
  }
}

/** `NameMatcher.redact` for any check: sentences with a hit become "…". */
export function redactWith(matcher: Pick<TextMatcher, 'find'>, text: string): { text: string; withheld: number } {
  let withheld = 0;
  let out = '';
  let lastWithheld = false;
  for (const sentence of splitSentences(text)) {
    if (matcher.find(sentence).length === 0) {
      out += sentence;
      lastWithheld = false;
      continue;
    }
    withheld++;
    const trailing = /\s*$/.exec(sentence)![0];
    if (!lastWithheld) out += `…${trailing}`;
    else if (trailing.includes('\n')) out = out.trimEnd() + trailing;
    lastWithheld = true;
  }
  return { text: out, withheld };
}

/** Split after sentence ends (. ! ? … with closing quotes, then whitespace) and line breaks; joined back they give the input. */
export function splitSentences(text: string): string[] {
  const parts: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/[.!?…]+["'”’)\]]*\s+|\n\s*/g)) {
    const end = m.index + m[0].length;
    parts.push(text.slice(last, end));
    last = end;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/**
 * Streaming form of the check for model output: text is released as soon as
 * no unreached name can still complete across the next chunk (only the
 * unfinished start of a possible name is held back, so clean text flows with
 * no added latency); the first final hit stops the stream. Feed chunks with
 * `push`, then call `end`.
 */
export class StreamGuard {
  private buffer = '';
  /** Offset of buffer[0] in the whole stream (the consumed prefix is dropped). */
  private base = 0;
  private released = 0;
  private tripped: NameHit | null = null;

  constructor(private readonly matcher: TextMatcher) {}

  /** The hit that stopped the stream, if any. */
  get hit(): NameHit | null {
    return this.tripped;
  }

  /** Add a chunk; returns the text that is now safe to send (may be empty). Empty forever once tripped. */
  push(chunk: string): string {
    if (this.tripped) return '';
    this.buffer += chunk;
    return this.advance(false);
  }

  /** The stream ended: returns the held-back rest if it is clean. */
  end(): string {
    if (this.tripped) return '';
    return this.advance(true);
  }

  private advance(final: boolean): string {
    const span = this.matcher.maxSpan;
    const rel = this.released - this.base;
    // Re-scan from well before the released point (a hit can end after it), starting at a word boundary.
    let from = Math.max(0, rel - span);
    for (let back = 0; from > 0 && back < span && isLetterAt(this.buffer, from - 1); back++) from--;
    const window = this.buffer.slice(from);
    const pending = !final && this.matcher.pendingFrom ? this.matcher.pendingFrom(window, rel - from) : null;
    let hold = window.length;
    // A hit cannot start in released text: its unfinished start would have been held back.
    const hits = this.matcher.findFrom ? this.matcher.findFrom(window, Math.max(0, rel - from - 1)) : this.matcher.find(window);
    for (const h of hits) {
      if (from + h.end <= rel) continue; // judged clean when it was released
      const settled = final || pending === null || (h.end < window.length && pending.visible > h.start);
      if (settled) {
        this.tripped = { ...h, start: h.start + from + this.base, end: h.end + from + this.base };
        return '';
      }
      hold = Math.min(hold, h.start);
    }
    let safe: number;
    if (final) safe = this.buffer.length;
    else if (pending === null) safe = this.buffer.length - span;
    else safe = from + Math.min(hold, pending.unreached);
    safe = Math.max(rel, Math.min(safe, this.buffer.length));
    // Never split a surrogate pair.
    if (safe > rel && safe < this.buffer.length && /[\uDC00-\uDFFF]/.test(this.buffer[safe]!)) safe--;
    const out = this.buffer.slice(rel, safe);
    this.released = this.base + safe;
    // Keep only what a later scan can still look at.
    const keepFrom = Math.max(0, safe - 4 * span - 64);
    if (keepFrom > 4096) {
      this.buffer = this.buffer.slice(keepFrom);
      this.base += keepFrom;
    }
    return out;
  }
}
