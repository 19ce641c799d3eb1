/**
 * The spoiler guard of one answer (chat turn or recap), built from what SQL
 * returned under the boundary: the reader's position and the entity names
 * reached and not reached.
 *
 * replaced by buildGuard at merge: this is a temporary adapter over today's
 * ChatGuard/NameMatcher (word-level checks only, no paraphrase) that satisfies
 * the SpoilerGuard interface, so the answer engine codes against the interface.
 */
import { ChatGuard } from '../chat/guard.js';
import { NameMatcher, splitSentences, type EntityName, type NameHit } from '../spoilers/names.js';
import { WITHHELD, type GuardedStream, type Redaction, type SpoilerGuard, type SpoilerHit } from '../spoilers/policy.js';
import type { Position } from '../spoilers/position.js';

export interface TurnNames {
  position: Position;
  unreached: EntityName[];
  visible: EntityName[];
}

/** replaced by buildGuard at merge */
export function guardForTurn(input: TurnNames): SpoilerGuard {
  return new WordGuard(new ChatGuard(new NameMatcher(input.unreached, input.visible), input.position), input.position);
}

function toHit(text: string, h: NameHit): SpoilerHit {
  const matched = text.slice(h.start, h.end);
  if (h.slug.startsWith('episode-')) return { kind: 'episode', matched, ref: h.slug.slice('episode-'.length), start: h.start, end: h.end };
  if (h.slug.startsWith('page-')) return { kind: 'page', matched, ref: h.slug.slice('page-'.length).replace('-', '/'), start: h.start, end: h.end };
  return { kind: 'entity', matched, ref: h.slug, start: h.start, end: h.end };
}

/** How much of the text before a sentence is re-read with it: a reference split by a boundary ("ep. 28") still counts. */
const LOOK_BACK = 64;

/**
 * Withholds sentences one at a time, in order; runs of withheld sentences collapse into one WITHHELD.
 * A sentence is judged with the end of the text before it, so a hit that straddles a sentence boundary
 * withholds the sentence it ends in (the earlier one may already be out).
 */
class SentenceJudge {
  withheld = 0;
  readonly hits: SpoilerHit[] = [];
  private tail = '';
  private lastWithheld = false;

  constructor(private readonly check: ChatGuard) {}

  judge(text: string): string {
    let out = '';
    for (const sentence of splitSentences(text)) {
      const context = this.tail + sentence;
      const found = this.check.find(context).filter((h) => h.end > this.tail.length);
      this.tail = context.slice(-LOOK_BACK);
      if (found.length === 0) {
        out += sentence;
        this.lastWithheld = false;
        continue;
      }
      this.withheld++;
      for (const h of found) this.hits.push(toHit(context, h));
      const trailing = sentence.slice(sentence.trimEnd().length);
      if (!this.lastWithheld) out += `${WITHHELD}${trailing}`;
      else if (trailing.includes('\n')) out += trailing.slice(trailing.indexOf('\n'));
      this.lastWithheld = true;
    }
    return out;
  }
}

/** Where the last finished sentence of `text` ends (0 when none has). */
function lastBoundary(text: string): number {
  let end = 0;
  for (const m of text.matchAll(/[.!?…]+["'”’)\]]*\s+|\n\s*/g)) end = m.index + m[0].length;
  // Trailing whitespace may still grow (more newlines): the sentence after it has not started, so it is safe to judge.
  return end;
}

/** Holds the current sentence until it ends, judges it once, then releases it or withholds it. */
class SentenceHoldStream implements GuardedStream {
  private buffer = '';
  private readonly judge: SentenceJudge;

  constructor(check: ChatGuard) {
    this.judge = new SentenceJudge(check);
  }

  get withheld(): number {
    return this.judge.withheld;
  }

  get hits(): readonly SpoilerHit[] {
    return this.judge.hits;
  }

  async push(delta: string): Promise<string> {
    this.buffer += delta;
    const cut = lastBoundary(this.buffer);
    if (cut === 0) return '';
    const done = this.buffer.slice(0, cut);
    this.buffer = this.buffer.slice(cut);
    return this.judge.judge(done);
  }

  async end(): Promise<string> {
    const rest = this.buffer;
    this.buffer = '';
    return this.judge.judge(rest);
  }
}

class WordGuard implements SpoilerGuard {
  constructor(
    private readonly check: ChatGuard,
    readonly position: Position,
  ) {}

  find(text: string): SpoilerHit[] {
    return this.check.find(text).map((h) => toHit(text, h));
  }

  has(text: string): boolean {
    return this.check.has(text);
  }

  redact(text: string): Redaction {
    const judge = new SentenceJudge(this.check);
    const out = judge.judge(text);
    return { text: out, withheld: judge.withheld, hits: judge.hits };
  }

  async redactGenerated(text: string): Promise<Redaction> {
    return this.redact(text);
  }

  label(text: string): string | null {
    return this.check.has(text) ? null : text;
  }

  questionHit(question: string): SpoilerHit | null {
    const h = this.check.questionHit(question);
    return h ? toHit(question, h) : null;
  }

  stream(): GuardedStream {
    return new SentenceHoldStream(this.check);
  }
}
