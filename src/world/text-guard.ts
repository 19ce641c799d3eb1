/**
 * The text check for pack text shown on the world, wiki and search surfaces.
 *
 * Debuts decide *which* rows a reader gets (in SQL, spoilers/boundary.ts); this
 * decides which *sentences* of those rows can be shown. Pack text is written by
 * people and often names what comes later, so a sentence is withheld ("…") when
 * it names an entity (or alias) the reader has not reached (the shared
 * NameMatcher), or — for lore text — when it refers to an episode the reader has
 * not finished ("in episode 6" while reading episode 6, "(ep. 36)"). Story pages
 * name their own episode in title strips and footers, so for page text only a
 * strictly later episode counts.
 */
import { findEpisodeMentions } from '../content/episode-mentions.js';
import { NameMatcher, splitSentences, type NameHit } from '../spoilers/names.js';
import type { Position } from '../spoilers/position.js';

/** What the reader's progress row says, as the text check needs it. */
export interface ReaderState {
  /** The furthest page reached; null before reading (then nothing is shown anyway). */
  position: Position | null;
  /** The last story page of the reader's current episode: that episode counts as finished from there. */
  episodeEnd: number | null;
}

/** `lore`: wiki, descriptions, summaries. `page`: the story's own text (dialogue, page descriptions). */
export type TextKind = 'lore' | 'page';

/** May text of this kind refer to episode `n`? */
export function episodeSafe(n: number, state: ReaderState, kind: TextKind): boolean {
  const p = state.position;
  if (!p) return false;
  if (n < p.episode) return true;
  if (n > p.episode) return false;
  return kind === 'page' || (state.episodeEnd !== null && p.page >= state.episodeEnd);
}

/** The `slug` of an episode-reference hit ('#' is never part of an entity slug). */
export const EPISODE_HIT = '#episode';

/**
 * `text` in compatibility form without invisible characters ("ｅｐ３６" → "ep36",
 * "ep\u200B36" → "ep36"), with the offset in `text` of every character, so
 * references can be found however they are written and mapped back.
 */
export function normalizeWithOffsets(text: string): { text: string; offsets: number[] | null } {
  // Printable ASCII is already in normal form: offsets are the identity (null), the common case and much faster.
  if (/^[\x20-\x7e\t\n\r]*$/.test(text)) return { text, offsets: null };
  let out = '';
  const offsets: number[] = [];
  let i = 0;
  for (const ch of text) {
    const n = ch.normalize('NFKC').replace(/[\u200b-\u200f\u2060\ufeff\u00ad]/g, '');
    for (let k = 0; k < n.length; k++) offsets.push(i);
    out += n;
    i += ch.length;
  }
  offsets.push(text.length);
  return { text: out, offsets };
}

/** A cheap necessary condition for findEpisodeMentions: a word starting with "ep" or "ch". */
const MAY_MENTION = /(?<![\p{L}\p{N}])(?:ep|ch)/iu;

/** Mentions of episodes this reader must not read about yet, shaped like name hits (offsets in `text`). */
export function unsafeEpisodeHits(text: string, state: ReaderState, kind: TextKind): NameHit[] {
  const out: NameHit[] = [];
  const norm = normalizeWithOffsets(text);
  // Every reference starts with "ep…"/"ch…" or an ordinal ending in those words: most text has none.
  if (!MAY_MENTION.test(norm.text)) return out;
  for (const m of findEpisodeMentions(norm.text)) {
    if (m.episodes.every((n) => episodeSafe(n, state, kind))) continue;
    const start = norm.offsets ? norm.offsets[m.start]! : m.start;
    const end = norm.offsets ? norm.offsets[m.end]! : m.end;
    out.push({ slug: EPISODE_HIT, name: text.slice(start, end), start, end });
  }
  return out;
}

/**
 * The same unreached names without the "inside a visible name" excuse: it
 * finds a superset of the hits, so text it passes whole needs no sentence-by-
 * sentence look (most text). Kept per matcher (matchers are cached per position).
 */
const strictOf = new WeakMap<NameMatcher, NameMatcher>();
function strict(names: NameMatcher): NameMatcher {
  let m = strictOf.get(names);
  if (!m) {
    m = new NameMatcher([...names.unreached]);
    strictOf.set(names, m);
  }
  return m;
}

export class TextGuard {
  constructor(
    readonly names: NameMatcher,
    readonly state: ReaderState,
  ) {}

  /** Every reason to withhold something in `text`. */
  find(text: string, kind: TextKind = 'lore'): NameHit[] {
    return [...this.names.find(text), ...unsafeEpisodeHits(text, this.state, kind)];
  }

  /**
   * Withhold each sentence with a hit ("…"; neighbouring withheld sentences
   * collapse into one, line breaks kept). Hits are looked for in each sentence
   * and in the whole text, so a reference cut in two by the sentence splitter
   * ("(ep. 36)" splits after "ep.") still withholds the sentences it spans.
   */
  redact(text: string, kind: TextKind = 'lore'): { text: string; withheld: number } {
    const whole = [...strict(this.names).find(text), ...unsafeEpisodeHits(text, this.state, kind)];
    if (whole.length === 0) return { text, withheld: 0 };
    let withheld = 0;
    let out = '';
    let lastWithheld = false;
    let start = 0;
    for (const sentence of splitSentences(text)) {
      const end = start + sentence.length;
      const near = whole.filter((h) => h.start < end && start < h.end);
      // An episode reference or a name cut by the splitter withholds outright; a name inside the sentence
      // is judged on the sentence itself (where a visible name containing it excuses it, as in NameMatcher.redact).
      const hit = near.length > 0 && (near.some((h) => h.slug === EPISODE_HIT || h.start < start || h.end > end) || this.names.find(sentence).length > 0);
      start = end;
      if (!hit) {
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

  private readonly labels = new Map<string, string | null>();

  /** A short label (title, heading, kind): the label itself, or null when any of it must be withheld. */
  label(text: string, kind: TextKind = 'lore'): string | null {
    // Labels repeat a lot within one response ("character" on every node): judge each once.
    const key = `${kind}\u0000${text}`;
    let out = this.labels.get(key);
    if (out === undefined) {
      out = this.find(text, kind).length > 0 ? null : text;
      this.labels.set(key, out);
    }
    return out;
  }
}
