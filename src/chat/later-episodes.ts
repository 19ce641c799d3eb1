/**
 * References to episodes the reader has not reached ("in episode 28", "ep. 36",
 * "chapters 24 and 30") and page labels past the position ("[27/1]", the form
 * answers cite in): a model that knows the public story tends to date its
 * spoilers this way, and a question about "episode 20" asked at episode 3
 * has no answer that is both true and spoiler-free. Implements the guard's
 * TextMatcher so the stream guard holds back an unfinished "episode 2…".
 */
import type { NameHit, TextMatcher } from '../spoilers/names.js';
import { comparePositions, type Position } from '../spoilers/position.js';

const KEYWORD = String.raw`(?:episodes?|eps?|chapters?|issues?)`;
const NUMBER_LIST = String.raw`\d{1,5}(?:\s*(?:,|&|and|or|to|through|-|–)\s*\d{1,5})*`;
const REFERENCE = new RegExp(String.raw`(?<![\p{L}\p{N}])${KEYWORD}\.?\s*(?:no\.?\s*|number\s*|#\s*)?(${NUMBER_LIST})`, 'giu');
/** A citation-style label `[E/P]`, also in groups: `[3/2, 27/1]`. */
const LABEL = /\[\s*\d{1,6}\s*\/\s*\d{1,6}(?:\s*[,;]\s*\d{1,6}\s*\/\s*\d{1,6})*\s*\]/g;
/** An unfinished reference at the end of streamed text: a keyword (or its start) and maybe numbers, or an open label. */
const OPEN_TAIL = new RegExp(
  String.raw`(?:(?<![\p{L}\p{N}])(?:${KEYWORD}\.?\s*(?:no\.?\s*|number\s*|#\s*)?(?:${NUMBER_LIST}(?:\s*(?:,|&|and|or|to|through|-|–)?\s*)?)?|e|ep|epi|epis|episo|episod|c|ch|cha|chap|chapt|chapte|i|is|iss|issu)|\[[\d\s/,;]*)$`,
  'iu',
);

export class LaterEpisodeMatcher implements TextMatcher {
  /** "episodes 12345, 12346 and 12347" at most. */
  readonly maxSpan = 64;

  private readonly position: Position;

  /** `at`: the reader's position (a bare number = the last page of that episode, for keyword checks only). */
  constructor(at: Position | number) {
    this.position = typeof at === 'number' ? { episode: at, page: Number.MAX_SAFE_INTEGER } : at;
  }

  private get currentEpisode(): number {
    return this.position.episode;
  }

  find(text: string): NameHit[] {
    const hits: NameHit[] = [];
    for (const m of text.matchAll(LABEL)) {
      for (const l of m[0].matchAll(/(\d+)\s*\/\s*(\d+)/g)) {
        const p = { episode: Number(l[1]), page: Number(l[2]) };
        if (comparePositions(p, this.position) > 0) {
          hits.push({ slug: `page-${p.episode}-${p.page}`, name: `page ${p.episode}/${p.page}`, start: m.index, end: m.index + m[0].length });
          break;
        }
      }
    }
    for (const m of text.matchAll(REFERENCE)) {
      const numbers = (m[1]!.match(/\d+/g) ?? []).map(Number);
      const later = numbers.find((n) => n > this.currentEpisode);
      if (later !== undefined) hits.push({ slug: `episode-${later}`, name: `episode ${later}`, start: m.index, end: m.index + m[0].length });
    }
    return hits.sort((a, b) => a.start - b.start);
  }

  findFrom(text: string, from: number): NameHit[] {
    return this.find(text).filter((h) => h.start >= from);
  }

  pendingFrom(text: string, from = 0): { unreached: number; visible: number } {
    const tail = text.slice(from);
    const m = OPEN_TAIL.exec(tail);
    return { unreached: m ? from + m.index : text.length, visible: text.length };
  }
}
