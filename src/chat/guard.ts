/**
 * The chat's output check: unreached entity names (spoilers/names.ts) and
 * references to later episodes, as one TextMatcher for StreamGuard, redaction
 * of quoted text, and validation of suggestions.
 */
import { redactWith, type NameHit, type NameMatcher, type TextMatcher } from '../spoilers/names.js';
import type { Position } from '../spoilers/position.js';
import { LaterEpisodeMatcher } from './later-episodes.js';

export class ChatGuard implements TextMatcher {
  readonly maxSpan: number;
  private readonly parts: TextMatcher[];

  /** `at`: the reader's position (from the progress row). */
  constructor(
    readonly names: NameMatcher,
    at: Position | number,
  ) {
    this.parts = [names, new LaterEpisodeMatcher(at)];
    this.maxSpan = Math.max(...this.parts.map((p) => p.maxSpan));
  }

  find(text: string): NameHit[] {
    return this.parts.flatMap((p) => p.find(text)).sort((a, b) => a.start - b.start || b.end - a.end);
  }

  findFrom(text: string, from: number): NameHit[] {
    return this.parts
      .flatMap((p) => (p.findFrom ? p.findFrom(text, from) : p.find(text).filter((h) => h.start >= from)))
      .sort((a, b) => a.start - b.start || b.end - a.end);
  }

  pendingFrom(text: string, from = 0): { unreached: number; visible: number } {
    let unreached = text.length;
    let visibleFns: Array<() => number> = [];
    for (const p of this.parts) {
      const r = p.pendingFrom ? p.pendingFrom(text, from) : { unreached: Math.max(from, text.length - p.maxSpan), visible: text.length };
      unreached = Math.min(unreached, r.unreached);
      // `visible` may be computed lazily by the part: read it only when asked.
      visibleFns = [...visibleFns, () => r.visible];
    }
    return {
      unreached,
      get visible() {
        return Math.min(...visibleFns.map((f) => f()));
      },
    };
  }

  has(text: string): boolean {
    return this.find(text).length > 0;
  }

  /** Sentences with an unreached name or a later-episode reference become "…". */
  redact(text: string): { text: string; withheld: number } {
    return redactWith(this, text);
  }

  /**
   * Does the reader's question ask about something they have not reached? Very short names
   * (two letters, like "Ah") are left to the output guard: as words they are mostly interjections.
   */
  questionHit(question: string): NameHit | null {
    return this.find(question).find((h) => h.slug.startsWith('episode-') || h.slug.startsWith('page-') || h.name.replace(/[^\p{L}\p{N}]/gu, '').length >= 3) ?? null;
  }
}
