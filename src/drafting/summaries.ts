/**
 * Extractive episode summaries: the few lines of an episode's own story pages
 * that carry most of its distinctive words (TF-IDF over the series' episodes,
 * plus the names drafted in them), in story order, about 400 characters.
 * Nothing from another episode, a title page or a credits page.
 */
import { STOPWORDS } from './lexical.js';
import { hasLetter, type Line, soundShaped } from './text.js';

export const SUMMARY_CHARS = 400;
/** A line shorter than this (words) is a shout, a sound or a label, not a summary line. */
const MIN_WORDS = 4;

const FRAGMENT_WEIGHT = 0.6;
const END_MARKERS = /^(?:-\s*)?(?:fin|the end|to be continued|end)\b/i;

/** A line as a sentence of the summary: no leading ellipsis, no footnote mark, a final stop when it has none. */
const clean = (s: string) => {
  const t = s
    .replace(/^[.…\s]+/, '')
    .replace(/\s*\*+\s*$/, '')
    .replace(/\s*\.{3,}\s*$/, '…')
    .replace(/\s*[,;:]+$/, '')
    .trim();
  return /[.!?…"”’')\]]$/.test(t) ? t : `${t}.`;
};

interface Scored {
  line: Line;
  text: string;
  score: number;
}

/**
 * One summary per episode that has lines to summarise. `nameStems`: stems of the drafted names (a line naming
 * someone is worth more).
 */
export function episodeSummaries(lines: readonly Line[], nameStems: ReadonlySet<string>, maxChars = SUMMARY_CHARS): { episode: number; text: string }[] {
  const byEpisode = new Map<number, Line[]>();
  for (const l of lines) {
    if (l.kind !== 'story') continue;
    const list = byEpisode.get(l.episode) ?? [];
    list.push(l);
    byEpisode.set(l.episode, list);
  }
  const content = (l: Line) => l.tokens.filter((t) => hasLetter(t.raw) && t.stem.length >= 3 && !STOPWORDS.has(t.stem) && !soundShaped(t.raw)).map((t) => t.stem);
  const df = new Map<string, number>();
  for (const ls of byEpisode.values()) for (const s of new Set(ls.flatMap(content))) df.set(s, (df.get(s) ?? 0) + 1);
  const n = byEpisode.size;

  const out: { episode: number; text: string }[] = [];
  for (const [episode, ls] of [...byEpisode.entries()].sort((a, b) => a[0] - b[0])) {
    const tf = new Map<string, number>();
    for (const l of ls) for (const s of content(l)) tf.set(s, (tf.get(s) ?? 0) + 1);
    const seen = new Set<string>();
    const scored: Scored[] = [];
    for (const l of ls) {
      const text = clean(l.text);
      const words = l.tokens.filter((t) => hasLetter(t.raw));
      const k = text.toLowerCase();
      if (seen.has(k) || words.length < MIN_WORDS || l.label || /^\*/.test(l.text) || END_MARKERS.test(text)) continue;
      seen.add(k);
      const stems = [...new Set(content(l))];
      let score = 0;
      for (const s of stems) score += Math.log(1 + (tf.get(s) ?? 0)) * Math.log((n + 1) / (df.get(s) ?? 1));
      const names = stems.filter((s) => nameStems.has(s)).length;
      score = score / Math.sqrt(words.length) + names;
      // A fragment that continues another balloon ("and the last touch") reads badly alone.
      if (/^\p{Ll}/u.test(text)) score *= FRAGMENT_WEIGHT;
      scored.push({ line: l, text, score });
    }
    if (scored.length === 0) continue;
    const ranked = [...scored].sort((a, b) => b.score - a.score || a.line.ordinal - b.line.ordinal || a.line.index - b.line.index);
    const chosen: Scored[] = [];
    let len = 0;
    for (const s of ranked) {
      const add = s.text.length + (chosen.length ? 1 : 0);
      if (len + add > maxChars) continue;
      chosen.push(s);
      len += add;
    }
    if (chosen.length === 0) chosen.push({ ...ranked[0]!, text: `${ranked[0]!.text.slice(0, maxChars - 1)}…` });
    chosen.sort((a, b) => a.line.ordinal - b.line.ordinal || a.line.index - b.line.index);
    out.push({ episode, text: chosen.map((c) => c.text).join(' ') });
  }
  return out;
}
