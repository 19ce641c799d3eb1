/**
 * The unreached-name check: one matcher used by every surface that shows text
 * Folio did not write itself (model output, quote-mode passages, wiki sections,
 * entity descriptions, search snippets, suggestions, recaps).
 *
 * Entities carry a debut; a reader who has not reached it must not read its
 * name or any alias. Text is normalised before matching so the name cannot
 * slip through as "CORIANDER", "Córiander", "Cor\u200Biander" or
 * "C-o-r-i-a-n-d-e-r". An unreached name that only occurs inside a longer
 * visible name is not a hit (unreached "Ah" inside a visible "Temples of Ah"):
 * the reader already knows that text.
 *
 * Pure functions only; the names come from spoilers/queries.ts (SQL, under the
 * boundary).
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

/** Longest gap of non-letters tolerated between letters of a spelled-out name ("C - o - r"). */
const MAX_GAP = 3;
/** Names shorter than this are matched only as whole words: "ah" hides in "yeah". */
const MIN_SKELETON_LETTERS = 6;

const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/** Lower-case, strip accents and invisible characters, fold compatibility forms (ｃｏｒｉ → cori). */
export function foldText(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f\u200b-\u200f\u2060\ufeff\u00ad]/g, '')
    .toLowerCase();
}

interface Folded {
  /** Folded characters, each with the offset of the original character it came from. */
  chars: string[];
  offsets: number[];
}

/** Fold `text` and keep a map back to original offsets (NFKD can change lengths). */
function foldWithOffsets(text: string): Folded {
  const chars: string[] = [];
  const offsets: number[] = [];
  let i = 0;
  for (const ch of text) {
    for (const f of foldText(ch)) {
      chars.push(f);
      offsets.push(i);
    }
    i += ch.length;
  }
  return { chars, offsets };
}

const isLetter = (c: string): boolean => /[\p{L}\p{N}]/u.test(c);

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

/** Whole-word matches of a multi-word name; words may be separated by any run of non-letters. */
function wordMatches(f: Folded, words: string[]): Span[] {
  const out: Span[] = [];
  const n = f.chars.length;
  for (let s = 0; s < n; s++) {
    if (s > 0 && isLetter(f.chars[s - 1]!)) continue;
    let p = s;
    let ok = true;
    for (let w = 0; w < words.length && ok; w++) {
      if (w > 0) {
        const gapStart = p;
        while (p < n && !isLetter(f.chars[p]!)) p++;
        if (p === gapStart || p - gapStart > MAX_GAP) ok = false;
      }
      const word = words[w]!;
      for (let k = 0; k < word.length && ok; k++, p++) if (f.chars[p] !== word[k]) ok = false;
    }
    if (ok && (p >= n || !isLetter(f.chars[p]!))) out.push({ start: s, end: p });
  }
  return out;
}

/**
 * Spelled-out or obfuscated matches of a long name: its letters in order with at
 * most MAX_GAP non-letters between them, leetspeak folded ("C0r1and3r").
 */
function skeletonMatches(f: Folded, letters: string): Span[] {
  const out: Span[] = [];
  const n = f.chars.length;
  const at = (i: number) => LEET[f.chars[i]!] ?? f.chars[i]!;
  for (let s = 0; s < n; s++) {
    if (at(s) !== letters[0]) continue;
    let p = s + 1;
    let k = 1;
    while (k < letters.length && p < n) {
      let gap = 0;
      while (p < n && gap <= MAX_GAP && at(p) !== letters[k] && !isLetter(f.chars[p]!)) {
        p++;
        gap++;
      }
      if (p >= n || at(p) !== letters[k] || gap > MAX_GAP) break;
      p++;
      k++;
    }
    if (k === letters.length) out.push({ start: s, end: p });
  }
  return out;
}

function matchesOf(f: Folded, name: string): Span[] {
  const words = nameWords(name);
  if (words.length === 0) return [];
  const spans = wordMatches(f, words);
  const letters = words.join('');
  if (letters.length >= MIN_SKELETON_LETTERS) spans.push(...skeletonMatches(f, letters));
  return spans;
}

const inside = (a: Span, b: Span): boolean => b.start <= a.start && a.end <= b.end && b.end - b.start > a.end - a.start;

export class NameMatcher {
  readonly unreached: readonly EntityName[];
  readonly visible: readonly EntityName[];
  /** Longest span, in characters of original text, that one hit can cover. */
  readonly maxSpan: number;

  constructor(unreached: EntityName[], visible: EntityName[] = []) {
    // An alias shared with a visible entity is known to the reader; it cannot spoil.
    const known = new Set(visible.map((v) => nameLetters(v.name)));
    this.unreached = unreached.filter((u) => nameLetters(u.name).length > 0 && !known.has(nameLetters(u.name)));
    this.visible = visible;
    // Visible names count too: one of them can contain an unreached name and must be seen whole.
    const longest = Math.max(0, ...this.unreached.map((u) => u.name.length), ...visible.map((v) => v.name.length));
    // Spelled out with MAX_GAP separators between letters, plus decomposed accents.
    this.maxSpan = longest * (MAX_GAP + 2);
  }

  get empty(): boolean {
    return this.unreached.length === 0;
  }

  /** Every unreached name in `text`, in order of appearance. */
  find(text: string): NameHit[] {
    if (this.empty || text.length === 0) return [];
    const f = foldWithOffsets(text);
    const allowed = this.visible.flatMap((v) => matchesOf(f, v.name));
    const hits: NameHit[] = [];
    for (const u of this.unreached) {
      for (const span of matchesOf(f, u.name)) {
        if (allowed.some((a) => inside(span, a))) continue;
        const start = f.offsets[span.start]!;
        const end = span.end < f.offsets.length ? f.offsets[span.end]! : text.length;
        hits.push({ slug: u.slug, name: u.name, start, end });
      }
    }
    hits.sort((a, b) => a.start - b.start || b.end - a.end);
    // The whole-word and spelled-out passes often find the same occurrence: report it once.
    return hits.filter((h, i) => !hits.slice(0, i).some((p) => p.slug === h.slug && p.start < h.end && h.start < p.end));
  }

  has(text: string): boolean {
    return this.find(text).length > 0;
  }

  /**
   * Withhold every sentence that names an unreached entity: it becomes "…",
   * and runs of withheld sentences collapse into one "…" (line breaks kept).
   */
  redact(text: string): { text: string; withheld: number } {
    if (this.empty) return { text, withheld: 0 };
    let withheld = 0;
    let out = '';
    let lastWithheld = false;
    for (const sentence of splitSentences(text)) {
      if (!this.has(sentence)) {
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
 * Streaming form of the check for model output: text is released only once
 * no unreached name can still complete across the next chunk; the first hit
 * stops the stream. Feed chunks with `push`, then call `end`.
 */
export class StreamGuard {
  private buffer = '';
  private released = 0;
  private tripped: NameHit | null = null;

  constructor(private readonly matcher: NameMatcher) {}

  /** The hit that stopped the stream, if any. */
  get hit(): NameHit | null {
    return this.tripped;
  }

  /** Add a chunk; returns the text that is now safe to send (may be empty). Empty forever once tripped. */
  push(chunk: string): string {
    if (this.tripped) return '';
    this.buffer += chunk;
    const hits = this.scan();
    if (hits.length > 0) {
      this.tripped = hits[0]!;
      return '';
    }
    // Hold back what a later chunk could still turn into a name; never split a surrogate pair.
    let safe = Math.max(this.released, this.buffer.length - this.matcher.maxSpan);
    if (safe > 0 && safe < this.buffer.length && /[\uDC00-\uDFFF]/.test(this.buffer[safe]!)) safe--;
    const out = this.buffer.slice(this.released, safe);
    this.released = safe;
    return out;
  }

  /** Hits in the part of the buffer a new chunk can affect (earlier text was already clean). */
  private scan(): NameHit[] {
    const from = Math.max(0, this.released - this.matcher.maxSpan);
    return this.matcher.find(this.buffer.slice(from));
  }

  /** The stream ended: returns the held-back rest if it is clean. */
  end(): string {
    if (this.tripped) return '';
    const hits = this.scan();
    if (hits.length > 0) {
      this.tripped = hits[0]!;
      return '';
    }
    const out = this.buffer.slice(this.released);
    this.released = this.buffer.length;
    return out;
  }
}
